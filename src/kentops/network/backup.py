"""Device configuration history: a git repository of its own, one file per device.

The store (default ``var/backups/<site>/``) holds ``<device>.cfg`` (the running
configuration, masked and without volatile lines), ``<device>.startup.cfg`` only while the
startup configuration differs from the running one (unsaved changes), and ``index.json``
(per device: platform, when it was read, SHA-256 of what is stored, the last failure).
Every backup run is one commit whose message lists the changed, unchanged and failed
devices, so a failed backup is visible in the history, not only on the console. A deploy
adds a commit of its own (``record_deploy``) with who, what, the before/after hashes and
the result, and appends it to ``deploys.jsonl``.

Nothing unmasked is ever written: ``store_run`` takes configurations already cleaned by
``kentops.network.mask.clean_config`` and refuses one that still looks incomplete.
"""

from __future__ import annotations

import datetime as dt
import fcntl
import getpass
import hashlib
import json
import os
import re
import subprocess
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from pathlib import Path

from kentops.network.mask import canonical_platform

DEFAULT_ROOT = Path("var/backups")
INDEX = "index.json"
DEPLOYS = "deploys.jsonl"
_HOST_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]*$")


class BackupError(RuntimeError):
    """The store cannot do what was asked (no such device or revision, git failed)."""


# ---------------------------------------------------------------- completeness


def incomplete_reason(text: str, platform: str) -> str | None:
    """Why ``text`` is not a whole configuration of ``platform`` (None: it looks whole).

    IOS and FortiOS configurations end with ``end``, VRP with ``return``; a RouterOS export
    has no terminator, so it must at least hold a ``/section`` line. A configuration cut
    short by a dropped session must never replace a good backup.
    """
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    if not lines:
        return "empty configuration"
    name = canonical_platform(platform)
    last = lines[-1]
    if name == "cisco_ios" and last != "end":
        return f"truncated: the configuration does not end with 'end' (last line: {last[:60]!r})"
    if name == "huawei_vrp" and last != "return":
        return f"truncated: the configuration does not end with 'return' (last: {last[:60]!r})"
    if name == "fortios" and last != "end":
        return f"truncated: the configuration does not end with 'end' (last line: {last[:60]!r})"
    if name == "routeros" and not any(line.startswith("/") for line in lines):
        return "truncated: no '/section' line in the RouterOS export"
    return None


# ---------------------------------------------------------------- the store


@dataclass(frozen=True)
class BackupStore:
    """A backup repository on disk (``open_store`` creates it when missing)."""

    path: Path

    def file_of(self, host: str) -> Path:
        return self.path / config_name(host)


def config_name(host: str) -> str:
    if not _HOST_RE.match(host):
        raise BackupError(f"{host!r} is not a device id")
    return f"{host}.cfg"


def startup_name(host: str) -> str:
    return f"{config_name(host)[:-4]}.startup.cfg"


def store_path(site: str, root: Path | None = None) -> Path:
    return (root or Path(os.environ.get("KENTOPS_BACKUP_ROOT", DEFAULT_ROOT))) / site


def open_store(site: str, root: Path | None = None, create: bool = True) -> BackupStore:
    """The store of ``site`` under ``root`` (default var/backups, or $KENTOPS_BACKUP_ROOT)."""
    path = store_path(site, root)
    if not (path / ".git").is_dir():
        if not create:
            raise BackupError(f"no backup history in {path}: run 'kentops backup' first")
        path.mkdir(parents=True, exist_ok=True)
        _git(path, "init", "--quiet", "--initial-branch=main")
        (path / ".gitattributes").write_text("*.cfg text eol=lf\n", encoding="utf-8")
        (path / "README").write_text(
            "Configuration history written by 'kentops backup'. Secrets are masked before\n"
            "anything is stored; do not edit by hand.\n",
            encoding="utf-8",
        )
        _git(path, "add", "-A")
        _commit_message(path, "backup history created\n", who="kentops")
    return BackupStore(path)


