"""tls_certificate: the certificate each HTTPS service presents, read by a TLS handshake.

Targets are the inventory's web services (every server service with an ``https://`` URL,
reached at the server's address with the URL's host name as SNI: the request never goes to
wherever the name resolves) and the HTTPS management of cameras and recorders. In the lab
they are the lab's own endpoints (lab host addresses, the simulated cameras on loopback);
against the real estate they are the inventory addresses, and only with
``KENTOPS_SERVERS_LIVE=1``.

Each handshake first reads the leaf certificate without judging it (so an expired or
self-signed one is still recorded), then verifies chain and name against the trust store:
the system store, ``KENTOPS_TLS_CA_FILE`` when set, and in the lab the lab CA of the cameras.
One item per asset, with the PEM of every certificate read as raw content; services that
could not be reached are named in the item with the reason, and an asset none of whose
services answered gets no item (its controls stay not assessed).
"""

from __future__ import annotations

import hashlib
import os
import socket
import ssl
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from urllib.parse import urlsplit

from cryptography import x509
from cryptography.hazmat.primitives import serialization

from kentops.compliance.evidence import CollectContext, EvidenceItem, NotCollected, json_text
from kentops.compliance.payloads import TlsCertificate, TlsCertificates
from kentops.inventory.model import Camera, Nvr, Server

TIMEOUT_S = 3.0
CA_FILE_ENV = "KENTOPS_TLS_CA_FILE"


@dataclass(frozen=True)
class Target:
    asset_id: str
    service: str  # the URL, or https://<address>:<port> for a device's management
    address: str
    port: int
    server_name: str | None
    ca_file: str | None


@dataclass(frozen=True)
class Read:
    target: Target
    certificate: TlsCertificate | None
    pem: str | None
    error: str | None


def _name(value: x509.Name) -> str:
    return value.rfc4514_string()


def describe(der: bytes, target: Target) -> tuple[TlsCertificate, str]:
    """The payload of one DER certificate and its PEM (not yet verified)."""
    cert = x509.load_der_x509_certificate(der)
    names: list[str] = []
    try:
        san = cert.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
        names = [*san.get_values_for_type(x509.DNSName)]
        names += [str(ip) for ip in san.get_values_for_type(x509.IPAddress)]
    except x509.ExtensionNotFound:
        pass  # a certificate without subjectAltName: ``names`` stays empty, as read
    payload = TlsCertificate(
        service=target.service,
        address=target.address,
        port=target.port,
        server_name=target.server_name,
        subject=_name(cert.subject),
        issuer=_name(cert.issuer),
        not_before=cert.not_valid_before_utc,
        not_after=cert.not_valid_after_utc,
        names=names,
        sha256=hashlib.sha256(der).hexdigest(),
    )
    return payload, cert.public_bytes(serialization.Encoding.PEM).decode()


def _handshake(target: Target, context: ssl.SSLContext) -> bytes:
    with (
        socket.create_connection((target.address, target.port), timeout=TIMEOUT_S) as sock,
        context.wrap_socket(sock, server_hostname=target.server_name or target.address) as tls,
    ):
        der = tls.getpeercert(binary_form=True)
    if not der:
        raise ssl.SSLError("the server sent no certificate")
    return der


def read_certificate(target: Target) -> Read:
    """Handshake once to read the certificate, once more to verify it; bounded by TIMEOUT_S."""
    reader = ssl.create_default_context()
    reader.check_hostname = False
    reader.verify_mode = ssl.CERT_NONE
    try:
        der = _handshake(target, reader)
    except (OSError, ssl.SSLError) as exc:
        return Read(target, None, None, f"{type(exc).__name__}: {exc}")
    payload, pem = describe(der, target)
    verifier = ssl.create_default_context(cafile=target.ca_file)
    try:
        _handshake(target, verifier)
    except ssl.SSLCertVerificationError as exc:
        payload = payload.model_copy(
            update={"verified": False, "verify_error": exc.verify_message or str(exc)}
        )
    except (OSError, ssl.SSLError) as exc:
        # read but not verified: the second connection failed, not the certificate
        payload = payload.model_copy(
            update={"verified": None, "verify_error": f"{type(exc).__name__}: {exc}"}
        )
    else:
        payload = payload.model_copy(update={"verified": True})
    return Read(target, payload, pem, None)


