"""The Debian root filesystem that every lab host boots from.

One `debootstrap --variant=minbase` per package list, cached under
``cache_dir/<key>/rootfs`` and shared read-only by all hosts (each host writes to
its own overlay). Hosts have no internet, so every package a role or an audit needs
must be baked in here; changing :data:`PACKAGES` or the recipe changes the key and
builds a new image next to the old one.
"""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import json
import os
import re
import shutil
import subprocess
import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from importlib import resources
from pathlib import Path

from kentops.lab.hosts.mounts import unmount_under
from kentops.lab.hosts.packages import CANARY_INSTALLED, build_canary

#: Debian release of the lab hosts.
SUITE = "bookworm"

#: Bump when the way the image is built or customised changes.
RECIPE_VERSION = "4"

#: Packages installed on top of minbase. Beyond the services the roles manage:
#: acl (Ansible `become_user` to an unprivileged user), netbase (/etc/services,
#: /etc/protocols), tzdata (timezone facts), logrotate (rsyslog's companion),
#: iputils-ping (host-to-host checks), unattended-upgrades (what the patching role
#: configures). Services the lab runs on some hosts only: postgresql (+ python3-psycopg2
#: for Ansible's postgresql modules) on the database server, rclone (its `serve restic
#: --append-only` is the restic REST server; Debian 12 has no rest-server package) on the
#: backup server, samba/samba-ad-dc/winbind/krb5-user/ldap-utils for the directory (with
#: samba-ad-provision, the schema files `samba-tool domain provision` reads, which
#: samba-ad-dc only recommends),
#: kea-dhcp4-server and isc-dhcp-client for the Law 5651 DHCP chain, auditd (configured by
#: the baseline role; it cannot run inside a lab host). These come disabled (no rc links,
#: see _DISABLED_SERVICES): the roles enable them where the inventory says so.
PACKAGES: tuple[str, ...] = (
    "openssh-server",
    "python3",
    "python3-apt",
    "rsyslog",
    "nftables",
    "chrony",
    "restic",
    "sudo",
    "cron",
    "openssl",
    "ca-certificates",
    "iproute2",
    "procps",
    "acl",
    "netbase",
    "tzdata",
    "logrotate",
    "iputils-ping",
    "unattended-upgrades",
    "auditd",
    "isc-dhcp-client",
    "kea-dhcp4-server",
    "krb5-user",
    "ldap-utils",
    "postgresql",
    "python3-psycopg2",
    "rclone",
    "samba",
    "samba-ad-dc",
    "samba-ad-provision",
    "winbind",
)

#: Init scripts the packages above enable that a lab host must not start by itself:
#: the role for the host's service enables what the inventory gives it.
_DISABLED_SERVICES = (
    "auditd",
    "kea-dhcp4-server",
    "nmbd",
    "postgresql",
    "samba-ad-dc",
    "smbd",
    "winbind",
)

#: Environment variable that overrides the Debian mirror debootstrap uses.
MIRROR_ENV = "KENTOPS_DEBIAN_MIRROR"

_INIT_SCRIPTS = {"rsyslog": "rsyslog.init", "nftables": "nftables.init"}
_COMPLETE = "image.json"

Progress = Callable[[str], None]


class ImageError(RuntimeError):
    """The image could not be built."""


def _file_text(name: str) -> str:
    return resources.files("kentops.lab.hosts").joinpath("files", name).read_text("utf-8")


def image_key(packages: Iterable[str] = PACKAGES) -> str:
    """Return the cache key of an image: a hash of the package list and the recipe."""
    recipe = {
        "recipe": RECIPE_VERSION,
        "suite": SUITE,
        "packages": sorted(set(packages)),
        "files": {name: _file_text(name) for name in sorted(_INIT_SCRIPTS.values())},
    }
    digest = hashlib.sha256(json.dumps(recipe, sort_keys=True).encode()).hexdigest()
    return f"{SUITE}-{digest[:16]}"


def _deb822_entries(text: str) -> Iterator[dict[str, str]]:
    for stanza in re.split(r"\n\s*\n", text):
        fields: dict[str, str] = {}
        key = ""
        for line in stanza.splitlines():
            if not line.strip() or line.lstrip().startswith("#"):
                continue
            if line[0] in " \t" and key:
                fields[key] += " " + line.strip()
                continue
            key, _, value = line.partition(":")
            key = key.strip().lower()
            fields[key] = value.strip()
        if fields:
            yield fields


