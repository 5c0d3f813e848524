"""The voice part of the lab: a SIP responder, a SIP OPTIONS client and phone provisioning.

* :class:`SipResponder` runs ``sipp`` (Debian package ``sip-tester``) as a user agent server
  on a loopback UDP port. It answers every ``OPTIONS`` with ``200 OK`` carrying ``Allow``,
  ``Supported`` and ``User-Agent: Asterisk PBX (kentops lab)``, the way an Asterisk PBX
  answers a qualify probe. sipp's control and RTP echo sockets are bound to the same loopback
  address (sipp moves them to the next free port when the default one is taken).
* :func:`sip_options_ping` is a small SIP client over UDP (RFC 3261): one ``OPTIONS``
  transaction with a proper ``Via`` branch, retransmitted on timer A, matched on branch,
  Call-ID and CSeq; provisional answers are skipped. It returns the final answer or raises
  ``TimeoutError``.
* :class:`ProvisioningServer` serves a directory of rendered phone files over HTTP (Yealink
  ``<mac>.cfg`` and ``y000000000000.cfg``), read-only: ``GET``/``HEAD`` of a regular file under
  the root, ``404`` for anything else, ``403`` for paths that try to leave the root. Every
  request is recorded (time, client, path, status, the phone's MAC from the file name or the
  Yealink ``User-Agent``) so a test can assert that a phone fetched its file.

* :class:`PbxApiServer` is the PBX's management interface, read-only, over HTTP: ``GET
  /config/<file>`` answers the configuration files the PBX runs (``pjsip.conf``,
  ``extensions.conf``: what an engineer reads in ``/etc/asterisk`` over SSH), ``GET
  /ari/endpoints/PJSIP`` lists its PJSIP endpoints in the shape of Asterisk's ARI
  (``technology``, ``resource``, ``state`` online/offline, ``channel_ids``). A lab phone is
  registered (``online``) when the provisioning root holds its file: the phone booted with
  it and registered with the account it names (``account.1.user_name``).

The daemon entry point::

    python -m kentops.lab.voice serve --provisioning-root DIR --ports-out ports.json \\
        [--bind 127.0.0.1] [--sip-port 0] [--http-port 0] [--requests-log FILE] [--no-sip] \\
        [--pbx-config DIR]

It starts both services, writes ``{"bind": ..., "pid": ..., "sip": PORT, "provisioning":
PORT, "pbx": PORT}`` to ``--ports-out`` (atomically, when all answer; ``"sip"`` is null with
``--no-sip``, ``"pbx"`` without ``--pbx-config``), appends one JSON line per provisioning
request to ``--requests-log``, runs until
SIGTERM or SIGINT, then stops both, removes the ports file and exits 0. Exit code 2: invalid
arguments or sipp missing (without ``--no-sip``); 1: a service could not start or sipp died.
"""

from __future__ import annotations

import argparse
import json
import logging
import mimetypes
import os
import re
import secrets
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, field
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any, TypedDict
from urllib.parse import unquote, urlsplit

from kentops.lab.daemon import StopOnExit, stop_on_signals, write_json_atomic

__all__ = [
    "SIP_USER_AGENT",
    "PbxApiServer",
    "PjsipSection",
    "ProvisioningRequest",
    "ProvisioningServer",
    "SipOptionsResult",
    "SipResponder",
    "main",
    "parse_pjsip",
    "sip_options_ping",
    "sipp_available",
]

_LOG = logging.getLogger(__name__)

SIP_USER_AGENT = "Asterisk PBX (kentops lab)"
_SIP_ALLOW = "INVITE, ACK, CANCEL, OPTIONS, BYE, REFER, SUBSCRIBE, NOTIFY, INFO, PUBLISH, MESSAGE"
_SIP_SUPPORTED = "replaces, timer"
_T1 = 0.5  # RFC 3261 timer T1 (s)
_T2 = 4.0  # RFC 3261 timer T2 (s)


def sipp_available() -> bool:
    """True when the ``sipp`` binary is on PATH."""
    return shutil.which("sipp") is not None


# --------------------------------------------------------------------------------------------
# SIP responder (sipp as UAS)

