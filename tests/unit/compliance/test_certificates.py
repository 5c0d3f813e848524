"""The tls_certificate reader against real TLS servers on loopback: the certificate is read
even when it would not verify, verification is recorded, unreachable services are named."""

from __future__ import annotations

import datetime as dt
import socket
import ssl
import threading
from collections.abc import Iterator
from ipaddress import IPv4Address
from pathlib import Path

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from kentops.compliance.certificates import (
    Target,
    TlsCertificateCollector,
    read_certificate,
    targets,
)
from kentops.compliance.evidence import CollectContext, EvidenceSet, NotCollected
from kentops.inventory.loader import LoadedInventory
from kentops.lab.pki import private_pem, root_ca
from kentops.labstate import Endpoint, LabState, write_state

HOST = "www.ornek.bel.tr"


def _name(cn: str) -> x509.Name:
    return x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, cn)])


def make_pki(folder: Path, not_after: dt.datetime) -> tuple[Path, Path, Path]:
    """A CA and a leaf for HOST and 127.0.0.1 valid until ``not_after``: (ca, cert, key)."""
    now = dt.datetime.now(dt.UTC)
    ca_key, ca = root_ca(
        _name("Test CA"), now - dt.timedelta(days=400), now + dt.timedelta(days=400)
    )
    key = ec.generate_private_key(ec.SECP256R1())
    leaf = (
        x509.CertificateBuilder()
        .subject_name(_name(HOST))
        .issuer_name(ca.subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(days=300))
        .not_valid_after(not_after)
        .add_extension(
            x509.SubjectAlternativeName(
                [x509.DNSName(HOST), x509.IPAddress(IPv4Address("127.0.0.1"))]
            ),
            critical=False,
        )
        .sign(ca_key, hashes.SHA256())
    )
    folder.mkdir(parents=True, exist_ok=True)
    files = folder / "ca.pem", folder / "cert.pem", folder / "key.pem"
    files[0].write_bytes(ca.public_bytes(serialization.Encoding.PEM))
    files[1].write_bytes(leaf.public_bytes(serialization.Encoding.PEM))
    files[2].write_bytes(private_pem(key))
    return files


def serve_tls(cert: Path, key: Path) -> Iterator[int]:
    """A TLS server on 127.0.0.1 that completes handshakes until the test ends."""
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(cert, key)
    listener = socket.create_server(("127.0.0.1", 0))
    listener.settimeout(0.2)
    stop = threading.Event()

    def loop() -> None:
        while not stop.is_set():
            try:
                conn, _ = listener.accept()
            except TimeoutError:
                continue
            conn.settimeout(2)
            try:
                with context.wrap_socket(conn, server_side=True):
                    pass
            except (OSError, ssl.SSLError):
                conn.close()  # the verifying client hangs up on an untrusted certificate

    thread = threading.Thread(target=loop, daemon=True)
    thread.start()
    try:
        yield listener.getsockname()[1]
    finally:
        stop.set()
        thread.join(timeout=2)
        listener.close()


@pytest.fixture
def good(tmp_path: Path) -> Iterator[tuple[int, Path, dt.datetime]]:
    until = (dt.datetime.now(dt.UTC) + dt.timedelta(days=60)).replace(microsecond=0)
    ca, cert, key = make_pki(tmp_path / "good", until)
    for port in serve_tls(cert, key):
        yield port, ca, until


@pytest.fixture
def expired(tmp_path: Path) -> Iterator[tuple[int, Path]]:
    until = dt.datetime.now(dt.UTC) - dt.timedelta(days=2)
    ca, cert, key = make_pki(tmp_path / "expired", until)
    for port in serve_tls(cert, key):
        yield port, ca


def target(port: int, ca: Path | None, name: str | None = HOST) -> Target:
    return Target("hq-srv-web-01", f"https://{HOST}/", "127.0.0.1", port, name, ca and str(ca))


def test_a_trusted_certificate_is_read_and_verified(
    good: tuple[int, Path, dt.datetime],
) -> None:
    port, ca, until = good
    read = read_certificate(target(port, ca))
    assert read.error is None and read.certificate is not None and read.pem
    cert = read.certificate
    assert cert.verified is True and cert.verify_error is None
    assert cert.not_after == until
    assert cert.subject == f"CN={HOST}" and cert.issuer == "CN=Test CA"
    assert cert.names == [HOST, "127.0.0.1"]
    assert cert.server_name == HOST and cert.port == port
    assert "BEGIN CERTIFICATE" in read.pem
    # reached by its address, without the name: it verifies for 127.0.0.1 too
    assert read_certificate(target(port, ca, name=None)).certificate.verified is True  # type: ignore[union-attr]


