"""The directory over LDAP (ldap3): accounts, privileged groups, password and lockout policy.

Only standard Active Directory attributes are read, so the same code reads a Samba AD DC in
the lab and a real Windows domain controller: the domain object's ``minPwdLength``,
``pwdProperties``, ``lockoutThreshold``, ``maxPwdAge``, ``pwdHistoryLength``; each user's
``sAMAccountName``, ``userAccountControl``, ``lastLogonTimestamp``, ``whenCreated``,
``memberOf``, ``objectSid``; the ``member`` lists of the privileged groups. No password
attribute is ever requested.
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

from kentops.compliance.payloads import DirectoryAccount, DirectoryPasswordPolicy, DirectoryState

#: Groups whose members administer the domain (AD's built-in names).
PRIVILEGED_GROUPS = ("Domain Admins", "Enterprise Admins", "Schema Admins", "Administrators")
ACCOUNTDISABLE = 0x2
DOMAIN_PASSWORD_COMPLEX = 0x1
USER_FILTER = "(&(objectCategory=person)(objectClass=user))"
USER_ATTRIBUTES = (
    "sAMAccountName",
    "userAccountControl",
    "lastLogonTimestamp",
    "whenCreated",
    "memberOf",
    "objectSid",
)
DOMAIN_ATTRIBUTES = (
    "minPwdLength",
    "pwdProperties",
    "lockoutThreshold",
    "maxPwdAge",
    "pwdHistoryLength",
)
_FILETIME_EPOCH = dt.datetime(1601, 1, 1, tzinfo=dt.UTC)


def base_dn(domain: str) -> str:
    """``ornek.bel.tr`` → ``DC=ornek,DC=bel,DC=tr``."""
    return ",".join(f"DC={part}" for part in domain.split(".") if part)


def filetime(value: Any) -> dt.datetime | None:
    """An AD FILETIME (100 ns since 1601) as UTC; None for 0 / never / missing."""
    if isinstance(value, dt.datetime):
        if value.year <= 1601:
            return None
        return value if value.tzinfo else value.replace(tzinfo=dt.UTC)
    iso = _iso(value)
    if iso is not None:
        return iso
    try:
        ticks = int(str(value))
    except (TypeError, ValueError):
        return None
    if ticks <= 0 or ticks >= 0x7FFFFFFFFFFFFFFF:
        return None
    return _FILETIME_EPOCH + dt.timedelta(microseconds=ticks // 10)


def interval_days(value: Any) -> float | None:
    """A negative AD interval (maxPwdAge) in days; None when it never expires."""
    if isinstance(value, dt.timedelta):
        return None if value == dt.timedelta(0) else abs(value.total_seconds()) / 86400
    try:
        ticks = int(str(value))
    except (TypeError, ValueError):
        return None
    if ticks == 0 or ticks <= -0x7FFFFFFFFFFFFFFF:
        return None
    return abs(ticks) / 10_000_000 / 86400


def _first(entry: dict[str, Any], key: str) -> Any:
    value = entry.get(key)
    if isinstance(value, list):
        return value[0] if value else None
    return value


def _int(value: Any) -> int | None:
    try:
        return int(str(value))
    except (TypeError, ValueError):
        return None


def _cn(dn: str) -> str:
    match = re.match(r"(?i)^CN=((?:\\.|[^,])+)", dn)
    return match[1].replace("\\", "") if match else dn


def _iso(value: Any) -> dt.datetime | None:
    """A time ldap3 already formatted (ISO 8601 text), as UTC."""
    text = str(value or "")
    if "T" not in text or "-" not in text[:5]:
        return None
    try:
        when = dt.datetime.fromisoformat(text)
    except ValueError:
        return None
    return when if when.tzinfo else when.replace(tzinfo=dt.UTC)


def _when_created(value: Any) -> dt.datetime | None:
    if isinstance(value, dt.datetime):
        return value if value.tzinfo else value.replace(tzinfo=dt.UTC)
    if (iso := _iso(value)) is not None:
        return iso
    match = re.match(r"^(\d{14})", str(value or ""))
    if not match:
        return None
    return dt.datetime.strptime(match[1], "%Y%m%d%H%M%S").replace(tzinfo=dt.UTC)


def directory_state(
    server_id: str,
    base: str,
    domain_entry: dict[str, Any] | None,
    users: list[tuple[str, dict[str, Any]]],
    groups: list[tuple[str, dict[str, Any]]],
) -> DirectoryState:
    """The payload from the raw entries read (dn, attributes), as :func:`read` returns them."""
    by_dn = {dn.lower(): attrs for dn, attrs in users}
    accounts = []
    for _dn, attrs in users:
        name = _first(attrs, "sAMAccountName")
        if not name:
            continue
        uac = _int(_first(attrs, "userAccountControl")) or 0
        sid = str(_first(attrs, "objectSid") or "")
        accounts.append(
            DirectoryAccount(
                name=str(name),
                enabled=not uac & ACCOUNTDISABLE,
                last_logon=filetime(_first(attrs, "lastLogonTimestamp")),
                created=_when_created(_first(attrs, "whenCreated")),
                groups=sorted(_cn(str(g)) for g in attrs.get("memberOf") or []),
                builtin_admin=sid.endswith("-500"),
            )
        )
    privileged: dict[str, list[str]] = {}
    # AD nests Domain Admins and Enterprise Admins in Administrators: a privileged group
    # inside another is judged by its own members, not reported as one unknown member.
    group_dns = {dn.lower() for dn, _attrs in groups}
    for dn, attrs in groups:
        members = []
        for member in attrs.get("member") or []:
            if str(member).lower() in group_dns:
                continue
            found = by_dn.get(str(member).lower())
            members.append(str(_first(found, "sAMAccountName")) if found else _cn(str(member)))
        privileged[_cn(dn)] = sorted(members)
    policy = None
    if domain_entry is not None:
        properties = _int(_first(domain_entry, "pwdProperties"))
        policy = DirectoryPasswordPolicy(
            min_length=_int(_first(domain_entry, "minPwdLength")),
            complexity=None if properties is None else bool(properties & DOMAIN_PASSWORD_COMPLEX),
            lockout_threshold=_int(_first(domain_entry, "lockoutThreshold")),
            max_age_days=interval_days(_first(domain_entry, "maxPwdAge")),
            history=_int(_first(domain_entry, "pwdHistoryLength")),
        )
    return DirectoryState(
        server_id=server_id,
        domain=base,
        accounts=sorted(accounts, key=lambda a: a.name),
        privileged=privileged,
        password_policy=policy,
    )


def read(connection: Any, base: str) -> dict[str, Any]:
    """Read the domain object, the users and the privileged groups over a bound ldap3
    connection; the raw entries as plain JSON values (dn → attributes)."""
    raw: dict[str, Any] = {"base": base, "domain": None, "users": [], "groups": []}
    if connection.search(base, "(objectClass=domain)", "BASE", attributes=list(DOMAIN_ATTRIBUTES)):
        raw["domain"] = _plain(connection.response[0])
    connection.search(
        base, USER_FILTER, "SUBTREE", attributes=list(USER_ATTRIBUTES), paged_size=500
    )
    raw["users"] = [_plain(e) for e in connection.response if e.get("type") == "searchResEntry"]
    names = "".join(f"(cn={name})" for name in PRIVILEGED_GROUPS)
    connection.search(base, f"(&(objectClass=group)(|{names}))", "SUBTREE", attributes=["member"])
    raw["groups"] = [_plain(e) for e in connection.response if e.get("type") == "searchResEntry"]
    return raw


def _plain(entry: dict[str, Any]) -> dict[str, Any]:
    attrs = {}
    for key, value in (entry.get("attributes") or {}).items():
        values = value if isinstance(value, list) else [value]
        if key.lower() == "objectsid":
            attrs[key] = [sid_text(v) if isinstance(v, bytes) else str(v) for v in values]
        else:
            attrs[key] = [_value(v) for v in values]
    return {"dn": entry.get("dn", ""), "attributes": attrs}


def sid_text(raw: bytes) -> str:
    """A binary security identifier as ``S-1-5-21-...`` (as AD shows it)."""
    if len(raw) < 8 or raw[0] != 1:
        return raw.hex()
    count = raw[1]
    authority = int.from_bytes(raw[2:8], "big")
    subs = [
        int.from_bytes(raw[8 + 4 * i : 12 + 4 * i], "little")
        for i in range(count)
        if 12 + 4 * i <= len(raw)
    ]
    return "-".join(["S", str(raw[0]), str(authority), *map(str, subs)])


def _value(value: Any) -> Any:
    if isinstance(value, dt.datetime):
        if value.year <= 1601:
            return "0"
        return value.isoformat()
    if isinstance(value, dt.timedelta):
        return str(int(value.total_seconds() * -10_000_000))
    if isinstance(value, bytes):
        try:
            return value.decode("utf-8")
        except UnicodeDecodeError:
            return value.hex()
    return value if isinstance(value, str | int | float | bool) else str(value)


def state_from_raw(server_id: str, raw: dict[str, Any]) -> DirectoryState:
    """The payload from what :func:`read` returned."""
    domain = raw.get("domain")
    return directory_state(
        server_id,
        str(raw.get("base", "")),
        domain["attributes"] if isinstance(domain, dict) else None,
        [(u["dn"], u["attributes"]) for u in raw.get("users", [])],
        [(g["dn"], g["attributes"]) for g in raw.get("groups", [])],
    )


def connect(
    address: str,
    port: int,
    user: str,
    password: str,
    *,
    use_ssl: bool = False,
    ca_file: str | None = None,
) -> Any:
    """A bound ldap3 connection (simple bind), or raise ldap3's exception with the reason.

    With ``ca_file`` the connection is LDAPS and the server's certificate must chain to that
    CA and name ``address``; a simple bind never crosses the network in clear text then.
    """
    import ssl

    import ldap3

    tls = None
    if ca_file is not None:
        use_ssl = True
        tls = ldap3.Tls(validate=ssl.CERT_REQUIRED, ca_certs_file=ca_file)
    server = ldap3.Server(
        address, port=port, use_ssl=use_ssl, tls=tls, get_info=ldap3.NONE, connect_timeout=5
    )
    connection = ldap3.Connection(
        server,
        user=user,
        password=password,
        receive_timeout=15,
        raise_exceptions=False,
    )
    if not connection.bind():
        raise PermissionError(
            f"LDAP bind as {user} refused: {connection.result.get('description')} "
            f"{connection.result.get('message', '')}".strip()
        )
    return connection
