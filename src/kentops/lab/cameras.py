"""Simulated Hikvision IP cameras: ISAPI over HTTP with digest authentication.

Each simulated camera is one HTTP server on a loopback port. All cameras of a pool share one
accepting thread; each connection is served on its own short-lived thread. A camera keeps its
state (:class:`CameraState`) in memory, changes it when a client PUTs a resource, and, when the
pool has a state directory, writes it to ``<state-dir>/<name>.json`` after every change.

What a client sees is what a real camera answers:

* HTTP Digest authentication (RFC 7616, MD5, ``qop="auth"``). Wrong credentials get ``401``
  with a fresh challenge. After ``lockout_failures`` failed attempts from one client address
  (5 by default) the camera refuses that address for ``lockout_seconds`` (30 s by default),
  even with the right password, as Hikvision's "illegal login lock" does.
* XML in Hikvision's namespace ``http://www.hikvision.com/ver20/XMLSchema``; PUT bodies are
  accepted with or without that namespace.
* Every PUT answers a ``ResponseStatus`` document. ``statusCode`` 1 ``OK`` when the change was
  applied; 7 ``Reboot Required`` when the IPv4 settings changed (the simulation applies them
  at once); 5 ``Invalid XML Format`` (``badXmlFormat``) for a body that is not well-formed XML;
  6 ``Invalid XML Content`` (``badXmlContent``, ``badParameters``, ``riskPassword``, ...) for
  well-formed XML with a wrong root element, a missing element or a bad value; 4 ``Invalid
  Operation`` (``notSupport`` 404, ``methodNotAllowed`` 405, ``lowPrivilege`` 403,
  ``badAuthorization`` 401) otherwise.

Resources (``GET`` everywhere, ``PUT`` where noted, Administrator only for writes and for the
``/ISAPI/Security`` resources):

====================================================  ==========================  ============
path                                                  root element                methods
====================================================  ==========================  ============
/ISAPI/System/deviceInfo                              DeviceInfo                  GET PUT (1)
/ISAPI/System/time                                    Time                        GET PUT
/ISAPI/System/time/ntpServers                         NTPServerList/NTPServer     GET PUT
/ISAPI/System/time/ntpServers/1                       NTPServer                   GET PUT
/ISAPI/System/Network/interfaces/1/ipAddress          IPAddress                   GET PUT
/ISAPI/System/Network/UPnP                            UPnP/enabled                GET PUT
/ISAPI/System/Network/EZVIZ                           EZVIZ/enabled               GET PUT
/ISAPI/System/Network/telnetd                         Telnetd/enabled             GET PUT
/ISAPI/System/Network/ssh                             SSH/enabled                 GET PUT
/ISAPI/System/Network/Integrate                       Integrate/ONVIF/enable      GET PUT
/ISAPI/Security/users                                 UserList/User               GET PUT POST
/ISAPI/Security/users/<id>                            User                        GET PUT DELETE
/ISAPI/Security/ONVIF/users                           UserList/User               GET PUT
/ISAPI/Security/userCheck                             userCheck                   GET
/ISAPI/Security/adminAccesses                         AdminAccessProtocolList     GET
/ISAPI/ContentMgmt/InputProxy/channels/status (2)     InputProxyChannelStatusList GET
/ISAPI/ContentMgmt/record/tracks (2)                  TrackList/Track             GET
====================================================  ==========================  ============

(1) only ``deviceName`` can be changed; the other DeviceInfo elements are read-only.
(2) recorders only (``device_type`` ``NVR``): one IP channel per entry of ``channels``, with the
camera's address, whether it is online, and whether its track records.

A pool started with a TLS context (``--tls-cert``/``--tls-key``) speaks HTTPS only, and
``adminAccesses`` says so (HTTPS enabled, HTTP disabled); without one it speaks plain HTTP and
says that instead. ``/ISAPI/System/time`` reports ``localTime`` with its UTC offset, as the
firmware does.

``PUT /ISAPI/Security/users`` and ``PUT /ISAPI/Security/ONVIF/users`` replace the whole list:
users that are not in the body are removed (the ``admin`` user, id 1, always stays). A new user
needs a ``password``; an existing one keeps its password when the body has none. Passwords
must have 8 to 16 characters of at least two kinds (digits, lower case, upper case, other),
as the camera firmware demands; the factory password ``12345`` can only come from a spec.
Passwords are never returned by GET.

The daemon entry point::

    python -m kentops.lab.cameras serve --spec cameras.json --ports-out ports.json \\
        [--state-dir DIR] [--fresh] [--bind 127.0.0.1] \\
        [--lockout-failures 5] [--lockout-seconds 30] [--tls-cert PEM --tls-key PEM]

``--spec`` is ``{"cameras": [<CameraState as JSON>, ...]}``. A state file already present in
``--state-dir`` wins over the spec (a camera keeps its configuration across restarts, as a real
one does) unless ``--fresh`` is given. When every camera listens, the daemon writes
``{"bind": ..., "pid": ..., "cameras": {name: port}}`` to ``--ports-out`` (atomically; its
appearance means "ready"), runs until SIGTERM or SIGINT, then stops the cameras, removes the
ports file and exits 0. Exit code 2: invalid spec or arguments.
"""

from __future__ import annotations

import argparse
import copy
import datetime as dt
import hashlib
import hmac
import ipaddress
import json
import logging
import os
import re
import secrets
import selectors
import socket
import ssl
import sys
import threading
import time
import xml.etree.ElementTree as ET
from collections.abc import Callable, Iterable, Sequence
from dataclasses import asdict, dataclass, field, fields
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from kentops.lab.daemon import StopOnExit, stop_on_signals, write_json_atomic

__all__ = [
    "FACTORY_ADMIN_PASSWORD",
    "ISAPI_NAMESPACE",
    "CameraPool",
    "CameraState",
    "main",
]

_LOG = logging.getLogger(__name__)

ISAPI_NAMESPACE = "http://www.hikvision.com/ver20/XMLSchema"
# The vendor default that cameras shipped with before activation was required.
FACTORY_ADMIN_PASSWORD = "12345"  # noqa: S105

_ADMIN_ID = 1
_ADMIN_NAME = "admin"
_USER_LEVELS = ("Administrator", "Operator", "Viewer")
_ONVIF_USER_TYPES = ("administrator", "operator", "mediaUser")
_MAX_USERS = 32
_MAX_BODY_BYTES = 64 * 1024
_NONCE_LIFETIME_S = 300.0
_MAX_NONCES = 4096
_NAME_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$")
_USER_NAME_RE = re.compile(r"^[^\s:\"<>&]{1,32}$")
_TIMEZONE_RE = re.compile(r"^[A-Za-z]{3,6}[+-]?\d{1,2}(:\d{2}){0,2}\S*$")
_HOSTNAME_RE = re.compile(
    r"^(?=.{1,253}$)[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?"
    r"(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*$"
)


def _default_users() -> list[dict[str, Any]]:
    return [{"id": _ADMIN_ID, "userName": _ADMIN_NAME, "userLevel": "Administrator"}]