_UAS_SCENARIO = """<?xml version="1.0" encoding="ISO-8859-1" ?>
<!-- Answers one OPTIONS per call (sipp starts a call for every new Call-ID). -->
<scenario name="kentops lab: answer OPTIONS like an Asterisk PBX">
  <recv request="OPTIONS" />
  <send>
    <![CDATA[

      SIP/2.0 200 OK
      [last_Via:]
      [last_From:]
      [last_To:];tag=[pid]kentops[call_number]
      [last_Call-ID:]
      [last_CSeq:]
      Contact: <sip:[local_ip]:[local_port];transport=[transport]>
      Allow: {allow}
      Supported: {supported}
      Accept: application/sdp
      User-Agent: {user_agent}
      Content-Length: 0

    ]]>
  </send>
</scenario>
"""


def _free_udp_port(bind: str) -> int:
    family = socket.AF_INET6 if ":" in bind else socket.AF_INET
    with socket.socket(family, socket.SOCK_DGRAM) as probe:
        probe.bind((bind, 0))
        port: int = probe.getsockname()[1]
        return port


class SipResponder(StopOnExit):
    """``sipp`` answering SIP ``OPTIONS`` with ``200 OK`` on a loopback UDP port.

    ``port=0`` picks a free port. ``start`` returns the port once sipp answers a probe;
    ``stop`` terminates sipp and removes its scenario directory.
    """

    def __init__(self, bind: str = "127.0.0.1", port: int = 0, *, user_agent: str = SIP_USER_AGENT):
        self.bind = bind
        self.port = port
        self.user_agent = user_agent
        self._process: subprocess.Popen[bytes] | None = None
        self._workdir: Path | None = None

    def __enter__(self) -> SipResponder:
        self.start()
        return self

    @property
    def running(self) -> bool:
        return self._process is not None and self._process.poll() is None

    def start(self, ready_timeout: float = 10.0) -> int:
        """Start sipp; returns the UDP port once it has answered an OPTIONS probe."""
        if self._process is not None:
            raise RuntimeError("the SIP responder is already running")
        sipp = shutil.which("sipp")
        if sipp is None:
            raise FileNotFoundError(
                "sipp is not installed (Debian package sip-tester: apt-get install -y sip-tester)"
            )
        self._workdir = Path(tempfile.mkdtemp(prefix="kentops-sipp-"))
        scenario = self._workdir / "options-uas.xml"
        scenario.write_text(
            _UAS_SCENARIO.format(
                allow=_SIP_ALLOW, supported=_SIP_SUPPORTED, user_agent=self.user_agent
            ),
            encoding="ascii",
        )
        attempts = 3 if self.port == 0 else 1
        last_error = ""
        try:
            for _ in range(attempts):
                port = self.port or _free_udp_port(self.bind)
                error = self._launch(sipp, scenario, port, ready_timeout)
                if error is None:
                    self.port = port
                    return port
                last_error = error
        except BaseException:
            self.stop()
            raise
        self._cleanup()
        raise RuntimeError(f"sipp did not start on {self.bind}: {last_error}")

    def _launch(self, sipp: str, scenario: Path, port: int, ready_timeout: float) -> str | None:
        assert self._workdir is not None
        stderr_path = self._workdir / "sipp.stderr"
        command = [
            sipp,
            "-sf",
            str(scenario),
            "-t",
            "u1",
            "-i",
            self.bind,
            "-p",
            str(port),
            "-ci",
            self.bind,
            "-mi",
            self.bind,
            "-nostdin",
        ]
        with stderr_path.open("wb") as stderr:
            self._process = subprocess.Popen(
                command,
                cwd=self._workdir,
                stdin=subprocess.DEVNULL,
                stdout=subprocess.DEVNULL,
                stderr=stderr,
                start_new_session=True,
            )
        deadline = time.monotonic() + ready_timeout
        while time.monotonic() < deadline:
            if self._process.poll() is not None:
                self._process = None
                text = stderr_path.read_text(encoding="utf-8", errors="replace").strip()
                return text.splitlines()[-1] if text else "sipp exited"
            try:
                sip_options_ping(self.bind, port, timeout=0.3)
            except TimeoutError:
                continue
            _LOG.info("sipp answers SIP OPTIONS on %s:%d", self.bind, port)
            return None
        self._terminate()
        return f"no answer to OPTIONS within {ready_timeout} s"

    def _terminate(self) -> None:
        process, self._process = self._process, None
        if process is None or process.poll() is not None:
            return
        process.terminate()
        try:
            process.wait(timeout=5)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=5)

    def _cleanup(self) -> None:
        if self._workdir is not None:
            shutil.rmtree(self._workdir, ignore_errors=True)
            self._workdir = None

    def stop(self) -> None:
        """Terminate sipp (SIGTERM, then SIGKILL after 5 s) and remove its files."""
        self._terminate()
        self._cleanup()