def _git_env(who: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("GIT_")}
    env.update(
        {
            "GIT_AUTHOR_NAME": who,
            "GIT_AUTHOR_EMAIL": f"{who}@kentops.invalid",
            "GIT_COMMITTER_NAME": "kentops",
            "GIT_COMMITTER_EMAIL": "kentops@kentops.invalid",
            "GIT_CONFIG_NOSYSTEM": "1",
            "GIT_CONFIG_GLOBAL": os.devnull,
            "LC_ALL": "C",
        }
    )
    return env


def _git(path: Path, *args: str, who: str = "kentops", check: bool = True) -> str:
    done = subprocess.run(
        ["git", "-C", str(path), *args],
        capture_output=True,
        text=True,
        env=_git_env(who),
        check=False,
    )
    if check and done.returncode != 0:
        raise BackupError(f"git {' '.join(args[:2])} in {path}: {done.stderr.strip()}")
    return done.stdout


def _commit_message(path: Path, message: str, who: str) -> str:
    done = subprocess.run(
        ["git", "-C", str(path), "commit", "--quiet", "--allow-empty", "--no-verify", "-F", "-"],
        input=message,
        capture_output=True,
        text=True,
        env=_git_env(who),
        check=False,
    )
    if done.returncode != 0:
        raise BackupError(f"git commit in {path}: {done.stderr.strip() or done.stdout.strip()}")
    return _git(path, "rev-parse", "HEAD").strip()


@contextmanager
def _locked(store: BackupStore) -> Iterator[None]:
    """One writer at a time (two backup runs, or a backup and a deploy record)."""
    lock = store.path / ".git" / "kentops.lock"
    with lock.open("w") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


# ---------------------------------------------------------------- writing a run


@dataclass(frozen=True)
class DeviceBackup:
    """One device's configuration as read in this run, already masked."""

    host: str
    platform: str
    running: str
    startup: str | None = None
    taken_at: dt.datetime = field(default_factory=lambda: dt.datetime.now(dt.UTC))


@dataclass
class RunRecord:
    """What one backup run stored: the commit and every device's state in it."""

    commit: str
    changed: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    failed: dict[str, str] = field(default_factory=dict)
    unsaved: list[str] = field(default_factory=list)  # startup differs from running

    def as_dict(self) -> dict[str, object]:
        return asdict(self)