@dataclass
class CameraState:
    """What a camera currently has configured.

    The defaults describe an unhardened camera as it often comes out of the box: factory
    password, no NTP, the factory time zone (Beijing), UPnP, the EZVIZ/Hik-Connect P2P cloud
    and SSH on. A hardening run is expected to change them.

    ``users`` holds ``{"id", "userName", "userLevel"}`` dictionaries; ``admin_password`` is the
    password of the ``admin`` user (id 1) and ``user_passwords`` those of the other users, by
    user name. ``onvif_users`` holds ``{"id", "userName", "userType"}`` with passwords in
    ``onvif_user_passwords``. ``recording_nvr`` names the NVR that records this camera; it is
    lab bookkeeping with no ISAPI resource of its own.

    ``device_type`` is ``IPCamera`` or ``NVR``. A recorder lists its IP channels in
    ``channels``: ``{"id", "ip", "online", "recording"}`` (the camera's address, whether the
    recorder reaches it, whether its track records).
    """

    name: str
    model: str
    firmware: str
    serial: str
    mac: str
    admin_password: str = FACTORY_ADMIN_PASSWORD
    users: list[dict[str, Any]] = field(default_factory=_default_users)
    ntp_server: str | None = None
    ntp_interval_min: int = 1440
    time_mode: str = "manual"
    timezone: str = "CST-8:00:00"
    ipv4: str = "192.168.1.64"
    netmask: str = "255.255.255.0"
    gateway: str = "192.168.1.1"
    upnp_enabled: bool = True
    ezviz_enabled: bool = True
    telnet_enabled: bool = False
    ssh_enabled: bool = True
    onvif_enabled: bool = False
    onvif_users: list[dict[str, Any]] = field(default_factory=list)
    recording_nvr: str | None = None
    ntp_port: int = 123
    addressing_type: str = "static"
    user_passwords: dict[str, str] = field(default_factory=dict)
    onvif_user_passwords: dict[str, str] = field(default_factory=dict)
    device_type: str = "IPCamera"
    channels: list[dict[str, Any]] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        """The state as plain JSON-ready data (the format of spec and state files)."""
        return asdict(self)

    @classmethod
    def from_dict(cls, data: object) -> CameraState:
        """Build a state from spec or state-file data; ``ValueError`` says what is wrong."""
        if not isinstance(data, dict):
            raise ValueError("a camera must be a JSON object")
        known = {f.name for f in fields(cls)}
        unknown = sorted(set(data) - known)
        if unknown:
            raise ValueError(f"unknown camera field(s): {', '.join(unknown)}")
        for key, value in data.items():
            expected = _FIELD_TYPES[key]
            if isinstance(value, bool) and bool not in expected:
                raise ValueError(f"field {key!r} must be {_type_names(expected)}, got a boolean")
            if not isinstance(value, expected):
                raise ValueError(
                    f"field {key!r} must be {_type_names(expected)}, got {type(value).__name__}"
                )
        missing = [n for n in ("name", "model", "firmware", "serial", "mac") if n not in data]
        if missing:
            raise ValueError(f"missing camera field(s): {', '.join(missing)}")
        state = cls(**copy.deepcopy(data))
        state.validate()
        return state

    def validate(self) -> None:
        """Check the invariants the simulation relies on; ``ValueError`` when broken."""
        where = f"camera {self.name!r}"
        if not _NAME_RE.match(self.name):
            raise ValueError(
                f"{where}: name must be letters, digits, '.', '_' or '-' (at most 64 characters)"
            )
        ids = [u.get("id") for u in self.users]
        if len(set(ids)) != len(ids):
            raise ValueError(f"{where}: user ids must be unique")
        admin = [u for u in self.users if u.get("id") == _ADMIN_ID]
        if not admin or admin[0].get("userName") != _ADMIN_NAME:
            raise ValueError(f"{where}: users must contain id 1 named 'admin'")
        for user in self.users:
            if set(user) != {"id", "userName", "userLevel"} or not isinstance(user["id"], int):
                raise ValueError(
                    f"{where}: a user has exactly the keys id (integer), userName, userLevel"
                )
            if user["userLevel"] not in _USER_LEVELS:
                raise ValueError(f"{where}: userLevel must be one of {', '.join(_USER_LEVELS)}")
            if user["id"] != _ADMIN_ID and user["userName"] not in self.user_passwords:
                raise ValueError(f"{where}: user {user['userName']!r} has no user_passwords entry")
        for user in self.onvif_users:
            if set(user) != {"id", "userName", "userType"} or not isinstance(user["id"], int):
                raise ValueError(
                    f"{where}: an ONVIF user has exactly the keys id (integer), userName, userType"
                )
            if user["userName"] not in self.onvif_user_passwords:
                raise ValueError(
                    f"{where}: ONVIF user {user['userName']!r} has no onvif_user_passwords entry"
                )
        if self.time_mode not in ("NTP", "manual"):
            raise ValueError(f"{where}: time_mode must be 'NTP' or 'manual'")
        if self.device_type not in ("IPCamera", "NVR"):
            raise ValueError(f"{where}: device_type must be 'IPCamera' or 'NVR'")
        if self.channels and self.device_type != "NVR":
            raise ValueError(f"{where}: only an NVR has channels")
        for channel in self.channels:
            if (
                set(channel) != {"id", "ip", "online", "recording"}
                or not isinstance(channel["id"], int)
                or not isinstance(channel["online"], bool)
                or not isinstance(channel["recording"], bool)
            ):
                raise ValueError(
                    f"{where}: a channel has exactly the keys id (integer), ip, online and "
                    "recording (booleans)"
                )
        if self.addressing_type not in ("static", "dynamic"):
            raise ValueError(f"{where}: addressing_type must be 'static' or 'dynamic'")
        for label, value in (("ipv4", self.ipv4), ("gateway", self.gateway)):
            try:
                ipaddress.IPv4Address(value)
            except ValueError as exc:
                raise ValueError(f"{where}: {label} is not an IPv4 address: {value!r}") from exc
        if not _is_netmask(self.netmask):
            raise ValueError(f"{where}: netmask is not a valid IPv4 mask: {self.netmask!r}")


_FIELD_TYPES: dict[str, tuple[type, ...]] = {
    "name": (str,),
    "model": (str,),
    "firmware": (str,),
    "serial": (str,),
    "mac": (str,),
    "admin_password": (str,),
    "users": (list,),
    "ntp_server": (str, type(None)),
    "ntp_interval_min": (int,),
    "time_mode": (str,),
    "timezone": (str,),
    "ipv4": (str,),
    "netmask": (str,),
    "gateway": (str,),
    "upnp_enabled": (bool,),
    "ezviz_enabled": (bool,),
    "telnet_enabled": (bool,),
    "ssh_enabled": (bool,),
    "onvif_enabled": (bool,),
    "onvif_users": (list,),
    "recording_nvr": (str, type(None)),
    "ntp_port": (int,),
    "addressing_type": (str,),
    "user_passwords": (dict,),
    "onvif_user_passwords": (dict,),
    "device_type": (str,),
    "channels": (list,),
}


def _type_names(types: tuple[type, ...]) -> str:
    return " or ".join("null" if t is type(None) else t.__name__ for t in types)


def _is_netmask(value: str) -> bool:
    try:
        ipaddress.IPv4Network(f"0.0.0.0/{value}")
    except ValueError:
        return False
    return True


# --------------------------------------------------------------------------------------------
# ISAPI XML


class _IsapiError(Exception):
    """An ISAPI error answer: HTTP status plus the ResponseStatus fields."""

    def __init__(self, http_status: int, status_code: int, sub_status: str, detail: str = ""):
        super().__init__(detail or sub_status)
        self.http_status = http_status
        self.status_code = status_code
        self.sub_status = sub_status
        self.detail = detail


_STATUS_STRINGS = {
    1: "OK",
    2: "Device Busy",
    3: "Device Error",
    4: "Invalid Operation",
    5: "Invalid XML Format",
    6: "Invalid XML Content",
    7: "Reboot Required",
}