def _one_line_entries(text: str) -> Iterator[dict[str, str]]:
    for raw in text.splitlines():
        line = raw.split("#", 1)[0].strip()
        if not line:
            continue
        line = re.sub(r"\[[^\]]*\]", " ", line)
        parts = line.split()
        if len(parts) >= 4:
            yield {
                "types": parts[0],
                "uris": parts[1],
                "suites": parts[2],
                "components": " ".join(parts[3:]),
            }


def apt_source_entries(root: Path = Path("/etc/apt")) -> list[dict[str, str]]:
    """Every enabled entry of the machine's apt sources, in apt's reading order."""
    files: list[Path] = []
    if (root / "sources.list").is_file():
        files.append(root / "sources.list")
    listdir = root / "sources.list.d"
    if listdir.is_dir():
        files += sorted(p for p in listdir.iterdir() if p.suffix in {".list", ".sources"})
    entries: list[dict[str, str]] = []
    for path in files:
        text = path.read_text("utf-8", errors="replace")
        parsed = _deb822_entries(text) if path.suffix == ".sources" else _one_line_entries(text)
        entries += [e for e in parsed if e.get("enabled", "yes").lower() != "no"]
    return entries


def debian_mirror(apt_root: Path = Path("/etc/apt")) -> str:
    """The Debian mirror for debootstrap: $KENTOPS_DEBIAN_MIRROR, else the machine's own.

    From the machine's apt sources it takes the first ``deb`` entry with the ``main``
    component whose suites name a Debian release (``bookworm``, not ``bookworm-security``),
    preferring one that lists :data:`SUITE` itself.
    """
    override = os.environ.get(MIRROR_ENV, "").strip()
    if override:
        return override
    candidates: list[tuple[int, str]] = []
    for entry in apt_source_entries(apt_root):
        if "deb" not in entry.get("types", "").split():
            continue
        if "main" not in entry.get("components", "").split():
            continue
        suites = entry.get("suites", "").split()
        releases = [s for s in suites if "-" not in s and "/" not in s]
        if not releases:
            continue
        for uri in entry.get("uris", "").split():
            if uri.startswith(("http://", "https://", "file:/")):
                candidates.append((0 if SUITE in releases else 1, uri))
    if not candidates:
        raise ImageError(f"no Debian mirror found in {apt_root}/sources.list(.d); set {MIRROR_ENV}")
    return min(candidates, key=lambda c: c[0])[1]


@contextlib.contextmanager
def _locked(path: Path) -> Iterator[None]:
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("a") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def _remove_tree(path: Path) -> None:
    unmount_under(path)
    shutil.rmtree(path, ignore_errors=True)


def _run_streamed(argv: Sequence[str], progress: Progress | None) -> None:
    tail: list[str] = []
    with subprocess.Popen(
        argv,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        stdin=subprocess.DEVNULL,
        text=True,
        errors="replace",
    ) as proc:
        assert proc.stdout is not None
        for raw in proc.stdout:
            line = raw.rstrip()
            tail = [*tail[-40:], line]
            if progress is not None and line:
                progress(line)
    if proc.returncode != 0:
        joined = "\n".join(tail)
        raise ImageError(f"{argv[0]} failed with exit code {proc.returncode}:\n{joined}")


def run_in_root(rootfs: Path, *argv: str) -> None:
    """Run ``argv`` chrooted into ``rootfs`` (no network, no /proc); raise ImageError."""
    env = {"PATH": "/usr/sbin:/usr/bin:/sbin:/bin", "LANG": "C.UTF-8"}
    result = subprocess.run(
        ["chroot", str(rootfs), *argv], env=env, capture_output=True, text=True, check=False
    )
    if result.returncode != 0:
        raise ImageError(f"chroot {' '.join(argv)}: {result.stderr.strip()}")