# --------------------------------------------------------------------------------------------
# SIP OPTIONS client


class SipOptionsResult(TypedDict):
    """The final answer to an OPTIONS request."""

    status: int
    reason: str
    headers: dict[str, str]
    rtt_ms: float


_COMPACT_HEADERS = {
    "i": "Call-ID",
    "m": "Contact",
    "e": "Content-Encoding",
    "l": "Content-Length",
    "c": "Content-Type",
    "f": "From",
    "s": "Subject",
    "k": "Supported",
    "t": "To",
    "v": "Via",
}
_SPECIAL_CASE = {"call-id": "Call-ID", "cseq": "CSeq", "www-authenticate": "WWW-Authenticate"}
_STATUS_LINE_RE = re.compile(r"^SIP/2\.0 (\d{3}) ?(.*)$")


def _canonical_header(name: str) -> str:
    lower = name.strip().lower()
    if lower in _COMPACT_HEADERS:
        return _COMPACT_HEADERS[lower]
    if lower in _SPECIAL_CASE:
        return _SPECIAL_CASE[lower]
    return "-".join(part.capitalize() for part in lower.split("-"))


def _parse_sip_response(data: bytes) -> tuple[int, str, dict[str, str]] | None:
    text = data.decode("utf-8", errors="replace")
    head = re.split(r"\r?\n\r?\n", text, maxsplit=1)[0]
    lines = re.split(r"\r?\n", head)
    match = _STATUS_LINE_RE.match(lines[0])
    if match is None:
        return None
    unfolded: list[str] = []
    for line in lines[1:]:
        if line[:1] in (" ", "\t") and unfolded:
            unfolded[-1] += " " + line.strip()
        elif line:
            unfolded.append(line)
    headers: dict[str, str] = {}
    for line in unfolded:
        name, sep, value = line.partition(":")
        if not sep:
            return None
        key = _canonical_header(name)
        headers[key] = f"{headers[key]}, {value.strip()}" if key in headers else value.strip()
    return int(match.group(1)), match.group(2).strip(), headers


def _host_literal(host: str) -> str:
    return f"[{host}]" if ":" in host else host


def sip_options_ping(host: str, port: int, timeout: float = 2.0) -> SipOptionsResult:
    """Send one SIP OPTIONS over UDP; return the final answer or raise ``TimeoutError``.

    The request is retransmitted on RFC 3261 timer A (0.5 s, doubling up to 4 s) until a final
    answer or ``timeout``. ``rtt_ms`` counts from the first transmission.
    """
    infos = socket.getaddrinfo(host, port, type=socket.SOCK_DGRAM)
    family, _type, _proto, _name, remote = infos[0]
    with socket.socket(family, socket.SOCK_DGRAM) as route:
        route.connect(remote)  # UDP connect sends nothing; it only picks the source address
        local_ip = route.getsockname()[0]
    with socket.socket(family, socket.SOCK_DGRAM) as sock:
        sock.bind((local_ip, 0))
        local_port = sock.getsockname()[1]
        branch = "z9hG4bK" + secrets.token_hex(10)
        call_id = f"{secrets.token_hex(12)}@{_host_literal(local_ip)}"
        target = f"sip:{_host_literal(host)}:{port}"
        local = f"{_host_literal(local_ip)}:{local_port}"
        request = (
            f"OPTIONS {target} SIP/2.0\r\n"
            f"Via: SIP/2.0/UDP {local};branch={branch};rport\r\n"
            "Max-Forwards: 70\r\n"
            f"From: <sip:kentops@{_host_literal(local_ip)}>;tag={secrets.token_hex(6)}\r\n"
            f"To: <{target}>\r\n"
            f"Call-ID: {call_id}\r\n"
            "CSeq: 1 OPTIONS\r\n"
            f"Contact: <sip:kentops@{local}>\r\n"
            "Accept: application/sdp\r\n"
            "User-Agent: kentops\r\n"
            "Content-Length: 0\r\n"
            "\r\n"
        ).encode()
        started = time.monotonic()
        deadline = started + timeout
        interval = _T1
        next_send = started
        while True:
            now = time.monotonic()
            if now >= deadline:
                raise TimeoutError(f"no SIP answer from {host}:{port} within {timeout:g} s")
            if now >= next_send:
                sock.sendto(request, remote)
                next_send = now + interval
                interval = min(interval * 2, _T2)
            sock.settimeout(max(0.001, min(deadline, next_send) - now))
            try:
                data, _source = sock.recvfrom(65535)
            except TimeoutError:
                continue
            parsed = _parse_sip_response(data)
            if parsed is None:
                continue
            status, reason, headers = parsed
            via = headers.get("Via", "").split(",")[0]
            if (
                f"branch={branch}" not in via
                or headers.get("Call-ID") != call_id
                or headers.get("CSeq", "").split() != ["1", "OPTIONS"]
            ):
                continue  # a stray or late datagram from another transaction
            if status < 200:
                continue  # provisional; keep waiting for the final answer
            return SipOptionsResult(
                status=status,
                reason=reason,
                headers=headers,
                rtt_ms=round((time.monotonic() - started) * 1000, 3),
            )