def _bad_content(detail: str, sub_status: str = "badXmlContent") -> _IsapiError:
    return _IsapiError(HTTPStatus.BAD_REQUEST, 6, sub_status, detail)


def _new_root(tag: str) -> ET.Element:
    return ET.Element(tag, {"version": "2.0", "xmlns": ISAPI_NAMESPACE})


def _add(parent: ET.Element, tag: str, text: object = None) -> ET.Element:
    child = ET.SubElement(parent, tag)
    if text is not None:
        child.text = str(text).lower() if isinstance(text, bool) else str(text)
    return child


def _serialize(root: ET.Element) -> bytes:
    ET.indent(root)
    body = ET.tostring(root, encoding="unicode")
    return f'<?xml version="1.0" encoding="UTF-8"?>\n{body}\n'.encode()


def _response_status(url: str, status_code: int, sub_status: str, detail: str = "") -> bytes:
    root = _new_root("ResponseStatus")
    _add(root, "requestURL", url)
    _add(root, "statusCode", status_code)
    _add(root, "statusString", _STATUS_STRINGS[status_code])
    _add(root, "subStatusCode", sub_status)
    if detail:
        _add(root, "errorMsg", detail)
    return _serialize(root)


def _local_name(tag: str) -> str:
    return tag.rsplit("}", 1)[-1]


def _parse_body(body: bytes, expected_root: str) -> ET.Element:
    """Parse a PUT body; namespaces are dropped so both forms are accepted."""
    if not body.strip():
        raise _IsapiError(HTTPStatus.BAD_REQUEST, 5, "badXmlFormat", "empty body")
    if b"<!DOCTYPE" in body or b"<!ENTITY" in body:
        raise _IsapiError(HTTPStatus.BAD_REQUEST, 5, "badXmlFormat", "DTDs are not accepted")
    try:
        # The body has no DTD (refused above), so no entity can expand.
        root = ET.fromstring(body)  # noqa: S314
    except ET.ParseError as exc:
        raise _IsapiError(HTTPStatus.BAD_REQUEST, 5, "badXmlFormat", str(exc)) from exc
    for element in root.iter():
        element.tag = _local_name(element.tag)
    if root.tag != expected_root:
        raise _bad_content(f"expected <{expected_root}>, got <{root.tag}>")
    return root


def _child(element: ET.Element, name: str) -> ET.Element | None:
    for child in element:
        if child.tag == name:
            return child
    return None


def _text(element: ET.Element, name: str) -> str | None:
    child = _child(element, name)
    if child is None:
        return None
    return (child.text or "").strip()


def _required(element: ET.Element, name: str) -> str:
    value = _text(element, name)
    if value is None:
        raise _bad_content(f"<{element.tag}> needs <{name}>")
    return value


def _user_name(element: ET.Element) -> str:
    """The ``<userName>`` of a user element, as the camera accepts it."""
    name = _required(element, "userName")
    if not _USER_NAME_RE.match(name):
        raise _bad_content("<userName> must have 1 to 32 characters, no spaces", "badParameters")
    return name


def _bool(element: ET.Element, name: str) -> bool:
    value = _required(element, name).lower()
    if value not in ("true", "false"):
        raise _bad_content(f"<{name}> must be true or false", "badParameters")
    return value == "true"


def _int(element: ET.Element, name: str, low: int, high: int, sub: str = "badParameters") -> int:
    raw = _required(element, name)
    try:
        value = int(raw)
    except ValueError as exc:
        raise _bad_content(f"<{name}> must be an integer", sub) from exc
    if not low <= value <= high:
        raise _bad_content(f"<{name}> must be between {low} and {high}", sub)
    return value


def _ipv4(value: str, name: str, sub: str = "badIPv4Address") -> str:
    try:
        return str(ipaddress.IPv4Address(value))
    except ValueError as exc:
        raise _bad_content(f"<{name}> is not an IPv4 address", sub) from exc


def _password_ok(password: str) -> bool:
    kinds = [
        any(c.isdigit() for c in password),
        any(c.islower() for c in password),
        any(c.isupper() for c in password),
        any(not c.isalnum() for c in password),
    ]
    return 8 <= len(password) <= 16 and sum(kinds) >= 2


# --------------------------------------------------------------------------------------------
# Digest authentication (RFC 7616, MD5, qop=auth)

_DIGEST_PARAM_RE = re.compile(r'([A-Za-z0-9_-]+)\s*=\s*(?:"((?:[^"\\]|\\.)*)"|([^\s,]*))')


def _md5_hex(text: str) -> str:
    # MD5 is what the camera's digest scheme mandates (RFC 7616 "MD5").
    return hashlib.md5(text.encode()).hexdigest()  # noqa: S324


def _parse_digest(header: str) -> dict[str, str] | None:
    scheme, _, rest = header.strip().partition(" ")
    if scheme.lower() != "digest":
        return None
    params: dict[str, str] = {}
    for match in _DIGEST_PARAM_RE.finditer(rest):
        quoted, bare = match.group(2), match.group(3)
        value = re.sub(r"\\(.)", r"\1", quoted) if quoted is not None else bare
        params[match.group(1).lower()] = value
    return params


@dataclass
class _AuthOutcome:
    user: str | None = None
    stale: bool = False
    locked: bool = False
    unlock_in_s: float = 0.0
    failed: bool = False


class _DigestGuard:
    """Issues nonces, checks digest answers and locks out a client after repeated failures."""

    def __init__(self, realm: str, lockout_failures: int, lockout_seconds: float):
        self.realm = realm
        self._lockout_failures = lockout_failures
        self._lockout_seconds = lockout_seconds
        self._lock = threading.Lock()
        self._nonces: dict[str, list[float]] = {}  # nonce -> [issued at, highest nc seen]
        self._failures: dict[str, int] = {}
        self._locked_until: dict[str, float] = {}

    def challenge(self, *, stale: bool = False) -> str:
        nonce = secrets.token_hex(16)
        now = time.monotonic()
        with self._lock:
            expired = [n for n, (t, _) in self._nonces.items() if now - t > _NONCE_LIFETIME_S]
            for old in expired:
                del self._nonces[old]
            while len(self._nonces) >= _MAX_NONCES:
                del self._nonces[next(iter(self._nonces))]
            self._nonces[nonce] = [now, 0.0]
        flag = "TRUE" if stale else "FALSE"
        return (
            f'Digest qop="auth", realm="{self.realm}", nonce="{nonce}", '
            f'algorithm=MD5, stale="{flag}"'
        )

    def check(
        self,
        header: str | None,
        method: str,
        uri: str,
        client: str,
        password_of: Callable[[str], str | None],
    ) -> _AuthOutcome:
        now = time.monotonic()
        with self._lock:
            until = self._locked_until.get(client, 0.0)
            if until > now:
                return _AuthOutcome(locked=True, unlock_in_s=until - now)
            self._locked_until.pop(client, None)
        params = _parse_digest(header) if header else None
        if params is None:
            return _AuthOutcome()  # no digest credentials: a plain challenge, not a failure
        user = params.get("username", "")
        nonce = params.get("nonce", "")
        nc_hex = params.get("nc", "")
        with self._lock:
            record = self._nonces.get(nonce)
            if record is None or now - record[0] > _NONCE_LIFETIME_S:
                return _AuthOutcome(stale=True)
        password = password_of(user)
        well_formed = (
            params.get("realm") == self.realm
            and params.get("qop") == "auth"
            and params.get("algorithm", "MD5").upper() == "MD5"
            and params.get("uri") == uri
            and bool(params.get("cnonce"))
            and re.fullmatch(r"[0-9a-fA-F]{8}", nc_hex) is not None
        )
        expected = ""
        if password is not None and well_formed:
            ha1 = _md5_hex(f"{user}:{self.realm}:{password}")
            ha2 = _md5_hex(f"{method}:{uri}")
            expected = _md5_hex(f"{ha1}:{nonce}:{nc_hex}:{params['cnonce']}:auth:{ha2}")
        if not expected or not hmac.compare_digest(expected, params.get("response", "")):
            return self._record_failure(client, now)
        with self._lock:
            self._failures.pop(client, None)
            nc = int(nc_hex, 16)
            record = self._nonces.get(nonce)
            if record is None or nc <= record[1]:
                return _AuthOutcome(stale=True)  # a replayed nonce count
            record[1] = nc
        return _AuthOutcome(user=user)

    def _record_failure(self, client: str, now: float) -> _AuthOutcome:
        with self._lock:
            count = self._failures.get(client, 0) + 1
            if count >= self._lockout_failures:
                self._failures.pop(client, None)
                self._locked_until[client] = now + self._lockout_seconds
                _LOG.info("%s: %s locked out after %d failed logins", self.realm, client, count)
            else:
                self._failures[client] = count
        return _AuthOutcome(failed=True)


