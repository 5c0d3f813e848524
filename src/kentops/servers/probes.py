"""Service probes: each service of the inventory answers on its port at the server's address.

TCP services are probed by connecting; services with a URL by an HTTP(S) request whose
TLS certificate is verified against the name in the URL (the request goes to the server's
address, lab or real, never to wherever the name resolves). UDP services (DHCP, NTP,
RADIUS) need their own protocol to answer and are listed as not probed.
"""

from __future__ import annotations

import socket
import ssl
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from urllib.parse import urlsplit

from pydantic import BaseModel, ConfigDict

from kentops.inventory.model import Server, ServiceKind

UDP_SERVICES = frozenset({ServiceKind.DHCP, ServiceKind.NTP, ServiceKind.RADIUS})
TIMEOUT_S = 3.0


class Probe(BaseModel):
    """One probe as made: what, where, and what came back (the raw answer line)."""

    model_config = ConfigDict(frozen=True)

    service: str
    key: str  # the URL of the service, or tcp://<server>:<port>
    address: str
    port: int
    ok: bool
    answer: str | None = None
    status: int | None = None
    tls_valid: bool | None = None
    error: str | None = None
    seconds: float


def probe_key(server: Server, port: int) -> str:
    return f"tcp://{server.id}:{port}"


def plan(server: Server) -> list[tuple[str, str, int, str | None]]:
    """(service name, key, port, url) of every probe to make; UDP services left out."""
    probes: list[tuple[str, str, int, str | None]] = []
    for service in server.services:
        if service.url:
            parts = urlsplit(service.url)
            port = parts.port or (443 if parts.scheme == "https" else 80)
            probes.append((service.name, service.url, port, service.url))
        elif service.port is not None and service.kind not in UDP_SERVICES:
            probes.append((service.name, probe_key(server, service.port), service.port, None))
    return probes


def not_probed(server: Server) -> list[str]:
    """Services whose answer needs their own UDP protocol (named, not probed)."""
    return [
        f"{s.name} (udp/{s.port})"
        for s in server.services
        if s.kind in UDP_SERVICES and not s.url and s.port is not None
    ]


def _http(sock: socket.socket, url: str) -> tuple[int | None, str]:
    parts = urlsplit(url)
    path = parts.path or "/"
    request = f"GET {path} HTTP/1.1\r\nHost: {parts.hostname}\r\nConnection: close\r\n\r\n"
    sock.sendall(request.encode())
    first = sock.recv(256).split(b"\r\n", 1)[0].decode("latin-1", "replace")
    fields = first.split()
    status = int(fields[1]) if len(fields) >= 2 and fields[1].isdigit() else None
    return status, first


def probe_one(service: str, key: str, address: str, port: int, url: str | None) -> Probe:
    started = time.monotonic()

    def done(ok: bool, **kw: object) -> Probe:
        return Probe(
            service=service,
            key=key,
            address=address,
            port=port,
            ok=ok,
            seconds=round(time.monotonic() - started, 3),
            **kw,
        )

    try:
        sock = socket.create_connection((address, port), timeout=TIMEOUT_S)
    except OSError as exc:
        return done(False, error=f"{type(exc).__name__}: {exc.strerror or exc}")
    with sock:
        if url is None:
            return done(True, answer="connected")
        host = urlsplit(url).hostname or address
        try:
            if url.startswith("https://"):
                return _https(sock, url, host, address, port, done)
            status, line = _http(sock, url)
        except OSError as exc:
            return done(False, error=f"{type(exc).__name__}: {exc}")
        return done(status is not None and status < 500, status=status, answer=line)


def _https(
    sock: socket.socket,
    url: str,
    host: str,
    address: str,
    port: int,
    done: Callable[..., Probe],
) -> Probe:
    verified = ssl.create_default_context()
    try:
        with verified.wrap_socket(sock, server_hostname=host) as tls:
            status, line = _http(tls, url)
        result: Probe = done(
            status is not None and status < 500, status=status, answer=line, tls_valid=True
        )
        return result
    except ssl.SSLCertVerificationError as exc:
        reason = exc.verify_message or str(exc)
    unverified = ssl.create_default_context()
    unverified.check_hostname = False
    unverified.verify_mode = ssl.CERT_NONE
    with (
        socket.create_connection((address, port), timeout=TIMEOUT_S) as again,
        unverified.wrap_socket(again, server_hostname=host) as tls,
    ):
        status, line = _http(tls, url)
    return done(
        status is not None and status < 500,
        status=status,
        answer=line,
        tls_valid=False,
        error=f"certificate: {reason}",
    )


def probe_server(server: Server, address: str) -> list[Probe]:
    """Every TCP and HTTP(S) probe of one server at ``address``, in parallel."""
    planned = plan(server)
    if not planned:
        return []
    with ThreadPoolExecutor(max_workers=min(8, len(planned))) as pool:
        futures = [
            pool.submit(probe_one, name, key, address, port, url)
            for name, key, port, url in planned
        ]
        return [f.result() for f in futures]