def _customise(rootfs: Path) -> None:
    """Make the debootstrapped tree a lab image: no shared secrets, no systemd needs."""
    run_in_root(rootfs, "apt-get", "clean")
    # debootstrap bakes host keys into the tree; each host generates its own.
    for key in (rootfs / "etc/ssh").glob("ssh_host_*"):
        key.unlink()
    # debootstrap copies the build machine's name and resolver; hosts get their own.
    (rootfs / "etc/hostname").write_text("localhost\n")
    (rootfs / "etc/hosts").write_text("127.0.0.1\tlocalhost\n::1\tlocalhost ip6-localhost\n")
    (rootfs / "etc/resolv.conf").write_text("nameserver 127.0.0.1\n")
    (rootfs / "etc/machine-id").unlink(missing_ok=True)
    # No locales package: the C.UTF-8 locale built into libc, set for logins (pam_env).
    (rootfs / "etc/default/locale").write_text("LANG=C.UTF-8\n")
    # imklog would read (and so drain) the real kernel's log buffer.
    conf = rootfs / "etc/rsyslog.conf"
    conf.write_text(re.sub(r"(?m)^(\s*module\(load=\"imklog\"\).*)$", r"# \1", conf.read_text()))
    # -x: chronyd keeps time without steering the real machine's clock.
    (rootfs / "etc/default/chrony").write_text(
        "# kentops lab host: never touch the clock of the machine running the lab.\n"
        'DAEMON_OPTS="-x"\n'
    )
    (rootfs / "etc/ssh/sshd_config.d/kentops-lab.conf").write_text(
        "# kentops lab host: one ed25519 host key per host, no reverse DNS on login.\n"
        "HostKey /etc/ssh/ssh_host_ed25519_key\n"
        "UseDNS no\n"
    )
    for service, name in _INIT_SCRIPTS.items():
        script = rootfs / "etc/init.d" / service
        script.write_text(_file_text(name))
        script.chmod(0o755)
    run_in_root(rootfs, "update-rc.d", "rsyslog", "defaults")
    for service in _DISABLED_SERVICES:
        if (rootfs / "etc/init.d" / service).exists():
            run_in_root(rootfs, "update-rc.d", "-f", service, "remove")
    # The package the lab's local package source offers a security update for.
    deb = build_canary(CANARY_INSTALLED, rootfs / "tmp", asks_reboot=False)
    run_in_root(rootfs, "dpkg", "-i", f"/tmp/{deb.name}")
    deb.unlink()
    # As on Debian, nftables is installed but not enabled. No rc links at all (rather
    # than `defaults-disabled`): Ansible's sysvinit module enables with
    # `update-rc.d NAME defaults`, which would leave existing K links alone.


def _image_dir(cache_dir: Path, key: str) -> Path:
    return cache_dir / key


def ensure_image(
    cache_dir: Path,
    progress: Progress | None = None,
    packages: Sequence[str] = PACKAGES,
) -> Path:
    """Return the cached root filesystem for ``packages``, building it once if missing.

    The build happens in a temporary directory next to the cache and is renamed into
    place when complete, under a lock, so concurrent callers wait for one build.
    """
    cache_dir = Path(cache_dir).absolute()
    key = image_key(packages)
    final = _image_dir(cache_dir, key)
    rootfs = final / "rootfs"
    if (final / _COMPLETE).is_file():
        return rootfs
    with _locked(cache_dir / f".{key}.lock"):
        if (final / _COMPLETE).is_file():
            return rootfs
        for stale in cache_dir.glob(f".build-{key}-*"):
            _remove_tree(stale)
        if final.exists():  # an earlier layout or a manual copy without metadata
            _remove_tree(final)
        build = cache_dir / f".build-{key}-{os.getpid()}"
        build.mkdir(parents=True)
        try:
            mirror = debian_mirror()
            started = time.monotonic()
            if progress is not None:
                progress(f"debootstrap {SUITE} from {mirror} into {build / 'rootfs'}")
            _run_streamed(
                [
                    "debootstrap",
                    "--variant=minbase",
                    "--components=main",
                    f"--include={','.join(sorted(set(packages)))}",
                    SUITE,
                    str(build / "rootfs"),
                    mirror,
                ],
                progress,
            )
            _customise(build / "rootfs")
            meta = {
                "key": key,
                "suite": SUITE,
                "recipe": RECIPE_VERSION,
                "packages": sorted(set(packages)),
                "build_seconds": round(time.monotonic() - started, 1),
                "built_at": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
            }
            (build / _COMPLETE).write_text(json.dumps(meta, indent=2) + "\n")
            build.rename(final)
        except BaseException:
            _remove_tree(build)
            raise
    if progress is not None:
        progress(f"image {key} ready at {rootfs}")
    return rootfs


def image_info(cache_dir: Path, packages: Sequence[str] = PACKAGES) -> dict[str, object] | None:
    """Metadata of the cached image (build time, packages), or None when not built."""
    meta = _image_dir(Path(cache_dir), image_key(packages)) / _COMPLETE
    if not meta.is_file():
        return None
    data: dict[str, object] = json.loads(meta.read_text())
    return data