# --------------------------------------------------------------------------------------------
# One camera


@dataclass
class _Reply:
    status: int
    body: bytes
    headers: list[tuple[str, str]] = field(default_factory=list)


_Handler = Callable[[re.Match[str], bytes, str], _Reply]


class _Camera:
    """The behaviour of one camera: authentication, routing and its resources."""

    def __init__(
        self,
        state: CameraState,
        *,
        lockout_failures: int,
        lockout_seconds: float,
        on_change: Callable[[CameraState], None] | None,
        https: bool = False,
    ):
        self._state = state
        self._https = https
        self._lock = threading.RLock()
        self._on_change = on_change
        self.guard = _DigestGuard(
            f"IP Camera({state.serial[-5:] or state.name})", lockout_failures, lockout_seconds
        )
        simple_toggles = {
            "UPnP": ("UPnP", "upnp_enabled"),
            "EZVIZ": ("EZVIZ", "ezviz_enabled"),
            "telnetd": ("Telnetd", "telnet_enabled"),
            "ssh": ("SSH", "ssh_enabled"),
        }
        routes: list[tuple[str, dict[str, _Handler]]] = [
            (
                "/ISAPI/System/deviceInfo",
                {"GET": self._get_device_info, "PUT": self._put_device_info},
            ),
            ("/ISAPI/System/time", {"GET": self._get_time, "PUT": self._put_time}),
            (
                "/ISAPI/System/time/ntpServers",
                {"GET": self._get_ntp_list, "PUT": self._put_ntp_list},
            ),
            (
                "/ISAPI/System/time/ntpServers/1",
                {"GET": self._get_ntp_one, "PUT": self._put_ntp_one},
            ),
            (
                "/ISAPI/System/Network/interfaces/1/ipAddress",
                {"GET": self._get_ip_address, "PUT": self._put_ip_address},
            ),
            (
                "/ISAPI/System/Network/Integrate",
                {"GET": self._get_integrate, "PUT": self._put_integrate},
            ),
            (
                "/ISAPI/Security/users",
                {"GET": self._get_users, "PUT": self._put_users, "POST": self._post_user},
            ),
            (
                r"/ISAPI/Security/users/(?P<id>\d+)",
                {"GET": self._get_user, "PUT": self._put_user, "DELETE": self._delete_user},
            ),
            (
                "/ISAPI/Security/ONVIF/users",
                {"GET": self._get_onvif_users, "PUT": self._put_onvif_users},
            ),
            ("/ISAPI/Security/userCheck", {"GET": self._get_user_check}),
            ("/ISAPI/Security/adminAccesses", {"GET": self._get_admin_accesses}),
            ("/ISAPI/ContentMgmt/InputProxy/channels/status", {"GET": self._get_channel_status}),
            ("/ISAPI/ContentMgmt/record/tracks", {"GET": self._get_tracks}),
        ]
        for resource, (root_tag, attribute) in simple_toggles.items():
            routes.append(
                (
                    f"/ISAPI/System/Network/{resource}",
                    {
                        "GET": self._toggle_getter(root_tag, attribute),
                        "PUT": self._toggle_putter(root_tag, attribute),
                    },
                )
            )
        self._routes = [(re.compile(pattern + "/?"), handlers) for pattern, handlers in routes]

    # -- state access ------------------------------------------------------------------------

    def snapshot(self) -> CameraState:
        with self._lock:
            return copy.deepcopy(self._state)

    def _password_of(self, user_name: str) -> str | None:
        with self._lock:
            if user_name == _ADMIN_NAME:
                return self._state.admin_password
            return self._state.user_passwords.get(user_name)

    def _level_of(self, user_name: str) -> str:
        with self._lock:
            for user in self._state.users:
                if user["userName"] == user_name:
                    return str(user["userLevel"])
        return "Viewer"

    def _changed(self) -> None:
        if self._on_change is not None:
            self._on_change(copy.deepcopy(self._state))

    # -- request handling --------------------------------------------------------------------

    def handle(
        self, method: str, target: str, authorization: str | None, client: str, body: bytes
    ) -> _Reply:
        path = urlsplit(target).path
        outcome = self.guard.check(authorization, method, target, client, self._password_of)
        if outcome.user is None:
            root = _new_root("ResponseStatus")
            _add(root, "requestURL", path)
            _add(root, "statusCode", 4)
            _add(root, "statusString", _STATUS_STRINGS[4])
            _add(root, "subStatusCode", "badAuthorization")
            if outcome.locked:
                _add(root, "lockStatus", "lock")
                _add(root, "unlockTime", max(1, round(outcome.unlock_in_s)))
            challenge = self.guard.challenge(stale=outcome.stale)
            return _Reply(
                HTTPStatus.UNAUTHORIZED, _serialize(root), [("WWW-Authenticate", challenge)]
            )
        try:
            for pattern, handlers in self._routes:
                match = pattern.fullmatch(path)
                if match is None:
                    continue
                handler = handlers.get(method)
                if handler is None:
                    raise _IsapiError(HTTPStatus.METHOD_NOT_ALLOWED, 4, "methodNotAllowed")
                security = path.startswith("/ISAPI/Security/") and not path.startswith(
                    "/ISAPI/Security/userCheck"
                )
                needs_admin = method != "GET" or security
                if needs_admin and self._level_of(outcome.user) != "Administrator":
                    raise _IsapiError(HTTPStatus.FORBIDDEN, 4, "lowPrivilege")
                with self._lock:
                    return handler(match, body, path)
            raise _IsapiError(HTTPStatus.NOT_FOUND, 4, "notSupport")
        except _IsapiError as exc:
            return _Reply(
                exc.http_status,
                _response_status(path, exc.status_code, exc.sub_status, exc.detail),
            )

    def _ok(self, path: str, status_code: int = 1) -> _Reply:
        self._changed()
        sub = "ok" if status_code == 1 else "rebootRequired"
        return _Reply(HTTPStatus.OK, _response_status(path, status_code, sub))

    # -- System ------------------------------------------------------------------------------

    def _get_device_info(self, _m: re.Match[str], _b: bytes, _p: str) -> _Reply:
        s = self._state
        root = _new_root("DeviceInfo")
        _add(root, "deviceName", s.name)
        _add(root, "deviceID", s.serial)
        _add(root, "model", s.model)
        _add(root, "serialNumber", s.serial)
        _add(root, "macAddress", s.mac)
        _add(root, "firmwareVersion", s.firmware)
        _add(root, "deviceType", s.device_type)
        return _Reply(HTTPStatus.OK, _serialize(root))

    def _put_device_info(self, _m: re.Match[str], body: bytes, path: str) -> _Reply:
        root = _parse_body(body, "DeviceInfo")
        name = _text(root, "deviceName")
        if name is not None:
            if not name or len(name) > 32:
                raise _bad_content("<deviceName> must have 1 to 32 characters", "badParameters")
            self._state.name = name
        return self._ok(path)

    def _get_time(self, _m: re.Match[str], _b: bytes, _p: str) -> _Reply:
        root = _new_root("Time")
        _add(root, "timeMode", self._state.time_mode)
        _add(root, "localTime", dt.datetime.now().astimezone().isoformat(timespec="seconds"))
        _add(root, "timeZone", self._state.timezone)
        return _Reply(HTTPStatus.OK, _serialize(root))

    def _put_time(self, _m: re.Match[str], body: bytes, path: str) -> _Reply:
        root = _parse_body(body, "Time")
        mode = _required(root, "timeMode")
        if mode not in ("NTP", "manual"):
            raise _bad_content("<timeMode> must be NTP or manual", "badParameters")
        zone = _text(root, "timeZone")
        if zone is not None and not _TIMEZONE_RE.match(zone):
            raise _bad_content(
                "<timeZone> is not in Hikvision notation (CST-3:00:00)", "badParameters"
            )
        self._state.time_mode = mode
        if zone is not None:
            self._state.timezone = zone
        return self._ok(path)

    def _ntp_element(self, parent: ET.Element | None) -> ET.Element:
        s = self._state
        server = _new_root("NTPServer") if parent is None else _add(parent, "NTPServer")
        _add(server, "id", 1)
        address = s.ntp_server or ""
        try:
            ipaddress.IPv4Address(address)
        except ValueError:
            _add(server, "addressingFormatType", "hostname")
            _add(server, "hostName", address)
        else:
            _add(server, "addressingFormatType", "ipaddress")
            _add(server, "ipAddress", address)
        _add(server, "portNo", s.ntp_port)
        _add(server, "synchronizeInterval", s.ntp_interval_min)
        return server

    def _get_ntp_list(self, _m: re.Match[str], _b: bytes, _p: str) -> _Reply:
        root = _new_root("NTPServerList")
        if self._state.ntp_server is not None:
            self._ntp_element(root)
        return _Reply(HTTPStatus.OK, _serialize(root))

    def _get_ntp_one(self, _m: re.Match[str], _b: bytes, _p: str) -> _Reply:
        if self._state.ntp_server is None:
            raise _IsapiError(HTTPStatus.NOT_FOUND, 4, "notSupport", "no NTP server configured")
        return _Reply(HTTPStatus.OK, _serialize(self._ntp_element(None)))

    def _apply_ntp(self, server: ET.Element) -> None:
        server_id = _text(server, "id")
        if server_id not in (None, "1"):
            raise _bad_content("the camera has one NTP server, id 1", "badParameters")
        kind = _required(server, "addressingFormatType")
        if kind == "ipaddress":
            address = _ipv4(_required(server, "ipAddress"), "ipAddress")
        elif kind == "hostname":
            address = _required(server, "hostName")
            if not _HOSTNAME_RE.match(address):
                raise _bad_content("<hostName> is not a host name", "badDomainName")
        else:
            raise _bad_content(
                "<addressingFormatType> must be ipaddress or hostname", "badParameters"
            )
        port = (
            self._state.ntp_port
            if _text(server, "portNo") is None
            else _int(server, "portNo", 1, 65535, "badPort")
        )
        interval = (
            self._state.ntp_interval_min
            if _text(server, "synchronizeInterval") is None
            else _int(server, "synchronizeInterval", 1, 10080)
        )
        self._state.ntp_server = address
        self._state.ntp_port = port
        self._state.ntp_interval_min = interval

    def _put_ntp_list(self, _m: re.Match[str], body: bytes, path: str) -> _Reply:
        root = _parse_body(body, "NTPServerList")
        servers = [c for c in root if c.tag == "NTPServer"]
        if len(servers) > 1:
            raise _bad_content("the camera has one NTP server", "badParameters")
        if servers:
            self._apply_ntp(servers[0])
        else:
            self._state.ntp_server = None
        return self._ok(path)

    def _put_ntp_one(self, _m: re.Match[str], body: bytes, path: str) -> _Reply:
        self._apply_ntp(_parse_body(body, "NTPServer"))
        return self._ok(path)

    def _get_ip_address(self, _m: re.Match[str], _b: bytes, _p: str) -> _Reply:
        s = self._state
        root = _new_root("IPAddress")
        _add(root, "ipVersion", "v4")
        _add(root, "addressingType", s.addressing_type)
        _add(root, "ipAddress", s.ipv4)
        _add(root, "subnetMask", s.netmask)
        gateway = _add(root, "DefaultGateway")
        _add(gateway, "ipAddress", s.gateway)
        return _Reply(HTTPStatus.OK, _serialize(root))

    def _put_ip_address(self, _m: re.Match[str], body: bytes, path: str) -> _Reply:
        root = _parse_body(body, "IPAddress")
        version = _text(root, "ipVersion")
        if version not in (None, "v4", "dual"):
            raise _bad_content("<ipVersion> must be v4 or dual", "badParameters")
        kind = _required(root, "addressingType")
        if kind not in ("static", "dynamic"):
            raise _bad_content("<addressingType> must be static or dynamic", "badParameters")
        s = self._state
        before = (s.addressing_type, s.ipv4, s.netmask, s.gateway)
        if kind == "static":
            address = _ipv4(_required(root, "ipAddress"), "ipAddress")
            mask = _required(root, "subnetMask")
            if not _is_netmask(mask):
                raise _bad_content("<subnetMask> is not a netmask", "badNetMask")
            gateway_el = _child(root, "DefaultGateway")
            gateway = s.gateway
            if gateway_el is not None:
                gateway = _ipv4(_required(gateway_el, "ipAddress"), "DefaultGateway/ipAddress")
            network = ipaddress.IPv4Network(f"{address}/{mask}", strict=False)
            if ipaddress.IPv4Address(gateway) not in network:
                raise _bad_content("the default gateway is outside the subnet", "badParameters")
            s.ipv4, s.netmask, s.gateway = address, mask, gateway
        s.addressing_type = kind
        changed = before != (s.addressing_type, s.ipv4, s.netmask, s.gateway)
        return self._ok(path, 7 if changed else 1)

    def _toggle_getter(self, root_tag: str, attribute: str) -> _Handler:
        def get(_m: re.Match[str], _b: bytes, _p: str) -> _Reply:
            root = _new_root(root_tag)
            _add(root, "enabled", bool(getattr(self._state, attribute)))
            return _Reply(HTTPStatus.OK, _serialize(root))

        return get

    def _toggle_putter(self, root_tag: str, attribute: str) -> _Handler:
        def put(_m: re.Match[str], body: bytes, path: str) -> _Reply:
            setattr(self._state, attribute, _bool(_parse_body(body, root_tag), "enabled"))
            return self._ok(path)

        return put

    def _get_admin_accesses(self, _m: re.Match[str], _b: bytes, _p: str) -> _Reply:
        root = _new_root("AdminAccessProtocolList")
        for number, (protocol, port, enabled) in enumerate(
            (("HTTP", 80, not self._https), ("HTTPS", 443, self._https), ("RTSP", 554, True)),
            start=1,
        ):
            entry = _add(root, "AdminAccessProtocol")
            _add(entry, "id", number)
            _add(entry, "enabled", enabled)
            _add(entry, "protocol", protocol)
            _add(entry, "portNo", port)
        return _Reply(HTTPStatus.OK, _serialize(root))

    def _recorder_channels(self) -> list[dict[str, Any]]:
        if self._state.device_type != "NVR":
            raise _IsapiError(HTTPStatus.NOT_FOUND, 4, "notSupport", "not a recorder")
        return sorted(self._state.channels, key=lambda c: int(c["id"]))

    def _get_channel_status(self, _m: re.Match[str], _b: bytes, _p: str) -> _Reply:
        root = _new_root("InputProxyChannelStatusList")
        for channel in self._recorder_channels():
            entry = _add(root, "InputProxyChannelStatus")
            _add(entry, "id", channel["id"])
            source = _add(entry, "sourceInputPortDescriptor")
            _add(source, "proxyProtocol", "HIKVISION")
            _add(source, "addressingFormatType", "ipaddress")
            _add(source, "ipAddress", channel["ip"])
            _add(source, "managePortNo", 8000)
            _add(source, "srcInputPort", 1)
            _add(entry, "online", channel["online"])
            _add(entry, "chanDetectResult", "connect" if channel["online"] else "netUnreachable")
        return _Reply(HTTPStatus.OK, _serialize(root))

    def _get_tracks(self, _m: re.Match[str], _b: bytes, _p: str) -> _Reply:
        root = _new_root("TrackList")
        for channel in self._recorder_channels():
            entry = _add(root, "Track")
            _add(entry, "id", int(channel["id"]) * 100 + 1)
            _add(entry, "Channel", channel["id"])
            _add(entry, "Enable", channel["recording"])
            _add(entry, "Description", "trackType=standard,trackType=video,codecType=H.264")
            _add(entry, "DefaultRecordingMode", "CMR" if channel["recording"] else "NONE")
            _add(entry, "LoopEnable", True)
        return _Reply(HTTPStatus.OK, _serialize(root))

    def _get_integrate(self, _m: re.Match[str], _b: bytes, _p: str) -> _Reply:
        root = _new_root("Integrate")
        onvif = _add(root, "ONVIF")
        _add(onvif, "enable", self._state.onvif_enabled)
        return _Reply(HTTPStatus.OK, _serialize(root))

    def _put_integrate(self, _m: re.Match[str], body: bytes, path: str) -> _Reply:
        root = _parse_body(body, "Integrate")
        onvif = _child(root, "ONVIF")
        if onvif is None:
            raise _bad_content("<Integrate> needs <ONVIF>")
        self._state.onvif_enabled = _bool(onvif, "enable")
        return self._ok(path)

    # -- Security: users ---------------------------------------------------------------------

    def _user_element(self, parent: ET.Element | None, user: dict[str, Any]) -> ET.Element:
        element = _new_root("User") if parent is None else _add(parent, "User")
        _add(element, "id", user["id"])
        _add(element, "userName", user["userName"])
        _add(element, "userLevel", user["userLevel"])
        return element

    def _get_users(self, _m: re.Match[str], _b: bytes, _p: str) -> _Reply:
        root = _new_root("UserList")
        for user in sorted(self._state.users, key=lambda u: int(u["id"])):
            self._user_element(root, user)
        return _Reply(HTTPStatus.OK, _serialize(root))

    def _find_user(self, user_id: int) -> dict[str, Any]:
        for user in self._state.users:
            if user["id"] == user_id:
                return user
        raise _IsapiError(HTTPStatus.NOT_FOUND, 4, "notSupport", f"no user with id {user_id}")

    def _get_user(self, match: re.Match[str], _b: bytes, _p: str) -> _Reply:
        user = self._find_user(int(match.group("id")))
        return _Reply(HTTPStatus.OK, _serialize(self._user_element(None, user)))

    def _read_user(
        self, element: ET.Element, url_id: int | None
    ) -> tuple[dict[str, Any], str | None]:
        raw_id = _text(element, "id")
        if raw_id is None and url_id is None:
            raise _bad_content("<User> needs <id>")
        user_id = url_id if raw_id is None else _int(element, "id", 1, 9999)
        if url_id is not None and user_id != url_id:
            raise _bad_content("<id> differs from the id in the URL", "badParameters")
        name = _user_name(element)
        level = _required(element, "userLevel")
        if level not in _USER_LEVELS:
            raise _bad_content(
                "<userLevel> must be Administrator, Operator or Viewer", "badParameters"
            )
        if (user_id == _ADMIN_ID) != (name == _ADMIN_NAME) or (user_id == _ADMIN_ID) != (
            level == "Administrator"
        ):
            raise _bad_content(
                "only user id 1 is 'admin', and it is the only Administrator", "badParameters"
            )
        password = _text(element, "password")
        if password is not None and not _password_ok(password):
            raise _bad_content(
                "the password needs 8-16 characters of at least two kinds", "riskPassword"
            )
        return {"id": user_id, "userName": name, "userLevel": level}, password

    def _store_users(self, users: list[tuple[dict[str, Any], str | None]]) -> None:
        """Replace the user list; the caller has validated each entry."""
        if len(users) > _MAX_USERS:
            raise _bad_content(f"at most {_MAX_USERS} users", "badParameters")
        names = [u["userName"] for u, _ in users]
        ids = [u["id"] for u, _ in users]
        if len(set(names)) != len(names) or len(set(ids)) != len(ids):
            raise _bad_content("user ids and names must be unique", "badParameters")
        old_by_id = {u["id"]: u for u in self._state.users}
        passwords: dict[str, str] = {}
        for user, given in users:
            if user["id"] == _ADMIN_ID:
                continue
            if given is None:
                old = old_by_id.get(user["id"])
                if old is None or old["userName"] != user["userName"]:
                    raise _bad_content(f"new user {user['userName']!r} needs a <password>")
                given = self._state.user_passwords[old["userName"]]  # noqa: PLW2901
            passwords[user["userName"]] = given
        for user, password in users:
            if user["id"] == _ADMIN_ID and password is not None:
                self._state.admin_password = password
        if _ADMIN_ID not in ids:
            users = [(old_by_id[_ADMIN_ID], None), *users]
        self._state.users = sorted((u for u, _ in users), key=lambda u: int(u["id"]))
        self._state.user_passwords = passwords

    def _current_users(self) -> list[tuple[dict[str, Any], str | None]]:
        return [(dict(u), None) for u in self._state.users]

    def _put_users(self, _m: re.Match[str], body: bytes, path: str) -> _Reply:
        root = _parse_body(body, "UserList")
        users = [self._read_user(el, None) for el in root if el.tag == "User"]
        self._store_users(users)
        return self._ok(path)

    def _post_user(self, _m: re.Match[str], body: bytes, path: str) -> _Reply:
        element = _parse_body(body, "User")
        taken = {int(u["id"]) for u in self._state.users}
        if _text(element, "id") is None:
            free = next(i for i in range(2, 10000) if i not in taken)
            _add(element, "id", free)
        user, password = self._read_user(element, None)
        if user["id"] in taken:
            raise _bad_content(f"user id {user['id']} exists; use PUT", "badParameters")
        self._store_users([*self._current_users(), (user, password)])
        return self._ok(path)

    def _put_user(self, match: re.Match[str], body: bytes, path: str) -> _Reply:
        user_id = int(match.group("id"))
        self._find_user(user_id)
        user, password = self._read_user(_parse_body(body, "User"), user_id)
        users = [
            (user, password) if u["id"] == user_id else (u, p) for u, p in self._current_users()
        ]
        self._store_users(users)
        return self._ok(path)

    def _delete_user(self, match: re.Match[str], _b: bytes, path: str) -> _Reply:
        user_id = int(match.group("id"))
        self._find_user(user_id)
        if user_id == _ADMIN_ID:
            raise _IsapiError(
                HTTPStatus.FORBIDDEN, 4, "invalidOperation", "admin cannot be deleted"
            )
        self._store_users([(u, p) for u, p in self._current_users() if u["id"] != user_id])
        return self._ok(path)

    def _get_user_check(self, _m: re.Match[str], _b: bytes, _p: str) -> _Reply:
        root = _new_root("userCheck")
        _add(root, "statusValue", 200)
        _add(root, "statusString", "OK")
        return _Reply(HTTPStatus.OK, _serialize(root))

    # -- Security: ONVIF users ---------------------------------------------------------------

    def _get_onvif_users(self, _m: re.Match[str], _b: bytes, _p: str) -> _Reply:
        root = _new_root("UserList")
        for user in sorted(self._state.onvif_users, key=lambda u: int(u["id"])):
            element = _add(root, "User")
            _add(element, "id", user["id"])
            _add(element, "userName", user["userName"])
            _add(element, "userType", user["userType"])
        return _Reply(HTTPStatus.OK, _serialize(root))

    def _put_onvif_users(self, _m: re.Match[str], body: bytes, path: str) -> _Reply:
        root = _parse_body(body, "UserList")
        old_by_name = {u["userName"]: u for u in self._state.onvif_users}
        users: list[dict[str, Any]] = []
        passwords: dict[str, str] = {}
        for element in (el for el in root if el.tag == "User"):
            user_id = _int(element, "id", 1, 9999)
            name = _user_name(element)
            kind = _required(element, "userType")
            if kind not in _ONVIF_USER_TYPES:
                raise _bad_content(
                    "<userType> must be administrator, operator or mediaUser", "badParameters"
                )
            password = _text(element, "password")
            if password is None:
                if name not in old_by_name:
                    raise _bad_content(f"new ONVIF user {name!r} needs a <password>")
                password = self._state.onvif_user_passwords[name]
            elif not _password_ok(password):
                raise _bad_content(
                    "the password needs 8-16 characters of at least two kinds", "riskPassword"
                )
            users.append({"id": user_id, "userName": name, "userType": kind})
            passwords[name] = password
        if len(users) > _MAX_USERS:
            raise _bad_content(f"at most {_MAX_USERS} ONVIF users", "badParameters")
        if len({u["id"] for u in users}) != len(users) or len(passwords) != len(users):
            raise _bad_content("ONVIF user ids and names must be unique", "badParameters")
        self._state.onvif_users = sorted(users, key=lambda u: int(u["id"]))
        self._state.onvif_user_passwords = passwords
        return self._ok(path)