def sha256_text(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def _read_index(store: BackupStore) -> dict[str, dict[str, object]]:
    path = store.path / INDEX
    if not path.is_file():
        return {}
    data = json.loads(path.read_text(encoding="utf-8"))
    return data if isinstance(data, dict) else {}


def read_index(store: BackupStore) -> dict[str, dict[str, object]]:
    """The index of the latest commit: per device platform, taken_at, sha256, last_error."""
    return _read_index(store)


def store_run(
    store: BackupStore,
    site: str,
    backups: Sequence[DeviceBackup],
    failures: Mapping[str, str],
) -> RunRecord:
    """Write the configurations read in a run and commit once; an incomplete one becomes a
    failure and the device keeps its previous file. Devices that failed keep theirs too."""
    with _locked(store):
        index = _read_index(store)
        failed = dict(failures)
        changed: list[str] = []
        unchanged: list[str] = []
        unsaved: list[str] = []
        for backup in sorted(backups, key=lambda b: b.host):
            reason = incomplete_reason(backup.running, backup.platform)
            if reason is not None:
                failed[backup.host] = reason
                continue
            target = store.file_of(backup.host)
            old = target.read_text(encoding="utf-8") if target.is_file() else None
            startup_file = store.path / startup_name(backup.host)
            old_startup = (
                startup_file.read_text(encoding="utf-8") if startup_file.is_file() else None
            )
            differs = (
                backup.startup is not None
                and backup.startup.strip() != ""
                and (backup.startup != backup.running)
            )
            new_startup = backup.startup if differs else None
            if old != backup.running or old_startup != new_startup:
                changed.append(backup.host)
            else:
                unchanged.append(backup.host)
            target.write_text(backup.running, encoding="utf-8")
            if new_startup is not None:
                startup_file.write_text(new_startup, encoding="utf-8")
                unsaved.append(backup.host)
            elif startup_file.exists():
                startup_file.unlink()
            index[backup.host] = {
                "platform": backup.platform,
                "taken_at": backup.taken_at.astimezone(dt.UTC).isoformat(),
                "sha256": sha256_text(backup.running),
                "startup": "differs" if differs else "same",
                "last_error": None,
            }
        for host, reason in sorted(failed.items()):
            entry = dict(index.get(host, {}))
            entry["last_error"] = reason
            entry["failed_at"] = dt.datetime.now(dt.UTC).replace(microsecond=0).isoformat()
            index[host] = entry
        (store.path / INDEX).write_text(
            json.dumps(index, indent=2, sort_keys=True) + "\n", encoding="utf-8"
        )
        record = RunRecord("", changed, unchanged, failed, unsaved)
        _git(store.path, "add", "-A")
        record.commit = _commit_message(store.path, run_message(site, record), who=_who())
        return record


def run_message(site: str, record: RunRecord) -> str:
    """The commit message of a backup run (first line: the counts)."""
    lines = [
        f"backup {site}: {len(record.changed)} changed, {len(record.unchanged)} unchanged, "
        f"{len(record.failed)} failed",
        "",
        f"changed: {', '.join(record.changed) or '-'}",
        f"unchanged: {', '.join(record.unchanged) or '-'}",
        "failed:" + ("" if record.failed else " -"),
    ]
    lines += [f"  {host}: {reason}" for host, reason in sorted(record.failed.items())]
    if record.unsaved:
        lines.append(f"startup differs from running (unsaved): {', '.join(record.unsaved)}")
    return "\n".join(lines) + "\n"


def _who() -> str:
    try:
        return os.environ.get("KENTOPS_OPERATOR") or getpass.getuser()
    except (KeyError, OSError):
        return "kentops"


# ---------------------------------------------------------------- reading


@dataclass(frozen=True)
class Revision:
    commit: str
    date: dt.datetime
    author: str
    subject: str


def latest_config(store: BackupStore, host: str) -> str | None:
    """The latest stored running configuration of ``host`` (masked), or None."""
    target = store.file_of(host)
    return target.read_text(encoding="utf-8") if target.is_file() else None


def history(
    store: BackupStore, host: str | None = None, limit: int | None = None
) -> list[Revision]:
    """Commits that changed ``host``'s file (newest first); every run when ``host`` is None."""
    args = ["log", "--format=%H%x1f%aI%x1f%an%x1f%s"]
    if limit:
        args.append(f"-n{limit}")
    if host is not None:
        args += ["--", config_name(host)]
    out = _git(store.path, *args)
    revisions = []
    for line in out.splitlines():
        commit, date, author, subject = line.split("\x1f", 3)
        revisions.append(Revision(commit, dt.datetime.fromisoformat(date), author, subject))
    return revisions


def resolve(store: BackupStore, rev: str) -> str:
    """The full commit id of ``rev`` (a hash prefix, HEAD~2, a tag...)."""
    done = _git(store.path, "rev-parse", "--verify", "--quiet", f"{rev}^{{commit}}", check=False)
    if not done.strip():
        raise BackupError(f"no revision {rev!r} in {store.path}: see 'kentops backup log'")
    return done.strip()


def show(store: BackupStore, host: str, rev: str | None = None) -> str:
    """``host``'s configuration at ``rev`` (default: the latest)."""
    commit = resolve(store, rev or "HEAD")
    done = subprocess.run(
        ["git", "-C", str(store.path), "show", f"{commit}:{config_name(host)}"],
        capture_output=True,
        text=True,
        env=_git_env("kentops"),
        check=False,
    )
    if done.returncode != 0:
        raise BackupError(f"{host}: no configuration stored at {rev or 'the latest revision'}")
    return done.stdout


def diff(store: BackupStore, host: str, rev: str | None = None) -> str:
    """Unified diff of ``host``'s configuration.

    Without ``rev``: its last change (the previous stored version against the latest).
    With ``rev``: that revision against the latest.
    """
    name = config_name(host)
    if rev is None:
        revisions = history(store, host, limit=2)
        if not revisions:
            raise BackupError(f"{host}: no configuration stored")
        if len(revisions) == 1:
            return _git(store.path, "show", "--format=", revisions[0].commit, "--", name)
        old, new = revisions[1].commit, revisions[0].commit
    else:
        old, new = resolve(store, rev), resolve(store, "HEAD")
    return _git(store.path, "diff", old, new, "--", name)


# ---------------------------------------------------------------- deploy records


@dataclass(frozen=True)
class DeployRecord:
    """One device's deploy, as the history keeps it."""

    host: str
    features: list[str]
    result: str  # deployed | rolled_back | failed | dry_run
    before_sha256: str | None
    after_sha256: str | None
    detail: str = ""
    who: str = field(default_factory=_who)
    at: dt.datetime = field(default_factory=lambda: dt.datetime.now(dt.UTC).replace(microsecond=0))

    def as_json(self) -> str:
        data = asdict(self)
        data["at"] = self.at.isoformat()
        return json.dumps(data, sort_keys=True, ensure_ascii=False)


def record_deploy(store: BackupStore, record: DeployRecord, config_after: str | None = None) -> str:
    """Commit a deploy record (and, when given, the device's masked configuration after it);
    returns the commit id. The message says who deployed what and how it ended."""
    with _locked(store):
        with (store.path / DEPLOYS).open("a", encoding="utf-8") as handle:
            handle.write(record.as_json() + "\n")
        if config_after is not None:
            store.file_of(record.host).write_text(config_after, encoding="utf-8")
        message = (
            f"deploy {record.host}: {record.result} ({', '.join(record.features) or 'all'})\n\n"
            f"who: {record.who}\n"
            f"features: {', '.join(record.features) or 'all'}\n"
            f"before: {record.before_sha256 or '-'}\n"
            f"after: {record.after_sha256 or '-'}\n"
            f"result: {record.result}\n" + (f"detail: {record.detail}\n" if record.detail else "")
        )
        _git(store.path, "add", "-A")
        return _commit_message(store.path, message, who=record.who)


def deploy_records(store: BackupStore, host: str | None = None) -> list[dict[str, object]]:
    path = store.path / DEPLOYS
    if not path.is_file():
        return []
    out = []
    for line in path.read_text(encoding="utf-8").splitlines():
        if line.strip():
            entry = json.loads(line)
            if host is None or entry.get("host") == host:
                out.append(entry)
    return out


# ---------------------------------------------------------------- a backup run


@dataclass
class BackupRun:
    """A whole ``kentops backup``: what was read, what was stored, what failed and why."""

    site: str
    store: BackupStore
    record: RunRecord
    devices: dict[str, DeviceBackup]
    seconds: dict[str, float]
    elapsed_s: float

    @property
    def ok(self) -> bool:
        return not self.record.failed

    def as_dict(self) -> dict[str, object]:
        return {
            "site": self.site,
            "store": str(self.store.path),
            "commit": self.record.commit,
            "changed": self.record.changed,
            "unchanged": self.record.unchanged,
            "failed": self.record.failed,
            "unsaved": self.record.unsaved,
            "elapsed_s": round(self.elapsed_s, 3),
            "devices": {
                host: {
                    "platform": b.platform,
                    "taken_at": b.taken_at.isoformat(),
                    "sha256": sha256_text(b.running),
                    "seconds": self.seconds.get(host),
                }
                for host, b in sorted(self.devices.items())
            },
        }