# --------------------------------------------------------------------------------------------
# Provisioning server

_MAC_FILE_RE = re.compile(r"^([0-9a-fA-F]{12})\.(?:cfg|boot|xml)$")
_MAC_IN_AGENT_RE = re.compile(r"\b([0-9a-fA-F]{2}(?::[0-9a-fA-F]{2}){5})\b")
_COMMON_FILE_MACS = {"000000000000"}


def normalize_mac(mac: str) -> str:
    """``001565AABBCC``, ``00-15-65-aa-bb-cc`` ... → ``00:15:65:aa:bb:cc``."""
    digits = re.sub(r"[^0-9a-fA-F]", "", mac).lower()
    if len(digits) != 12:
        raise ValueError(f"not a MAC address: {mac!r}")
    return ":".join(digits[i : i + 2] for i in range(0, 12, 2))


@dataclass(frozen=True)
class ProvisioningRequest:
    """One request the provisioning server answered."""

    time: float  # seconds since the epoch
    client: str
    method: str
    path: str
    status: int
    mac: str | None  # 00:15:65:aa:bb:cc, from the file name or the Yealink User-Agent
    user_agent: str | None
    bytes_sent: int


class _ProvisioningHTTPServer(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, address: tuple[str, int], owner: ProvisioningServer):
        self.owner = owner
        super().__init__(address, _ProvisioningHandler)


class _ProvisioningHandler(BaseHTTPRequestHandler):
    server_version = "kentops-provisioning"
    sys_version = ""
    timeout = 15.0

    def do_GET(self) -> None:
        self._serve(head=False)

    def do_HEAD(self) -> None:
        self._serve(head=True)

    def do_PUT(self) -> None:
        self._refuse()

    def do_POST(self) -> None:
        self._refuse()

    def do_DELETE(self) -> None:
        self._refuse()

    def _refuse(self) -> None:
        self._answer(HTTPStatus.METHOD_NOT_ALLOWED, b"read-only\n", None, head=False)

    def log_message(self, format: str, *args: Any) -> None:
        _LOG.debug("%s %s", self.address_string(), format % args)

    def _serve(self, *, head: bool) -> None:
        server = self.server
        assert isinstance(server, _ProvisioningHTTPServer)
        status, file = server.owner.resolve(self.path)
        if file is None:
            message = b"forbidden\n" if status == HTTPStatus.FORBIDDEN else b"not found\n"
            self._answer(status, message, None, head=head)
            return
        self._answer(HTTPStatus.OK, file.read_bytes(), file, head=head)

    def _answer(self, status: int, body: bytes, file: Path | None, *, head: bool) -> None:
        server = self.server
        assert isinstance(server, _ProvisioningHTTPServer)
        # Logged before the answer leaves, so a client that has its answer finds it logged.
        server.owner.record(
            client=self.client_address[0],
            method=self.command,
            path=self.path,
            status=status,
            user_agent=self.headers.get("User-Agent"),
            bytes_sent=0 if head else len(body),
        )
        self.send_response(status)
        if file is None:
            content_type = "text/plain; charset=utf-8"
        elif file.suffix in (".cfg", ".boot"):
            content_type = "text/plain"
        else:
            content_type = mimetypes.guess_type(file.name)[0] or "application/octet-stream"
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if not head:
            self.wfile.write(body)