# --------------------------------------------------------------------------------------------
# HTTP plumbing


class _CameraServer(ThreadingHTTPServer):
    """One camera's listening socket; requests run on daemon threads."""

    daemon_threads = True
    block_on_close = True

    def __init__(
        self, address: tuple[str, int], camera: _Camera, tls: ssl.SSLContext | None = None
    ):
        self.camera = camera
        self.tls = tls
        self._connections: set[socket.socket] = set()
        self._connections_lock = threading.Lock()
        super().__init__(address, _IsapiRequestHandler)
        self.socket.setblocking(False)

    def get_request(self) -> tuple[Any, Any]:
        connection, address = self.socket.accept()
        connection.setblocking(True)
        if self.tls is not None:
            # The handshake runs on the connection's own thread (first read), never on the
            # accepting thread that all cameras share.
            connection = self.tls.wrap_socket(
                connection, server_side=True, do_handshake_on_connect=False
            )
        return connection, address

    def handle_error(self, _request: Any, client_address: Any) -> None:
        # A client that drops the connection or fails the TLS handshake is not news.
        _LOG.debug("connection from %s ended with an error", client_address, exc_info=True)

    def process_request(self, request: Any, client_address: Any) -> None:
        with self._connections_lock:
            self._connections.add(request)
        super().process_request(request, client_address)

    def shutdown_request(self, request: Any) -> None:
        with self._connections_lock:
            self._connections.discard(request)
        super().shutdown_request(request)

    def close_connections(self) -> None:
        with self._connections_lock:
            connections = list(self._connections)
        for connection in connections:
            try:
                connection.shutdown(socket.SHUT_RDWR)
            except OSError:
                _LOG.debug("connection already closed")