def test_untrusted_wrong_name_or_expired_is_read_and_not_verified(
    good: tuple[int, Path, dt.datetime], expired: tuple[int, Path]
) -> None:
    port, _, until = good
    untrusted = read_certificate(target(port, None)).certificate
    assert untrusted is not None and untrusted.verified is False
    assert untrusted.not_after == until  # still read, so the report can say when it ends
    wrong = read_certificate(target(port, good[1], name="ebelediye.ornek.bel.tr")).certificate
    assert wrong is not None and wrong.verified is False
    assert "match" in (wrong.verify_error or "")
    old_port, old_ca = expired
    old = read_certificate(target(old_port, old_ca)).certificate
    assert old is not None and old.verified is False
    assert "expired" in (old.verify_error or "")
    assert old.not_after < dt.datetime.now(dt.UTC)


def test_a_closed_port_is_an_error_within_the_timeout() -> None:
    with socket.create_server(("127.0.0.1", 0)) as probe:
        port = probe.getsockname()[1]
    started = dt.datetime.now()
    read = read_certificate(target(port, None))
    assert read.certificate is None and read.error
    assert "Connection" in read.error
    assert (dt.datetime.now() - started).total_seconds() < 5


def _ctx(loaded: LoadedInventory, tmp_path: Path, hosts: list[str] | None) -> CollectContext:
    return CollectContext(
        loaded=loaded,
        policy_dir=tmp_path,
        run_id="run",
        started=dt.datetime.now(dt.UTC),
        run_dir=tmp_path / "run",
        evidence=EvidenceSet(),
        lab=True,
        hosts=hosts,
    )


def test_collector_reads_the_lab_endpoints(
    demo_loaded: LoadedInventory,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    good: tuple[int, Path, dt.datetime],
) -> None:
    port, ca, _ = good
    lab = tmp_path / "lab"
    monkeypatch.setenv("KENTOPS_LAB_DIR", str(lab))
    state = LabState(inventory=str(demo_loaded.root), run_id="t")
    state.endpoints["hq-cam-01"] = Endpoint("127.0.0.1", port, "admin", service="https")
    with socket.create_server(("127.0.0.1", 0)) as probe:
        closed = probe.getsockname()[1]
    state.endpoints["hq-cam-02"] = Endpoint("127.0.0.1", closed, "admin", service="https")
    state.endpoints["hq-srv-web-01"] = Endpoint("10.99.0.5", 22, "kentops")
    state.extra["cameras"] = {"ca_file": str(ca)}
    write_state(lab, state)
    ctx = _ctx(demo_loaded, tmp_path, None)
    planned = {(t.asset_id, t.service): t for t in targets(ctx)}
    # a web server is reached at its lab address with the URL's name as SNI
    web = planned[("hq-srv-web-01", "https://www.ornek.bel.tr/")]
    assert (web.address, web.port, web.server_name) == ("10.99.0.5", 443, HOST)
    assert planned[("hq-cam-01", f"https://127.0.0.1:{port}/")].ca_file == str(ca)
    items = TlsCertificateCollector().collect(
        _ctx(demo_loaded, tmp_path, ["hq-cam-01", "hq-cam-02"])
    )
    by_subject = {i.subject: i for i in items}
    camera = by_subject["hq-cam-01"]
    assert camera.kind == "tls_certificate" and "BEGIN CERTIFICATE" in str(camera.content)
    assert camera.data.certificates[0].verified is True  # type: ignore[union-attr]
    # the camera that did not answer has no item, and is named with the reason
    assert "hq-cam-02" not in by_subject
    assert "hq-cam-02" in by_subject[None].data["unreachable"]  # type: ignore[index]


def test_collector_reads_nothing_without_lab_or_live(
    demo_loaded: LoadedInventory, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("KENTOPS_SERVERS_LIVE", raising=False)
    ctx = _ctx(demo_loaded, tmp_path, None)
    ctx.lab = False
    with pytest.raises(NotCollected):
        TlsCertificateCollector().collect(ctx)