class ProvisioningServer(StopOnExit):
    """Read-only HTTP server for a directory of rendered phone provisioning files.

    ``requests`` lists every answered request (oldest first); ``on_request`` (optional) is
    called with each one as it happens.
    """

    def __init__(
        self,
        root: Path,
        bind: str = "127.0.0.1",
        port: int = 0,
        *,
        on_request: Callable[[ProvisioningRequest], None] | None = None,
    ):
        self.root = Path(root)
        self.bind = bind
        self.port = port
        self._on_request = on_request
        self._requests: list[ProvisioningRequest] = []
        self._lock = threading.Lock()
        self._server: _ProvisioningHTTPServer | None = None
        self._thread: threading.Thread | None = None

    def __enter__(self) -> ProvisioningServer:
        self.start()
        return self

    @property
    def requests(self) -> list[ProvisioningRequest]:
        """A copy of the request log, oldest first."""
        with self._lock:
            return list(self._requests)

    def fetched_by(self, mac: str) -> list[ProvisioningRequest]:
        """The successful fetches by the phone with this MAC (any common notation)."""
        wanted = normalize_mac(mac)
        return [r for r in self.requests if r.mac == wanted and r.status == HTTPStatus.OK]

    def start(self) -> int:
        """Start serving; returns the TCP port."""
        if self._server is not None:
            raise RuntimeError("the provisioning server is already running")
        if not self.root.is_dir():
            raise FileNotFoundError(f"provisioning root is not a directory: {self.root}")
        self._server = _ProvisioningHTTPServer((self.bind, self.port), self)
        self.port = self._server.server_address[1]
        self._thread = threading.Thread(
            target=self._server.serve_forever,
            kwargs={"poll_interval": 0.2},
            name="kentops-provisioning",
            daemon=True,
        )
        self._thread.start()
        return self.port

    def stop(self) -> None:
        """Stop serving and free the port."""
        if self._server is None:
            return
        self._server.shutdown()
        self._server.server_close()
        if self._thread is not None:
            self._thread.join(timeout=5)
        self._server = None
        self._thread = None

    def resolve(self, target: str) -> tuple[int, Path | None]:
        """Map a request target to a file under the root: ``(200, path)`` or ``(4xx, None)``."""
        path = unquote(urlsplit(target).path)
        if "\x00" in path or "\\" in path:
            return HTTPStatus.FORBIDDEN, None
        parts = [p for p in path.split("/") if p not in ("", ".")]
        if any(p == ".." for p in parts):
            return HTTPStatus.FORBIDDEN, None
        if not parts or any(p.startswith(".") for p in parts):
            return HTTPStatus.NOT_FOUND, None
        root = self.root.resolve()
        candidate = root.joinpath(*parts).resolve()
        if not candidate.is_relative_to(root):
            return HTTPStatus.FORBIDDEN, None  # a symbolic link pointing out of the root
        if not candidate.is_file():
            return HTTPStatus.NOT_FOUND, None
        return HTTPStatus.OK, candidate

    def record(
        self,
        *,
        client: str,
        method: str,
        path: str,
        status: int,
        user_agent: str | None,
        bytes_sent: int,
    ) -> None:
        """Add one answered request to the log (called by the request handler)."""
        mac: str | None = None
        name = unquote(urlsplit(path).path).rsplit("/", 1)[-1]
        file_match = _MAC_FILE_RE.match(name)
        if file_match and file_match.group(1).lower() not in _COMMON_FILE_MACS:
            mac = normalize_mac(file_match.group(1))
        elif user_agent and (agent_match := _MAC_IN_AGENT_RE.search(user_agent)):
            mac = normalize_mac(agent_match.group(1))
        entry = ProvisioningRequest(
            time=time.time(),
            client=client,
            method=method,
            path=path,
            status=int(status),
            mac=mac,
            user_agent=user_agent,
            bytes_sent=bytes_sent,
        )
        with self._lock:
            self._requests.append(entry)
        _LOG.info("provisioning %s %s %s -> %d", client, method, path, status)
        if self._on_request is not None:
            self._on_request(entry)