class _IsapiRequestHandler(BaseHTTPRequestHandler):
    server_version = "App-webs/"
    sys_version = ""
    protocol_version = "HTTP/1.1"
    timeout = 15.0
    # Headers and body leave in two writes; without TCP_NODELAY the second waits for the
    # client's delayed ACK (40 ms per request on Linux).
    disable_nagle_algorithm = True

    def setup(self) -> None:
        super().setup()
        if isinstance(self.connection, ssl.SSLSocket):
            self.connection.do_handshake()  # under the handler's timeout, on this thread

    def do_GET(self) -> None:
        self._dispatch("GET")

    def do_PUT(self) -> None:
        self._dispatch("PUT")

    def do_POST(self) -> None:
        self._dispatch("POST")

    def do_DELETE(self) -> None:
        self._dispatch("DELETE")

    def log_message(self, format: str, *args: Any) -> None:
        _LOG.debug("%s %s", self.address_string(), format % args)

    def _dispatch(self, method: str) -> None:
        if "chunked" in self.headers.get("Transfer-Encoding", "").lower():
            self._send(_Reply(HTTPStatus.LENGTH_REQUIRED, b""), close=True)
            return
        try:
            length = int(self.headers.get("Content-Length", "0"))
        except ValueError:
            length = -1
        if length < 0 or length > _MAX_BODY_BYTES:
            status = HTTPStatus.BAD_REQUEST if length < 0 else HTTPStatus.REQUEST_ENTITY_TOO_LARGE
            self._send(_Reply(status, b""), close=True)
            return
        body = self.rfile.read(length) if length else b""
        server = self.server
        assert isinstance(server, _CameraServer)
        reply = server.camera.handle(
            method, self.path, self.headers.get("Authorization"), self.client_address[0], body
        )
        self._send(reply)

    def _send(self, reply: _Reply, *, close: bool = False) -> None:
        self.send_response(reply.status)
        for name, value in reply.headers:
            self.send_header(name, value)
        if reply.body:
            self.send_header("Content-Type", 'application/xml; charset="UTF-8"')
        self.send_header("Content-Length", str(len(reply.body)))
        if close:
            self.send_header("Connection", "close")
            self.close_connection = True
        self.end_headers()
        self.wfile.write(reply.body)


