"""The demo's domain controllers as Samba AD DCs on lab hosts: a real directory with AD's
schema, read over LDAPS like a Windows DC.

Each server of the inventory that offers the ``directory`` service becomes a Debian lab host
(its own network namespace, the same image as the Linux servers) running ``samba`` as an
Active Directory domain controller of the site's domain. At ``lab up``:

1. ``samba-tool domain provision`` (no DNS backend: the lab's name service is /etc/hosts, and
   the provisioned database then holds no address) runs once per domain, NetBIOS name and
   image, and the provisioned ``/var/lib/samba`` is kept in the lab cache; later runs unpack
   it (a provision takes ~20 s, unpacking well under a second). Everything that is per run
   comes after: the Administrator's password, the users, the TLS certificate.
2. The directory is filled from the policies (``kentops-samba-directory`` on the host, through
   Samba's own library as samba-tool does): every named person of ``policies/access.yml`` gets
   an account, each admin group a group with its members, the server admins (groups that log
   in to servers with sudo) sit in Domain Admins, people marked ``disabled`` have their
   account disabled, the built-in Administrator is disabled, and the domain's password and
   lockout policy is the access policy's ``directory`` section. A reader account (no group
   beyond Domain Users) is what the audit binds as.
3. The lab's deliberate drift (``drift.yml``, ``directory:``) is applied on top.
4. ``samba`` starts with LDAPS on 636, its certificate issued by a CA made for this run, in
   its single-process model (one process serves LDAP(S) and Kerberos: it answers in ~3 s
   where the default prefork model took ~10 s on the loaded lab machine); the state file
   gets an ``ldap`` endpoint per DC (lab address, 636, the reader's bind DN, its password,
   the CA file), so the directory_state collector verifies the server it reads.

Plain LDAP with a simple bind is refused by Samba (and by a hardened Windows DC): LDAPS with
the run's CA is what the audit uses. The lab's DCs are not replication partners: each is
provisioned the same way, so a change made on one (a fix) is made on each.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import io
import json
import os
import secrets
import shlex
import socket
import subprocess
import tarfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from importlib import resources
from ipaddress import IPv4Address
from pathlib import Path
from typing import Any

from kentops.inventory.loader import LoadedInventory
from kentops.inventory.model import Inventory, Server, ServiceKind
from kentops.lab.state import Endpoint, LabState
from kentops.policy import Policies

LDAPS_PORT = 636
READER = "kentops-okuyucu"
SAM = "/var/lib/samba/private/sam.ldb"
TLS_DIR = "/var/lib/samba/private/kentops-tls"
#: Bump when the provision command or what is cached from it changes.
PROVISION_RECIPE = "1"
#: The password and lockout policy the lab gives its DCs when policies/access.yml has no
#: ``directory`` section: BİG Rehberi's floor, as DIR-PWD-01 judges then.
FLOOR_PASSWORD_POLICY: dict[str, Any] = {
    "min_length": 12,
    "complexity": True,
    "lockout_threshold": 10,
    "lockout_minutes": 30,
    "history": 24,
    "max_age_days": 90,
}
START_TIMEOUT_S = 60.0

Progress = Callable[[str], None]


class DirectoryLabError(RuntimeError):
    """A lab domain controller could not be provisioned or started."""


@dataclass(frozen=True)
class Domain:
    """Names of the site's AD domain as Samba wants them."""

    realm: str  # ORNEK.BEL.TR
    netbios: str  # ORNEK
    base: str  # DC=ornek,DC=bel,DC=tr

    @classmethod
    def of(cls, inv: Inventory) -> Domain:
        domain = str(inv.site.domain).lower()
        base = ",".join(f"DC={part}" for part in domain.split("."))
        return cls(domain.upper(), domain.split(".")[0].upper()[:15], base)


def domain_controllers(inv: Inventory) -> list[Server]:
    """Servers of the inventory that offer the directory service."""
    return [s for s in inv.servers if any(x.kind is ServiceKind.DIRECTORY for x in s.services)]


def netbios_name(server: Server) -> str:
    return server.host_name.split(".")[0].upper()[:15]


# ------------------------------------------------------------------ what the directory holds


