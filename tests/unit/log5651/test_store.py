"""Archive files: written whole or not at all, owner-only, one run at a time, and a full disk
gives an error that says what to do."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from kentops.log5651.store import (
    CRASH_ENV,
    ArchiveError,
    ArchiveLocked,
    archive_lock,
    write_atomic,
)
from tests.helpers import lab_prerequisite


def test_files_are_owner_only_and_replace_whole(tmp_path: Path) -> None:
    target = tmp_path / "archive" / "days" / "manifest.json"
    write_atomic(target, b"one")
    write_atomic(target, b"two")
    assert target.read_bytes() == b"two"
    assert target.stat().st_mode & 0o777 == 0o600
    assert (tmp_path / "archive" / "days").stat().st_mode & 0o777 == 0o700
    assert [p.name for p in target.parent.iterdir()] == ["manifest.json"]


def test_a_second_run_is_locked_out(tmp_path: Path) -> None:
    with (
        archive_lock(tmp_path),
        pytest.raises(ArchiveLocked, match=f"pid {os.getpid()}"),
        archive_lock(tmp_path),
    ):
        pass
    with archive_lock(tmp_path):  # released at the end of the block
        pass


def test_kill_at_a_crash_point_leaves_the_old_file(tmp_path: Path) -> None:
    target = tmp_path / "f"
    write_atomic(target, b"old")
    code = (
        "import sys; from pathlib import Path; from kentops.log5651 import store\n"
        "store.write_atomic(Path(sys.argv[1]), b'new' * 100000)\n"
    )
    env = {**os.environ, CRASH_ENV: "write:before-rename"}
    run = subprocess.run([sys.executable, "-c", code, str(target)], env=env, check=False)
    assert run.returncode == -9
    assert target.read_bytes() == b"old"  # the new content was complete but never renamed
    write_atomic(target, b"again")  # the next run is not hindered by the leftover temp file
    assert target.read_bytes() == b"again"


def test_a_full_disk_is_a_clear_error(tmp_path: Path) -> None:
    lab_prerequisite(None if os.geteuid() == 0 else "mounting a small tmpfs needs root")
    mount = tmp_path / "small"
    mount.mkdir()
    subprocess.run(["mount", "-t", "tmpfs", "-o", "size=64k", "tmpfs", str(mount)], check=True)
    try:
        with pytest.raises(ArchiveError, match="no space left on the archive's disk"):
            write_atomic(mount / "big", b"x" * 1_000_000)
        assert list(mount.iterdir()) == []  # no temporary file left behind
    finally:
        subprocess.run(["umount", str(mount)], check=True)