# --------------------------------------------------------------------------------------------
# The pool


class CameraPool(StopOnExit):
    """A set of simulated cameras, each on its own loopback port, served by one process.

    ``start`` binds every camera to a free port on ``bind`` and returns ``{name: port}``;
    ``stop`` closes every listening socket and open connection. With ``state_dir`` each
    camera's state is written to ``<state_dir>/<name>.json`` at start and after every change.
    """

    def __init__(
        self,
        bind: str = "127.0.0.1",
        *,
        lockout_failures: int = 5,
        lockout_seconds: float = 30.0,
        state_dir: Path | None = None,
        tls: ssl.SSLContext | None = None,
    ):
        if lockout_failures < 1 or lockout_seconds < 0:
            raise ValueError("lockout_failures must be >= 1 and lockout_seconds >= 0")
        self.bind = bind
        self.lockout_failures = lockout_failures
        self.lockout_seconds = lockout_seconds
        self.state_dir = state_dir
        self.tls = tls
        self._cameras: dict[str, _Camera] = {}
        self._servers: dict[str, _CameraServer] = {}
        self._selector: selectors.BaseSelector | None = None
        self._wake_r: socket.socket | None = None
        self._wake_w: socket.socket | None = None
        self._acceptor: threading.Thread | None = None
        self._stopping = threading.Event()
        self._persist_lock = threading.Lock()

    def __enter__(self) -> CameraPool:
        return self

    @property
    def ports(self) -> dict[str, int]:
        """``{name: port}`` of the running cameras."""
        return {name: server.server_address[1] for name, server in self._servers.items()}

    def start(self, cameras: Sequence[CameraState]) -> dict[str, int]:
        """Start one HTTP server per camera on a free port; returns ``{name: port}``."""
        if self._acceptor is not None:
            raise RuntimeError("this pool is already started; use a new pool")
        names = [c.name for c in cameras]
        duplicates = sorted({n for n in names if names.count(n) > 1})
        if duplicates:
            raise ValueError(f"duplicate camera names: {', '.join(duplicates)}")
        for state in cameras:
            state.validate()
        selector = selectors.DefaultSelector()
        wake_r, wake_w = socket.socketpair()
        wake_r.setblocking(False)
        selector.register(wake_r, selectors.EVENT_READ, None)
        try:
            for state in cameras:
                camera = _Camera(
                    copy.deepcopy(state),
                    lockout_failures=self.lockout_failures,
                    lockout_seconds=self.lockout_seconds,
                    on_change=self._persist if self.state_dir is not None else None,
                    https=self.tls is not None,
                )
                server = _CameraServer((self.bind, 0), camera, self.tls)
                self._cameras[state.name] = camera
                self._servers[state.name] = server
                selector.register(server.socket, selectors.EVENT_READ, server)
                if self.state_dir is not None:
                    self._persist(camera.snapshot())
        except BaseException:
            for server in self._servers.values():
                server.server_close()
            self._servers.clear()
            self._cameras.clear()
            selector.close()
            wake_r.close()
            wake_w.close()
            raise
        self._selector, self._wake_r, self._wake_w = selector, wake_r, wake_w
        self._stopping.clear()
        self._acceptor = threading.Thread(
            target=self._accept_loop, name="kentops-cameras-accept", daemon=True
        )
        self._acceptor.start()
        return self.ports

    def _accept_loop(self) -> None:
        selector = self._selector
        assert selector is not None
        while not self._stopping.is_set():
            for key, _events in selector.select():
                server = key.data
                if server is None:
                    continue  # the wake-up socket: the loop condition decides
                assert isinstance(server, _CameraServer)
                server.handle_request()

    def stop(self) -> None:
        """Stop every camera; their ports are free when this returns."""
        if self._acceptor is None:
            return
        self._stopping.set()
        assert self._wake_w is not None
        self._wake_w.send(b"x")
        self._acceptor.join(timeout=10)
        for server in self._servers.values():
            server.close_connections()
            server.server_close()
        assert self._selector is not None
        assert self._wake_r is not None
        self._selector.close()
        self._wake_r.close()
        self._wake_w.close()
        self._servers.clear()
        self._acceptor = None

    def state(self, name: str) -> CameraState:
        """A copy of the current state of camera ``name``."""
        try:
            camera = self._cameras[name]
        except KeyError:
            raise KeyError(f"no camera named {name!r}") from None
        return camera.snapshot()

    def _persist(self, state: CameraState) -> None:
        assert self.state_dir is not None
        with self._persist_lock:
            write_json_atomic(self.state_dir / f"{state.name}.json", state.to_dict())