def intended_passwords(policies: Policies) -> dict[str, Any]:
    """The domain's password and lockout policy: the access policy's ``directory`` section."""
    section = policies.access.directory
    if section is None:
        return dict(FLOOR_PASSWORD_POLICY)
    return section.passwords.model_dump(mode="json")


def directory_spec(
    domain: Domain, policies: Policies, drift: list[dict[str, Any]], reader_password: str
) -> dict[str, Any]:
    """The JSON the host's ``kentops-samba-directory`` applies.

    Users are the access policy's named people and the reader; a drift entry naming an
    account nobody has adds it (a stale or unknown account), one re-enabling a leaver who is
    not in the policy is skipped. Every password is made for this run; only the reader's is
    kept (in the state file), the others are never used.
    """
    access = policies.access
    intended = intended_passwords(policies)
    people = {a.id: a for a in access.accounts}
    users: list[dict[str, Any]] = []
    for person in access.accounts:
        given, _, surname = person.name.rpartition(" ")
        users.append(
            {
                "name": person.id,
                "given": given or person.name,
                "surname": surname if given else "",
                "description": str(person.unit),
                "password": _password(),
            }
        )
    users.append(
        {
            "name": READER,
            "given": "kentops",
            "surname": "denetim okuyucu",
            "description": "kentops denetimi: dizini okur / reads the directory for the audit",
            "password": reader_password,
        }
    )
    groups = [
        {"name": g.id, "description": g.name.tr, "members": sorted(g.members)}
        for g in access.admin_groups
    ]
    active = {a.id for a in access.accounts if not a.disabled}
    domain_admins = sorted(
        {
            member
            for g in access.admin_groups
            if "servers" in g.login and g.sudo
            for member in g.members
        }
        & active
    )
    applied: list[dict[str, Any]] = []
    known = set(people) | {READER}
    for entry in drift:
        kind = entry.get("kind")
        if kind in {"stale_account", "privileged_member"} and entry["user"] not in known:
            users.append(
                {
                    "name": entry["user"],
                    "given": entry["user"],
                    "surname": "",
                    "description": "",
                    "password": _password(),
                }
            )
            known.add(entry["user"])
        if kind == "leaver_enabled" and entry["user"] not in people:
            continue  # nobody of that id left: nothing to re-enable
        if kind == "weak_password_policy":
            applied.append({**entry, "policy": {**intended, **entry["policy"]}})
        else:
            applied.append(entry)
    return {
        "sam": SAM,
        "base": domain.base,
        "administrator_password": _password(),
        "users": users,
        "groups": groups,
        "domain_admins": domain_admins,
        "disabled": sorted({a.id for a in access.accounts if a.disabled} | {"Administrator"}),
        "password_policy": intended,
        "drift": applied,
    }


def _password() -> str:
    # meets Samba's complexity rule (three character classes) at any minimum length <= 27
    return "Kt-" + secrets.token_urlsafe(18) + "a9"


def reader_dn(domain: Domain) -> str:
    return f"CN={READER},CN=Users,{domain.base}"


def fix_commands(drift: list[dict[str, Any]], policy: dict[str, Any]) -> list[str]:
    """The samba-tool commands (run as root on each DC) that undo ``drift``: what an engineer
    runs after the audit, with no kentops involved; ``policy`` is the intended password
    policy (:func:`intended_passwords`)."""
    out: list[str] = []
    for entry in drift:
        kind = entry["kind"]
        user = shlex.quote(str(entry.get("user", "")))
        if kind in {"stale_account", "leaver_enabled"}:
            out.append(f"samba-tool user disable {user}")
        elif kind == "privileged_member":
            out.append(f"samba-tool group removemembers {shlex.quote(entry['group'])} {user}")
        elif kind == "weak_password_policy":
            out.append(
                "samba-tool domain passwordsettings set"
                f" --min-pwd-length={policy['min_length']} --complexity=on"
                f" --account-lockout-threshold={policy['lockout_threshold']}"
            )
    return out


# ------------------------------------------------------------------ TLS


def make_ca(directory: Path) -> tuple[Any, Any, Path]:
    """A CA for this lab run's directory; (key, certificate, CA file)."""
    from cryptography import x509
    from cryptography.hazmat.primitives import serialization
    from cryptography.x509.oid import NameOID

    from kentops.lab.pki import root_ca

    now = dt.datetime.now(dt.UTC)
    key, cert = root_ca(
        x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "kentops lab directory CA")]),
        now - dt.timedelta(minutes=5),
        now + dt.timedelta(days=30),
    )
    directory.mkdir(parents=True, exist_ok=True)
    ca_file = directory / "directory-ca.pem"
    ca_file.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    return key, cert, ca_file