# --------------------------------------------------------------------------------------------
# PBX management interface

_CONFIG_NAME_RE = re.compile(r"^[a-z0-9_]+\.conf$")
_USER_NAME_RE = re.compile(r"^account\.1\.user_name\s*=\s*(\S+)\s*$", re.MULTILINE)
_SECTION_RE = re.compile(r"^\[([^\]]+)\](?:\(([^)]*)\))?\s*$")


@dataclass
class PjsipSection:
    name: str
    options: dict[str, str] = field(default_factory=dict)
    template: bool = False


def parse_pjsip(text: str) -> list[PjsipSection]:
    """The sections of a ``pjsip.conf``, each with its templates' options merged in (the
    section's own options win); templates themselves are marked ``template``."""
    raw: list[tuple[str, list[str], dict[str, str]]] = []
    for raw_line in text.splitlines():
        line = raw_line.split(";", 1)[0].strip()
        if not line:
            continue
        match = _SECTION_RE.match(line)
        if match:
            parents = [p.strip() for p in (match.group(2) or "").split(",") if p.strip()]
            raw.append((match.group(1), parents, {}))
        elif "=" in line and raw:
            key, _, value = line.partition("=")
            key = key.strip().rstrip(">").strip()
            raw[-1][2][key] = value.strip()
    templates: dict[str, dict[str, str]] = {}
    sections: list[PjsipSection] = []
    for name, parents, options in raw:
        merged: dict[str, str] = {}
        for parent in parents:
            merged.update(templates.get(parent, {}))
        merged.update(options)
        is_template = "!" in parents
        if is_template:
            templates[name] = merged
        sections.append(PjsipSection(name, merged, is_template))
    return sections


def pjsip_endpoints(text: str) -> list[str]:
    """Names of the ``type=endpoint`` sections of a ``pjsip.conf`` (templates resolved)."""
    return [
        s.name for s in parse_pjsip(text) if not s.template and s.options.get("type") == "endpoint"
    ]


class _PbxHandler(BaseHTTPRequestHandler):
    server_version = "kentops-pbx"
    sys_version = ""
    timeout = 15.0

    def log_message(self, format: str, *args: Any) -> None:
        _LOG.debug("%s %s", self.address_string(), format % args)

    def do_GET(self) -> None:
        server = self.server
        assert isinstance(server, _PbxHTTPServer)
        status, body, content_type = server.owner.answer(unquote(urlsplit(self.path).path))
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)


class _PbxHTTPServer(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, address: tuple[str, int], owner: PbxApiServer):
        self.owner = owner
        super().__init__(address, _PbxHandler)


class PbxApiServer(StopOnExit):
    """The PBX's read-only management interface (see the module documentation)."""

    def __init__(self, config_dir: Path, provisioning_root: Path, bind: str = "127.0.0.1"):
        self.config_dir = Path(config_dir)
        self.provisioning_root = Path(provisioning_root)
        self.bind = bind
        self.port = 0
        self._server: _PbxHTTPServer | None = None
        self._thread: threading.Thread | None = None

    def __enter__(self) -> PbxApiServer:
        self.start()
        return self

    def registered(self) -> set[str]:
        """Extensions of the phones whose provisioning file is served."""
        found: set[str] = set()
        for file in sorted(self.provisioning_root.glob("*.cfg")):
            match = _USER_NAME_RE.search(file.read_text(encoding="utf-8", errors="replace"))
            if match:
                found.add(match.group(1))
        return found

    def answer(self, path: str) -> tuple[int, bytes, str]:
        text = "text/plain; charset=utf-8"
        if path == "/ari/endpoints/PJSIP":
            pjsip = self.config_dir / "pjsip.conf"
            if not pjsip.is_file():
                return HTTPStatus.NOT_FOUND, b"no pjsip.conf\n", text
            online = self.registered()
            endpoints: list[dict[str, Any]] = [
                {
                    "technology": "PJSIP",
                    "resource": name,
                    "state": "online" if name in online else "offline",
                    "channel_ids": [],
                }
                for name in pjsip_endpoints(pjsip.read_text(encoding="utf-8"))
            ]
            return HTTPStatus.OK, json.dumps(endpoints).encode(), "application/json"
        name = path.removeprefix("/config/")
        if path.startswith("/config/") and _CONFIG_NAME_RE.match(name):
            file = self.config_dir / name
            if file.is_file():
                return HTTPStatus.OK, file.read_bytes(), text
        return HTTPStatus.NOT_FOUND, b"not found\n", text

    def start(self) -> int:
        if self._server is not None:
            raise RuntimeError("the PBX interface is already running")
        self._server = _PbxHTTPServer((self.bind, 0), self)
        self.port = self._server.server_address[1]
        self._thread = threading.Thread(
            target=self._server.serve_forever,
            kwargs={"poll_interval": 0.2},
            name="kentops-pbx",
            daemon=True,
        )
        self._thread.start()
        return self.port

    def stop(self) -> None:
        if self._server is None:
            return
        self._server.shutdown()
        self._server.server_close()
        if self._thread is not None:
            self._thread.join(timeout=5)
        self._server = None
        self._thread = None