# --------------------------------------------------------------------------------------------
# Daemon entry point


def load_spec(path: Path) -> list[CameraState]:
    """Read a spec file ``{"cameras": [...]}``; ``ValueError`` names the broken camera."""
    data = json.loads(path.read_text(encoding="utf-8"))
    if not isinstance(data, dict) or not isinstance(data.get("cameras"), list):
        raise ValueError(f'{path}: expected {{"cameras": [...]}}')
    cameras = []
    for index, item in enumerate(data["cameras"]):
        try:
            cameras.append(CameraState.from_dict(item))
        except ValueError as exc:
            raise ValueError(f"{path}: cameras[{index}]: {exc}") from exc
    return cameras


def _with_persisted(cameras: Iterable[CameraState], state_dir: Path) -> list[CameraState]:
    result = []
    for camera in cameras:
        saved = state_dir / f"{camera.name}.json"
        if not saved.is_file():
            result.append(camera)
            continue
        try:
            result.append(CameraState.from_dict(json.loads(saved.read_text(encoding="utf-8"))))
        except ValueError as exc:
            raise ValueError(f"{saved}: {exc}") from exc
    return result


def main(argv: Sequence[str] | None = None) -> int:
    """``python -m kentops.lab.cameras serve ...``; see the module documentation."""
    parser = argparse.ArgumentParser(
        prog="python -m kentops.lab.cameras", description="Simulated Hikvision cameras (ISAPI)."
    )
    commands = parser.add_subparsers(dest="command", required=True)
    serve = commands.add_parser("serve", help="serve the cameras of a spec until SIGTERM")
    serve.add_argument("--spec", type=Path, required=True, help='JSON {"cameras": [...]}')
    serve.add_argument("--ports-out", type=Path, required=True, help="where to write the ports")
    serve.add_argument("--state-dir", type=Path, help="keep each camera's state here as JSON")
    serve.add_argument("--fresh", action="store_true", help="ignore state saved in --state-dir")
    serve.add_argument("--bind", default="127.0.0.1", help="address to listen on")
    serve.add_argument("--lockout-failures", type=int, default=5)
    serve.add_argument("--lockout-seconds", type=float, default=30.0)
    serve.add_argument("--tls-cert", type=Path, help="PEM certificate: serve HTTPS only")
    serve.add_argument("--tls-key", type=Path, help="PEM private key of --tls-cert")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(message)s")

    try:
        cameras = load_spec(args.spec)
        if args.state_dir is not None and not args.fresh:
            cameras = _with_persisted(cameras, args.state_dir)
        tls = None
        if (args.tls_cert is None) != (args.tls_key is None):
            raise ValueError("--tls-cert and --tls-key go together")
        if args.tls_cert is not None:
            tls = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
            tls.minimum_version = ssl.TLSVersion.TLSv1_2
            tls.load_cert_chain(args.tls_cert, args.tls_key)
        pool = CameraPool(
            args.bind,
            lockout_failures=args.lockout_failures,
            lockout_seconds=args.lockout_seconds,
            state_dir=args.state_dir,
            tls=tls,
        )
    except (OSError, ValueError, ssl.SSLError) as exc:
        print(f"kentops.lab.cameras: {exc}", file=sys.stderr)
        return 2

    stop = stop_on_signals()
    try:
        ports = pool.start(cameras)
    except ValueError as exc:
        print(f"kentops.lab.cameras: {exc}", file=sys.stderr)
        return 2
    try:
        write_json_atomic(args.ports_out, {"bind": args.bind, "pid": os.getpid(), "cameras": ports})
        _LOG.info("%d cameras listening on %s", len(ports), args.bind)
        while not stop.wait(1.0):
            pass
    finally:
        pool.stop()
        args.ports_out.unlink(missing_ok=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