def targets(ctx: CollectContext) -> list[Target]:
    """Every HTTPS service of the inventory this audit may reach (see the module doc)."""
    from kentops.inventory.adapters import endpoints
    from kentops.labstate import lab_dir, read_state

    reachable = endpoints(ctx.loaded, lab=ctx.lab)
    ca_file = os.environ.get(CA_FILE_ENV) or None
    lab_ca: str | None = None
    if ctx.lab:
        state = read_state(lab_dir(ctx.loaded.root))
        found = state.extra.get("cameras", {}).get("ca_file") if state is not None else None
        lab_ca = str(found) if found else None
    wanted = set(ctx.hosts) if ctx.hosts else None
    out: list[Target] = []
    for asset_id, target in sorted(reachable.items()):
        if wanted is not None and asset_id not in wanted:
            continue
        asset, endpoint = target.asset, target.endpoint
        if isinstance(asset, Server):
            for service in asset.services:
                if not service.url or not service.url.startswith("https://"):
                    continue
                parts = urlsplit(service.url)
                out.append(
                    Target(
                        asset_id,
                        service.url,
                        endpoint.address,
                        parts.port or 443,
                        parts.hostname,
                        endpoint.ca_file or ca_file,
                    )
                )
        elif isinstance(asset, Camera | Nvr) and endpoint.service in {"https", "http"}:
            port = endpoint.port if endpoint.service == "https" else 443
            out.append(
                Target(
                    asset_id,
                    f"https://{endpoint.address}:{port}/",
                    endpoint.address,
                    port,
                    None,
                    endpoint.ca_file or lab_ca or ca_file,
                )
            )
    return out


def read_all(planned: list[Target]) -> list[Read]:
    if not planned:
        return []
    with ThreadPoolExecutor(max_workers=min(16, len(planned))) as pool:
        return list(pool.map(read_certificate, planned))


class TlsCertificateCollector:
    """tls_certificate: the certificate of each HTTPS service, read in this run."""

    name = "tls_certificate"
    kinds: tuple[str, ...] = ("tls_certificate",)

    def collect(self, ctx: CollectContext) -> list[EvidenceItem]:
        from kentops.servers.collectors import failures_item, live_allowed

        live_allowed(ctx, "TLS certificates")
        reads = read_all(targets(ctx))
        if not reads:
            raise NotCollected("no HTTPS service to read (none in the inventory or the lab)")
        by_asset: dict[str, list[Read]] = {}
        for read in reads:
            by_asset.setdefault(read.target.asset_id, []).append(read)
        items: list[EvidenceItem] = []
        failures: dict[str, str] = {}
        for asset_id, asset_reads in by_asset.items():
            certs = [r.certificate for r in asset_reads if r.certificate is not None]
            unreachable = {r.target.service: r.error or "?" for r in asset_reads if r.error}
            if not certs:
                failures[asset_id] = "; ".join(f"{k}: {v}" for k, v in unreachable.items())
                continue
            raw = {
                "asset": asset_id,
                "certificates": [
                    {
                        **r.certificate.model_dump(mode="json"),
                        "pem": r.pem,
                    }
                    for r in asset_reads
                    if r.certificate is not None
                ],
                "unreachable": unreachable,
            }
            where = ", ".join(f"{r.target.address}:{r.target.port}" for r in asset_reads)
            items.append(
                EvidenceItem(
                    kind="tls_certificate",
                    name=f"tls_certificate/{asset_id}.json",
                    content=json_text(raw),
                    source=f"TLS handshake from this machine to {where}",
                    subject=asset_id,
                    data=TlsCertificates(
                        asset_id=asset_id, certificates=certs, unreachable=unreachable
                    ),
                )
            )
        if failures:
            items.append(failures_item("tls_certificate", failures, "TLS handshake (nothing read)"))
        return items