def server_certificate(ca_key: Any, ca_cert: Any, fqdn: str, address: str) -> tuple[bytes, bytes]:
    """(key PEM, certificate PEM) for a DC: its FQDN and lab address as names."""
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

    from kentops.lab.pki import private_pem

    key = ec.generate_private_key(ec.SECP256R1())
    now = dt.datetime.now(dt.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, fqdn)]))
        .issuer_name(ca_cert.subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(minutes=5))
        .not_valid_after(now + dt.timedelta(days=30))
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH]), critical=False)
        .add_extension(
            x509.SubjectAlternativeName([x509.DNSName(fqdn), x509.IPAddress(IPv4Address(address))]),
            critical=False,
        )
        .sign(ca_key, hashes.SHA256())
    )
    return private_pem(key), cert.public_bytes(serialization.Encoding.PEM)


# ------------------------------------------------------------------ on the host


def smb_conf(domain: Domain, netbios: str) -> str:
    """The DC's smb.conf: an AD DC serving LDAP(S) and Kerberos, TLS from this run's CA."""
    sysvol = "/var/lib/samba/sysvol"
    return (
        "# kentops lab: Samba AD DC standing in for a Windows domain controller\n"
        "[global]\n"
        f"\tnetbios name = {netbios}\n"
        f"\trealm = {domain.realm}\n"
        f"\tworkgroup = {domain.netbios}\n"
        "\tserver role = active directory domain controller\n"
        "\tserver services = ldap, cldap, kdc\n"
        "\tdns forwarder = 127.0.0.1\n"
        "\ttls enabled = yes\n"
        f"\ttls keyfile = {TLS_DIR}/key.pem\n"
        f"\ttls certfile = {TLS_DIR}/cert.pem\n"
        f"\ttls cafile = {TLS_DIR}/ca.pem\n"
        "\tlog file = /var/log/samba/%m.log\n"
        "\tlog level = 1\n"
        "\n[sysvol]\n"
        f"\tpath = {sysvol}\n"
        "\tread only = No\n"
        "\n[netlogon]\n"
        f"\tpath = {sysvol}/{domain.realm.lower()}/scripts\n"
        "\tread only = No\n"
    )


def provision_key(image: str, domain: Domain, netbios: str) -> str:
    data = json.dumps(
        {
            "recipe": PROVISION_RECIPE,
            "image": image,
            "realm": domain.realm,
            "domain": domain.netbios,
            "netbios": netbios,
        },
        sort_keys=True,
    )
    return hashlib.sha256(data.encode()).hexdigest()[:16]


def provision_command(domain: Domain, netbios: str) -> list[str]:
    return [
        "samba-tool",
        "domain",
        "provision",
        f"--realm={domain.realm}",
        f"--domain={domain.netbios}",
        f"--host-name={netbios.lower()}",
        "--server-role=dc",
        "--dns-backend=NONE",
        "--use-rfc2307",
        f"--adminpass={_password()}",  # replaced at every lab up
        "--option=dns forwarder = 127.0.0.1",
    ]


class DcHost:
    """One lab host turned into a domain controller, driven over SSH as root (sudo)."""

    def __init__(self, ssh: list[str], name: str) -> None:
        self.ssh = ssh  # the argv prefix reaching the host as its admin user
        self.name = name

    def run(
        self, command: str, stdin: bytes | None = None, timeout: float = 300
    ) -> subprocess.CompletedProcess[bytes]:
        result = subprocess.run(
            [*self.ssh, f"sudo sh -c {shlex.quote(command)}"],
            input=stdin if stdin is not None else b"",
            capture_output=True,
            timeout=timeout,
            check=False,
        )
        if result.returncode != 0:
            err = (result.stderr or result.stdout).decode(errors="replace").strip()
            raise DirectoryLabError(
                f"{self.name}: {command.split(maxsplit=1)[0]} failed: {err[-1500:]}"
            )
        return result