# --------------------------------------------------------------------------------------------
# Daemon entry point


def main(argv: Sequence[str] | None = None) -> int:
    """``python -m kentops.lab.voice serve ...``; see the module documentation."""
    parser = argparse.ArgumentParser(
        prog="python -m kentops.lab.voice",
        description="Voice lab: sipp answering SIP OPTIONS, and phone provisioning over HTTP.",
    )
    commands = parser.add_subparsers(dest="command", required=True)
    serve = commands.add_parser("serve", help="serve SIP and provisioning until SIGTERM")
    serve.add_argument("--provisioning-root", type=Path, required=True)
    serve.add_argument("--ports-out", type=Path, required=True)
    serve.add_argument("--bind", default="127.0.0.1")
    serve.add_argument("--sip-port", type=int, default=0)
    serve.add_argument("--http-port", type=int, default=0)
    serve.add_argument("--requests-log", type=Path, help="append each request as a JSON line")
    serve.add_argument("--no-sip", action="store_true", help="serve provisioning only")
    serve.add_argument("--pbx-config", type=Path, help="the PBX's configuration files")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(message)s")

    for folder in (args.provisioning_root, args.pbx_config):
        if folder is not None and not folder.is_dir():
            print(f"kentops.lab.voice: not a directory: {folder}", file=sys.stderr)
            return 2
    if not args.no_sip and not sipp_available():
        print(
            "kentops.lab.voice: sipp is missing (apt-get install -y sip-tester), or pass --no-sip",
            file=sys.stderr,
        )
        return 2

    log_lock = threading.Lock()

    def log_request(entry: ProvisioningRequest) -> None:
        if args.requests_log is None:
            return
        line = json.dumps(asdict(entry), ensure_ascii=False) + "\n"
        with log_lock, args.requests_log.open("a", encoding="utf-8") as log:
            log.write(line)

    stop = stop_on_signals()
    provisioning = ProvisioningServer(
        args.provisioning_root, args.bind, args.http_port, on_request=log_request
    )
    sip = None if args.no_sip else SipResponder(args.bind, args.sip_port)
    pbx = (
        PbxApiServer(args.pbx_config, args.provisioning_root, args.bind)
        if args.pbx_config is not None
        else None
    )
    try:
        try:
            http_port = provisioning.start()
            sip_port = sip.start() if sip is not None else None
            pbx_port = pbx.start() if pbx is not None else None
        except (OSError, RuntimeError) as exc:
            print(f"kentops.lab.voice: {exc}", file=sys.stderr)
            return 1
        write_json_atomic(
            args.ports_out,
            {
                "bind": args.bind,
                "pid": os.getpid(),
                "sip": sip_port,
                "provisioning": http_port,
                "pbx": pbx_port,
            },
        )
        while not stop.wait(1.0):
            if sip is not None and not sip.running:
                print("kentops.lab.voice: sipp exited unexpectedly", file=sys.stderr)
                return 1
    finally:
        if sip is not None:
            sip.stop()
        if pbx is not None:
            pbx.stop()
        provisioning.stop()
        args.ports_out.unlink(missing_ok=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
