"""The lab's time-stamp authority: ``openssl ts -reply`` behind a small HTTP server.

``make_pki(folder, name)`` makes a root CA and a TSA certificate (critical
extendedKeyUsage=timeStamping, keyUsage digitalSignature+nonRepudiation) and the OpenSSL
TSA configuration (sha256, ordering, tsa_name, and no ``certs=`` line: rfc3161-client's strict
parser rejects a reply that embeds the chain). ``serve`` answers RFC 3161 queries posted as
``application/timestamp-query``. ``kentops lab up`` starts it as the ``tsa`` part and writes
its URL and certificate paths to the lab state file (``extra.tsa``).

    python -m kentops.lab.tsa serve --pki DIR --ports-out FILE
"""

from __future__ import annotations

import argparse
import datetime as dt
import subprocess
import tempfile
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

from kentops.lab.daemon import stop_on_signals, write_json_atomic
from kentops.lab.pki import private_pem, root_ca

ROOT_CERT = "root.pem"
TSA_CERT = "tsa.pem"
TSA_KEY = "tsa.key"
CONFIG = "openssl-ts.cnf"
MAX_QUERY = 16384

_CONFIG_TEXT = """\
[ tsa ]
default_tsa = tsa_config

[ tsa_config ]
dir = {dir}
serial = $dir/serial
crypto_device = builtin
signer_cert = $dir/tsa.pem
signer_key = $dir/tsa.key
signer_digest = sha256
default_policy = 1.3.6.1.4.1.99999.5651.1
other_policies = 1.3.6.1.4.1.99999.5651.2
digests = sha256, sha384, sha512
accuracy = secs:1
ordering = yes
tsa_name = yes
ess_cert_id_chain = no
ess_cert_id_alg = sha256
"""


def _name(common: str) -> x509.Name:
    return x509.Name(
        [
            x509.NameAttribute(NameOID.COUNTRY_NAME, "TR"),
            x509.NameAttribute(NameOID.ORGANIZATION_NAME, "kentops lab"),
            x509.NameAttribute(NameOID.COMMON_NAME, common),
        ]
    )


def make_pki(folder: Path, name: str = "kentops lab TSA") -> Path:
    """A root CA, a TSA certificate signed by it and the OpenSSL TSA configuration."""
    folder.mkdir(parents=True, exist_ok=True, mode=0o700)
    now = dt.datetime.now(dt.UTC) - dt.timedelta(days=1)
    root_name = _name(f"{name} root")
    root_key, root = root_ca(
        root_name, now - dt.timedelta(days=3650), now + dt.timedelta(days=3650)
    )
    tsa_key = ec.generate_private_key(ec.SECP256R1())
    tsa = (
        x509.CertificateBuilder()
        .subject_name(_name(name))
        .issuer_name(root_name)
        .public_key(tsa_key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(days=3650))
        .not_valid_after(now + dt.timedelta(days=3600))
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(
            x509.KeyUsage(
                digital_signature=True,
                content_commitment=True,
                key_encipherment=False,
                data_encipherment=False,
                key_agreement=False,
                key_cert_sign=False,
                crl_sign=False,
                encipher_only=False,
                decipher_only=False,
            ),
            critical=True,
        )
        .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.TIME_STAMPING]), critical=True)
        .sign(root_key, hashes.SHA256())
    )
    (folder / ROOT_CERT).write_bytes(root.public_bytes(serialization.Encoding.PEM))
    (folder / TSA_CERT).write_bytes(tsa.public_bytes(serialization.Encoding.PEM))
    key_file = folder / TSA_KEY
    key_file.write_bytes(private_pem(tsa_key))
    key_file.chmod(0o600)
    (folder / "serial").write_text("01\n", encoding="ascii")
    (folder / CONFIG).write_text(_CONFIG_TEXT.format(dir=folder.resolve()), encoding="ascii")
    return folder


def ensure_pki(folder: Path, name: str = "kentops lab TSA") -> Path:
    """The PKI in ``folder``, made once: days sealed in one lab run verify in the next."""
    if not all((folder / f).is_file() for f in (ROOT_CERT, TSA_CERT, TSA_KEY, CONFIG)):
        make_pki(folder, name)
    return folder


def reply(pki: Path, query: bytes) -> bytes:
    """``openssl ts -reply`` for one DER query; the TSA's own error reply when it refuses."""
    with tempfile.TemporaryDirectory(prefix="kentops-tsa-") as tmp:
        query_file = Path(tmp) / "query.tsq"
        out = Path(tmp) / "reply.tsr"
        query_file.write_bytes(query)
        subprocess.run(
            [
                "openssl",
                "ts",
                "-reply",
                "-config",
                str(pki / CONFIG),
                "-queryfile",
                str(query_file),
                "-out",
                str(out),
            ],
            check=True,
            capture_output=True,
            timeout=30,
        )
        return out.read_bytes()


class _Handler(BaseHTTPRequestHandler):
    pki: Path
    lock = threading.Lock()  # openssl's serial file is not safe to share

    def do_POST(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        if self.headers.get("Content-Type") != "application/timestamp-query" or not (
            0 < length <= MAX_QUERY
        ):
            self.send_error(400, "expected an application/timestamp-query body")
            return
        query = self.rfile.read(length)
        try:
            with self.lock:
                body = reply(self.pki, query)
        except (subprocess.SubprocessError, OSError) as exc:
            self.send_error(500, f"openssl ts failed: {exc}")
            return
        self.send_response(200)
        self.send_header("Content-Type", "application/timestamp-reply")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: object) -> None:
        del format, args


class LabTsa:
    """The HTTP TSA on 127.0.0.1; ``with LabTsa(pki) as tsa: tsa.url``."""

    def __init__(self, pki: Path, port: int = 0) -> None:
        handler = type("Handler", (_Handler,), {"pki": pki})
        self.server = ThreadingHTTPServer(("127.0.0.1", port), handler)
        self.server.daemon_threads = True
        self.pki = pki
        self._thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}/tsa"

    def start(self) -> LabTsa:
        self._thread.start()
        return self

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()

    def __enter__(self) -> LabTsa:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()


def state_entry(tsa_url: str, pki: Path) -> dict[str, str]:
    """What the lab state file records of the TSA."""
    return {
        "url": tsa_url,
        "root_cert": str((pki / ROOT_CERT).resolve()),
        "tsa_cert": str((pki / TSA_CERT).resolve()),
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m kentops.lab.tsa")
    sub = parser.add_subparsers(dest="command", required=True)
    serve = sub.add_parser("serve", help="answer RFC 3161 queries over HTTP on 127.0.0.1")
    serve.add_argument("--pki", type=Path, required=True)
    serve.add_argument("--ports-out", type=Path, required=True)
    serve.add_argument("--port", type=int, default=0)
    args = parser.parse_args(argv)
    stop = stop_on_signals()
    pki = ensure_pki(args.pki)
    with LabTsa(pki, args.port) as tsa:
        write_json_atomic(args.ports_out, state_entry(tsa.url, pki))
        stop.wait()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