def provision(
    host: DcHost, cache: Path, key: str, domain: Domain, netbios: str, say: Progress
) -> tuple[bytes, str]:
    """The provisioned directory for ``host`` as a tar archive (to unpack over /), from the
    cache or provisioned on the host now and cached; and how it was obtained."""
    cached = cache / "directory" / f"{key}.tar"
    if cached.is_file():
        return cached.read_bytes(), "from the cache"
    started = time.monotonic()
    say(f"directory: samba-tool domain provision of {domain.realm} on {host.name} (cached after)")
    host.run(
        "rm -f /etc/samba/smb.conf && " + shlex.join(provision_command(domain, netbios)),
        timeout=900,
    )
    taken = time.monotonic() - started
    packed = host.run("tar -cpf - -C / var/lib/samba etc/samba/smb.conf").stdout
    with tarfile.open(fileobj=io.BytesIO(packed)) as archive:
        if "var/lib/samba/private/sam.ldb" not in archive.getnames():
            raise DirectoryLabError(f"{host.name}: the provisioned directory has no sam.ldb")
    cached.parent.mkdir(parents=True, exist_ok=True)
    tmp = cached.with_suffix(f".{os.getpid()}.tmp")
    tmp.write_bytes(packed)
    tmp.chmod(0o600)
    tmp.replace(cached)
    return b"", f"provisioned in {taken:.1f} s"


def files_tar(files: dict[str, tuple[bytes, int]]) -> bytes:
    """A tar archive of ``path -> (content, mode)``, paths relative to /, owned by root."""
    out = io.BytesIO()
    with tarfile.open(fileobj=out, mode="w") as archive:
        for path, (data, mode) in sorted(files.items()):
            info = tarfile.TarInfo(path.lstrip("/"))
            info.size, info.mode, info.mtime = len(data), mode, int(time.time())
            archive.addfile(info, io.BytesIO(data))
    return out.getvalue()


#: One SSH session does the rest: unpack (the cached directory, then this run's files),
#: fill the directory (the spec is removed whatever happens), start samba.
CONFIGURE = (
    "set -e; rm -f /etc/samba/smb.conf; tar -xpi -f - -C /; "
    "rc=0; /usr/local/sbin/kentops-samba-directory < {spec} || rc=$?; rm -f {spec}; "
    '[ "$rc" = 0 ] || exit "$rc"; mkdir -p /var/log/samba; samba -D -M single'
)
SPEC_PATH = "/run/kentops-samba-directory.json"


def configure(host: DcHost, archive: bytes, files: dict[str, tuple[bytes, int]]) -> list[str]:
    """Unpack ``archive`` and ``files`` on the host, apply the spec among them, start samba;
    what the fill did."""
    out = host.run(CONFIGURE.format(spec=SPEC_PATH), stdin=archive + files_tar(files))
    done: list[str] = json.loads(out.stdout.decode())["done"]
    return done


def host_files(
    domain: Domain, netbios: str, spec: dict[str, Any], tls: tuple[bytes, bytes, bytes]
) -> dict[str, tuple[bytes, int]]:
    """What this run puts on a DC: smb.conf, TLS key/cert/CA, the fill script and its spec."""
    script = (
        resources.files("kentops.lab.hosts")
        .joinpath("files", "kentops-samba-directory")
        .read_bytes()
    )
    key_pem, cert_pem, ca_pem = tls
    return {
        "/etc/samba/smb.conf": (smb_conf(domain, netbios).encode(), 0o644),
        f"{TLS_DIR}/key.pem": (key_pem, 0o600),
        f"{TLS_DIR}/cert.pem": (cert_pem, 0o644),
        f"{TLS_DIR}/ca.pem": (ca_pem, 0o644),
        "/usr/local/sbin/kentops-samba-directory": (script, 0o755),
        SPEC_PATH: (json.dumps(spec).encode(), 0o600),
    }


def wait_for_ldaps(name: str, address: str, log: Callable[[], str]) -> None:
    """Wait until the DC's LDAPS port accepts connections."""
    deadline = time.monotonic() + START_TIMEOUT_S
    while time.monotonic() < deadline:
        try:
            with socket.create_connection((address, LDAPS_PORT), timeout=1):
                return
        except OSError:
            time.sleep(0.1)
    raise DirectoryLabError(
        f"{name}: samba did not answer on {address}:{LDAPS_PORT} "
        f"within {START_TIMEOUT_S:.0f} s\n{log()}"
    )


