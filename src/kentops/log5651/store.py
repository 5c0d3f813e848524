"""Files of the archive, written so that a crash or a full disk never leaves half of one.

Every file is written to a temporary name in the same folder, flushed to disk (fsync),
renamed over its final name and the folder flushed too: a reader, or a run after a
``kill -9``, sees the old file or the new one. Folders are 0700 and files 0600: the access
records are personal data, readable by the archive's owner only. One run at a time holds the
archive's lock (``.lock``, ``flock``); a second one is refused, not queued.
"""

from __future__ import annotations

import contextlib
import errno
import fcntl
import gzip
import hashlib
import os
import signal
from collections.abc import Iterator
from pathlib import Path

DIR_MODE = 0o700
FILE_MODE = 0o600
CHUNK = 1 << 20
#: Names of the points where a test may ask the process to die (``KENTOPS_LOG5651_CRASH_AT``).
CRASH_ENV = "KENTOPS_LOG5651_CRASH_AT"


class ArchiveError(Exception):
    """Something about the archive that the user must fix; the message says what and how."""


class ArchiveLocked(ArchiveError):
    """Another run holds the archive."""


_CRASH_HITS: dict[str, int] = {}


def crash_point(name: str) -> None:
    """Die here with SIGKILL when ``KENTOPS_LOG5651_CRASH_AT`` names this point
    (``name``, or ``name@N`` to die the N-th time the run passes it).

    The robustness tests kill ingest and seal at each of these points and check that a
    re-run completes the work and loses nothing; in normal runs this does nothing.
    """
    wanted = os.environ.get(CRASH_ENV)
    if not wanted:
        return
    point, _, nth = wanted.partition("@")
    if point != name:
        return
    _CRASH_HITS[name] = _CRASH_HITS.get(name, 0) + 1
    if _CRASH_HITS[name] == (int(nth) if nth else 1):
        os.kill(os.getpid(), signal.SIGKILL)


def _disk_full(path: Path, exc: OSError) -> ArchiveError:
    return ArchiveError(
        f"{path}: no space left on the archive's disk ({exc.strerror}); nothing was recorded "
        "half-way: free space (or move the archive to a larger disk) and run the command again"
    )


def make_dir(path: Path) -> Path:
    """A folder (and its parents inside the archive) with mode 0700."""
    try:
        path.mkdir(mode=DIR_MODE, parents=True, exist_ok=True)
    except OSError as exc:
        if exc.errno == errno.ENOSPC:
            raise _disk_full(path, exc) from None
        raise
    path.chmod(DIR_MODE)
    return path


def fsync_dir(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY | os.O_DIRECTORY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def temp_name(path: Path) -> Path:
    return path.with_name(f".{path.name}.{os.getpid()}.tmp")


def write_atomic(path: Path, data: bytes) -> None:
    """Write ``data`` to ``path`` through a flushed temporary file renamed over it."""
    make_dir(path.parent)
    tmp = temp_name(path)
    try:
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, FILE_MODE)
        try:
            view = memoryview(data)
            while view:
                written = os.write(fd, view)
                view = view[written:]
            os.fsync(fd)
        finally:
            os.close(fd)
        crash_point("write:before-rename")
        tmp.replace(path)
        fsync_dir(path.parent)
    except OSError as exc:
        tmp.unlink(missing_ok=True)
        if exc.errno in {errno.ENOSPC, errno.EDQUOT}:
            raise _disk_full(path, exc) from None
        raise


def gzip_bytes(data: bytes, level: int = 6) -> bytes:
    """gzip with a fixed header time, so the same content always compresses the same."""
    return gzip.compress(data, compresslevel=level, mtime=0)


def sha256_file(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        while chunk := handle.read(CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


def sha256_bytes(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


@contextlib.contextmanager
def archive_lock(root: Path) -> Iterator[None]:
    """Hold the archive's lock for the block; refuse when another run holds it."""
    make_dir(root)
    lock = root / ".lock"
    fd = os.open(lock, os.O_RDWR | os.O_CREAT, FILE_MODE)
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            holder = os.pread(fd, 64, 0).decode("ascii", "replace").strip() or "?"
            raise ArchiveLocked(
                f"{root}: another kentops log5651 run (pid {holder}) is working on this archive;"
                " wait for it to finish and run the command again"
            ) from None
        os.ftruncate(fd, 0)
        os.pwrite(fd, str(os.getpid()).encode(), 0)
        yield
    finally:
        os.close(fd)
