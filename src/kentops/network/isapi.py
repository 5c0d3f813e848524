"""A small Hikvision ISAPI client (HTTP digest, RFC 7616 MD5 ``qop=auth``) and its parsers.

The client never retries a refused password: :meth:`IsapiSession.login` makes exactly one
authenticated attempt and says whether it was accepted, refused or whether the device
already locks this client out. A challenge without credentials and a ``stale`` nonce are
not failed logins (the camera does not count them), so the client answers those itself.

The parsers turn ISAPI XML (with or without Hikvision's namespace) into plain values; they
are tested against recorded device answers in ``tests/unit/network/fixtures/isapi/``.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import http.client
import re
import secrets
import ssl
import xml.etree.ElementTree as ET
from dataclasses import dataclass, field
from enum import Enum
from typing import Any


class Login(Enum):
    """What one login attempt came to."""

    ACCEPTED = "accepted"
    REFUSED = "refused"
    LOCKED = "locked"  # the device refuses this client for now, whatever the password


class IsapiError(Exception):
    """The device could not be read: connection, timeout, a malformed answer."""


@dataclass(frozen=True)
class Reply:
    status: int
    body: bytes
    headers: dict[str, str] = field(default_factory=dict)

    @property
    def text(self) -> str:
        return self.body.decode("utf-8", "replace")


_DIGEST_PARAM = re.compile(r'([A-Za-z0-9_-]+)\s*=\s*(?:"((?:[^"\\]|\\.)*)"|([^\s,]*))')


def parse_challenge(header: str) -> dict[str, str] | None:
    """The parameters of a ``WWW-Authenticate: Digest ...`` header (None if not digest)."""
    scheme, _, rest = header.strip().partition(" ")
    if scheme.lower() != "digest":
        return None
    params: dict[str, str] = {}
    for match in _DIGEST_PARAM.finditer(rest):
        quoted, bare = match.group(2), match.group(3)
        params[match.group(1).lower()] = (
            re.sub(r"\\(.)", r"\1", quoted) if quoted is not None else bare
        )
    return params


def _md5(text: str) -> str:
    # MD5 is what the devices' digest scheme mandates (RFC 7616 "MD5").
    return hashlib.md5(text.encode()).hexdigest()  # noqa: S324


def digest_header(
    challenge: dict[str, str], username: str, password: str, method: str, uri: str, nc: int
) -> str:
    """The ``Authorization`` header answering ``challenge`` (RFC 7616, MD5, qop=auth)."""
    realm, nonce = challenge.get("realm", ""), challenge.get("nonce", "")
    cnonce = secrets.token_hex(8)
    ha1 = _md5(f"{username}:{realm}:{password}")
    ha2 = _md5(f"{method}:{uri}")
    count = f"{nc:08x}"
    response = _md5(f"{ha1}:{nonce}:{count}:{cnonce}:auth:{ha2}")
    parts = [
        f'username="{username}"',
        f'realm="{realm}"',
        f'nonce="{nonce}"',
        f'uri="{uri}"',
        "algorithm=MD5",
        "qop=auth",
        f"nc={count}",
        f'cnonce="{cnonce}"',
        f'response="{response}"',
    ]
    if "opaque" in challenge:
        parts.append(f'opaque="{challenge["opaque"]}"')
    return "Digest " + ", ".join(parts)


def lock_status(body: bytes) -> tuple[bool, int | None]:
    """Whether a 401 answer says the client is locked out, and for how many seconds."""
    try:
        root = parse_xml(body)
    except ValueError:
        return False, None
    locked = (find_text(root, "lockStatus") or "").lower() == "lock"
    unlock = find_text(root, "unlockTime")
    return locked, int(unlock) if unlock and unlock.isdigit() else None


class IsapiSession:
    """One keep-alive connection to one device, authenticated once with digest.

    ``timeout`` bounds every connect and every answer (seconds). Nothing is retried except
    a ``stale`` nonce, which the device does not count as a failed login.
    """

    def __init__(
        self,
        host: str,
        port: int,
        *,
        https: bool,
        ca_file: str | None = None,
        timeout: float = 5.0,
    ) -> None:
        self.host, self.port, self.https, self.timeout = host, port, https, timeout
        self._context: ssl.SSLContext | None = None
        if https:
            self._context = ssl.create_default_context(cafile=ca_file)
            self._context.minimum_version = ssl.TLSVersion.TLSv1_2
        self._connection: http.client.HTTPConnection | None = None
        self._challenge: dict[str, str] | None = None
        self._nc = 0
        self._user: tuple[str, str] | None = None
        self.anonymous = False  # the device answered without asking for a password
        self.failed_logins = 0  # refused attempts made by this session

    # -- transport ----------------------------------------------------------------------

    def _connect(self) -> http.client.HTTPConnection:
        if self._connection is None:
            if self._context is not None:
                self._connection = http.client.HTTPSConnection(
                    self.host, self.port, timeout=self.timeout, context=self._context
                )
            else:
                self._connection = http.client.HTTPConnection(
                    self.host, self.port, timeout=self.timeout
                )
        return self._connection

    def close(self) -> None:
        if self._connection is not None:
            self._connection.close()
            self._connection = None

    def __enter__(self) -> IsapiSession:
        return self

    def __exit__(self, *_exc: object) -> None:
        self.close()

    def _send(self, method: str, path: str, body: bytes | None, auth: str | None) -> Reply:
        headers = {"Accept": "application/xml"}
        if body is not None:
            headers["Content-Type"] = 'application/xml; charset="UTF-8"'
        if auth is not None:
            headers["Authorization"] = auth
        for attempt in (1, 2):
            connection = self._connect()
            try:
                connection.request(method, path, body=body, headers=headers)
                answer = connection.getresponse()
                data = answer.read()
            except (http.client.RemoteDisconnected, BrokenPipeError, ConnectionResetError):
                self.close()  # a keep-alive connection the device closed: open a new one once
                if attempt == 2:
                    raise IsapiError(f"{method} {path}: the device closed the connection") from None
                continue
            except ssl.SSLError as exc:
                self.close()
                raise IsapiError(f"TLS: {exc.reason or exc}") from None
            except TimeoutError:
                self.close()
                raise IsapiError(f"{method} {path}: no answer within {self.timeout:g} s") from None
            except OSError as exc:
                self.close()
                raise IsapiError(f"{method} {path}: {exc.strerror or exc}") from None
            if answer.getheader("Connection", "").lower() == "close":
                self.close()
            return Reply(answer.status, data, {k.lower(): v for k, v in answer.getheaders()})
        raise IsapiError(f"{method} {path}: no answer")  # pragma: no cover - loop returns

    # -- authentication -----------------------------------------------------------------

    def probe(self, path: str = "/ISAPI/System/deviceInfo") -> Reply:
        """An unauthenticated request: the challenge (or the lock) without a failed login."""
        reply = self._send("GET", path, None, None)
        header = reply.headers.get("www-authenticate")
        if reply.status == 401 and header:
            self._challenge = parse_challenge(header)
            self._nc = 0
        return reply

    def login(self, username: str, password: str, path: str = "/ISAPI/System/deviceInfo") -> Login:
        """Exactly one authenticated attempt with this password (after a probe if needed)."""
        if self._challenge is None:
            first = self.probe(path)
            if first.status == 401 and lock_status(first.body)[0]:
                return Login.LOCKED
            if self._challenge is None:
                raise IsapiError(f"GET {path}: HTTP {first.status} without a digest challenge")
        reply = self._authenticated("GET", path, None, (username, password))
        if reply.status == 401:
            if lock_status(reply.body)[0]:
                return Login.LOCKED
            self.failed_logins += 1
            return Login.REFUSED
        self._user = (username, password)
        return Login.ACCEPTED

    def _authenticated(
        self, method: str, path: str, body: bytes | None, user: tuple[str, str]
    ) -> Reply:
        for _ in range(2):
            assert self._challenge is not None
            self._nc += 1
            auth = digest_header(self._challenge, user[0], user[1], method, path, self._nc)
            reply = self._send(method, path, body, auth)
            header = reply.headers.get("www-authenticate")
            if reply.status == 401 and header:
                fresh = parse_challenge(header)
                stale = fresh is not None and fresh.get("stale", "").lower() == "true"
                self._challenge, self._nc = fresh, 0
                if stale:
                    continue  # an expired nonce: not a failed login, answer the new challenge
            return reply
        return reply

    def request(self, method: str, path: str, body: bytes | None = None) -> Reply:
        """A request with the accepted credentials of :meth:`login`."""
        if self.anonymous:
            return self._send(method, path, body, None)
        if self._user is None:
            raise IsapiError("not logged in")
        reply = self._authenticated(method, path, body, self._user)
        if reply.status == 401:
            raise IsapiError(f"{method} {path}: the accepted credentials were refused")
        return reply

    def get(self, path: str) -> Reply:
        return self.request("GET", path)

    def put(self, path: str, body: bytes) -> Reply:
        return self.request("PUT", path, body)


# ------------------------------------------------------------------------------ parsing


def parse_xml(body: bytes | str) -> ET.Element:
    """An ISAPI document with namespaces dropped; ``ValueError`` when it is not XML."""
    raw = body.encode() if isinstance(body, str) else body
    if b"<!DOCTYPE" in raw or b"<!ENTITY" in raw:
        raise ValueError("a DTD in a device answer is refused")
    try:
        # No DTD (refused above), so no entity can expand.
        root = ET.fromstring(raw)  # noqa: S314
    except ET.ParseError as exc:
        raise ValueError(f"not XML: {exc}") from None
    for element in root.iter():
        element.tag = element.tag.rsplit("}", 1)[-1]
    return root


def find_text(element: ET.Element, path: str) -> str | None:
    found = element.find(path)
    if found is None:
        return None
    return (found.text or "").strip()


def _bool(value: str | None) -> bool | None:
    if value is None:
        return None
    return value.strip().lower() == "true"


def parse_device_info(body: bytes | str) -> dict[str, Any]:
    root = parse_xml(body)
    return {
        "name": find_text(root, "deviceName"),
        "model": find_text(root, "model"),
        "serial": find_text(root, "serialNumber"),
        "mac": find_text(root, "macAddress"),
        "firmware": find_text(root, "firmwareVersion"),
        "device_type": find_text(root, "deviceType"),
    }


def parse_time(body: bytes | str) -> dict[str, Any]:
    """``timeMode``, ``timeZone`` and ``localTime`` (an aware datetime when it has an offset)."""
    root = parse_xml(body)
    local = find_text(root, "localTime")
    when: dt.datetime | None = None
    if local:
        try:
            when = dt.datetime.fromisoformat(local)
        except ValueError:
            when = None
    return {
        "mode": find_text(root, "timeMode"),
        "zone": find_text(root, "timeZone"),
        "local_time": when,
    }


def parse_ntp_servers(body: bytes | str) -> list[str]:
    """The addresses (or host names) of an ``NTPServerList``, in order."""
    root = parse_xml(body)
    servers = [root] if root.tag == "NTPServer" else root.findall("NTPServer")
    out = []
    for server in servers:
        kind = find_text(server, "addressingFormatType")
        value = find_text(server, "hostName" if kind == "hostname" else "ipAddress")
        if value:
            out.append(value)
    return out


def parse_enabled(body: bytes | str) -> bool | None:
    """``<enabled>`` of a toggle resource (UPnP, EZVIZ, telnetd, ssh)."""
    root = parse_xml(body)
    return _bool(find_text(root, "enabled"))


def parse_users(body: bytes | str) -> list[dict[str, str]]:
    root = parse_xml(body)
    users = [root] if root.tag == "User" else root.findall("User")
    return [
        {
            "id": find_text(u, "id") or "",
            "name": find_text(u, "userName") or "",
            "level": find_text(u, "userLevel") or find_text(u, "userType") or "",
        }
        for u in users
    ]


def parse_admin_accesses(body: bytes | str) -> dict[str, bool]:
    """Protocol name (upper case) → enabled, from ``AdminAccessProtocolList``."""
    root = parse_xml(body)
    out: dict[str, bool] = {}
    for entry in root.findall("AdminAccessProtocol"):
        protocol = (find_text(entry, "protocol") or "").upper()
        if protocol:
            out[protocol] = bool(_bool(find_text(entry, "enabled")))
    return out


def parse_channel_status(body: bytes | str) -> list[dict[str, Any]]:
    """IP channels of a recorder: id, the camera's address and whether it is online."""
    root = parse_xml(body)
    out = []
    for entry in root.findall("InputProxyChannelStatus"):
        out.append(
            {
                "id": find_text(entry, "id"),
                "ip": find_text(entry, "sourceInputPortDescriptor/ipAddress"),
                "online": _bool(find_text(entry, "online")),
            }
        )
    return out


def parse_tracks(body: bytes | str) -> dict[str, bool]:
    """Channel id → whether its main-stream track records (``Enable`` and a recording mode)."""
    root = parse_xml(body)
    out: dict[str, bool] = {}
    for track in root.findall("Track"):
        channel = find_text(track, "Channel")
        track_id = find_text(track, "id") or ""
        if channel is None or not track_id.endswith("01"):
            continue  # sub-stream tracks (x02, x03) do not decide whether a channel records
        mode = (find_text(track, "DefaultRecordingMode") or "").upper()
        out[channel] = bool(_bool(find_text(track, "Enable"))) and mode not in ("", "NONE")
    return out


def response_status(body: bytes | str) -> tuple[int | None, str]:
    """``statusCode`` and ``subStatusCode`` of a ``ResponseStatus`` answer."""
    try:
        root = parse_xml(body)
    except ValueError:
        return None, "not XML"
    code = find_text(root, "statusCode")
    return (int(code) if code and code.isdigit() else None), (
        find_text(root, "subStatusCode") or find_text(root, "statusString") or ""
    )