# ------------------------------------------------------------------ the lab part


def up(
    loaded: LoadedInventory,
    state: LabState,
    root: Path,
    drift: list[dict[str, Any]],
    save: Callable[[], object],
    say: Progress,
) -> int:
    """Start every domain controller of the inventory as a Samba AD DC; the number started.

    Records where its hosts live in ``state.extra["directory"]`` (and calls ``save``) before
    creating anything, so ``lab down`` removes them even after a failure half-way.
    """
    from kentops.lab.hosts.image import ImageError, ensure_image, image_key
    from kentops.lab.hosts.lab import HostLab, HostSpec, LabError
    from kentops.policy import load_policies

    inv = loaded.inventory
    dcs = domain_controllers(inv)
    if not dcs:
        return 0
    domain = Domain.of(inv)
    policies = load_policies(loaded.root.resolve().parent.parent / "policies", loaded)
    cache = _cache()
    hosts_dir = root / "directory"
    state.extra["directory"] = {"hosts_dir": str(hosts_dir), "dcs": {}}
    save()
    try:
        ensure_image(cache, progress=say)
        say(f"directory: {len(dcs)} Samba AD DCs of {domain.realm} on lab hosts")
        lab = HostLab(hosts_dir, cache, run_id=f"{state.run_id}-dc")
        hosts = {h.name: h for h in lab.up([HostSpec(dc.id, dc.host_name) for dc in dcs])}
    except (LabError, ImageError, OSError, subprocess.SubprocessError) as exc:
        raise DirectoryLabError(f"directory: {exc}") from exc
    ca_key, ca_cert, ca_file = make_ca(hosts_dir / "tls")
    from cryptography.hazmat.primitives import serialization

    ca_pem = ca_cert.public_bytes(serialization.Encoding.PEM)
    reader_password = _password()
    state.extra.setdefault("secrets", {})["vault:directory_reader_password"] = reader_password

    def one(dc: Server) -> tuple[str, str]:
        host = hosts[dc.id]
        netbios = netbios_name(dc)
        dch = DcHost(lab.ssh_command(host), dc.id)
        key = provision_key(image_key(), domain, netbios)
        archive, how = provision(dch, cache, key, domain, netbios, say)
        fqdn = f"{dc.host_name.split('.')[0]}.{domain.realm.lower()}"
        key_pem, cert_pem = server_certificate(ca_key, ca_cert, fqdn, host.address)
        spec = directory_spec(domain, policies, drift, reader_password)
        # provision's account for a BIND DNS backend; the lab DC runs none
        spec["disabled"].append(f"dns-{netbios.lower()}")
        configure(dch, archive, host_files(domain, netbios, spec, (key_pem, cert_pem, ca_pem)))
        wait_for_ldaps(
            dc.id,
            host.address,
            lambda: dch.run("tail -n 30 /var/log/samba/log.samba || true").stdout.decode(
                errors="replace"
            ),
        )
        return dc.id, how

    from concurrent.futures import ThreadPoolExecutor

    with ThreadPoolExecutor(max_workers=len(dcs)) as pool:
        done = list(pool.map(one, dcs))
    for dc_id, how in done:
        host = hosts[dc_id]
        say(f"directory: {dc_id} at {host.address}:{LDAPS_PORT} (directory {how})")
        state.endpoints[dc_id] = Endpoint(
            host.address,
            LDAPS_PORT,
            reader_dn(domain),
            reader_password,
            service="ldap",
            ca_file=str(ca_file),
        )
        state.extra["directory"]["dcs"][dc_id] = host.address
    state.extra["directory"]["ca_file"] = str(ca_file)
    return len(done)


def down(state: LabState) -> bool:
    """Remove the domain controllers' hosts of a lab run; True if there were any."""
    from kentops.lab.hosts.lab import HostLab

    recorded = state.extra.get("directory") or {}
    hosts_dir = recorded.get("hosts_dir")
    if not hosts_dir or not Path(hosts_dir).exists():
        return False
    HostLab(Path(hosts_dir), _cache(), run_id=f"{state.run_id}-dc").down()
    return True


def _cache() -> Path:
    return Path(os.environ.get("KENTOPS_LAB_CACHE", Path.home() / ".cache" / "kentops" / "lab"))
