"""RFC 3161 time stamps: ask a time-stamp authority (TSA) over HTTP, and verify its tokens.

The request and the verification are rfc3161-client's (it builds the DER request, parses the
reply, checks the signature, the chain up to the pinned root, the pinned TSA certificate, the
nonce and the message imprint); the HTTP is ours (standard library), with retries and
exponential backoff. A reply is untrusted until it verifies: TÜBİTAK Kamu SM, for one,
answers errors with HTTP 200 and a text inside the ASN.1, so a status code proves nothing.
When the TSA cannot be reached or its answer does not verify, :class:`TsaError` is raised and
the day stays unsealed; a token is never made up.

TÜBİTAK Kamu SM authenticates customers with an ``identity`` header: the hex of a DER
SEQUENCE {customer id INTEGER, salt OCTET STRING (16), iteration count INTEGER (100), iv
OCTET STRING (16, the salt), AES-256-CBC/PKCS#7 encryption of the message imprint under
PBKDF2-HMAC-SHA256(password, salt, 100 iterations, 32 bytes)}, as third parties document it.
"""

from __future__ import annotations

import datetime as dt
import functools
import hashlib
import os
import time
import urllib.error
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, padding
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes
from cryptography.hazmat.primitives.kdf.pbkdf2 import PBKDF2HMAC
from cryptography.hazmat.primitives.serialization import Encoding
from rfc3161_client import (
    HashAlgorithm,
    TimestampRequestBuilder,
    VerificationError,
    VerifierBuilder,
    decode_timestamp_response,
)

QUERY_TYPE = "application/timestamp-query"
REPLY_TYPE = "application/timestamp-reply"
TUBITAK_ITERATIONS = 100


class TsaError(Exception):
    """The TSA gave no verifiable token; the message says what happened."""


class TokenInvalid(Exception):
    """A stored token does not verify; the message names what is wrong."""


@dataclass(frozen=True)
class TubitakIdentity:
    customer_id: int
    password: str


@dataclass(frozen=True)
class TsaConfig:
    """Where the TSA is and whom to trust: its root and its own certificate, pinned."""

    url: str
    root_cert: Path
    tsa_cert: Path
    identity: TubitakIdentity | None = None
    timeout_s: float = 20.0
    attempts: int = 4
    backoff_s: float = 1.0

    def roots(self) -> list[x509.Certificate]:
        return list(_pem_certificates(self.root_cert, *_stamp(self.root_cert)))

    def signer(self) -> x509.Certificate:
        return _pem_certificates(self.tsa_cert, *_stamp(self.tsa_cert))[0]

    def describe(self) -> dict[str, str]:
        return {
            "url": self.url,
            "tsa_cert_sha256": self.signer().fingerprint(hashes.SHA256()).hex(),
            "root_cert_sha256": self.roots()[0].fingerprint(hashes.SHA256()).hex(),
        }


def _stamp(path: Path) -> tuple[int, int]:
    info = path.stat()
    return info.st_mtime_ns, info.st_size


@functools.lru_cache(maxsize=16)
def _pem_certificates(path: Path, mtime_ns: int, size: int) -> tuple[x509.Certificate, ...]:
    """Certificates of a PEM file, read once per version of the file (verifying two years
    of days reads the same two files 730 times)."""
    del mtime_ns, size
    return tuple(x509.load_pem_x509_certificates(path.read_bytes()))


# ---------------------------------------------------------------- TÜBİTAK identity header


def _der_length(n: int) -> bytes:
    if n < 0x80:
        return bytes([n])
    body = n.to_bytes((n.bit_length() + 7) // 8, "big")
    return bytes([0x80 | len(body)]) + body


def _der(tag: int, body: bytes) -> bytes:
    return bytes([tag]) + _der_length(len(body)) + body


def _der_int(value: int) -> bytes:
    body = value.to_bytes(max(1, (value.bit_length() + 8) // 8), "big", signed=True)
    return _der(0x02, body)


def tubitak_identity(identity: TubitakIdentity, imprint: bytes, salt: bytes | None = None) -> str:
    """The ``identity`` header value for one request (``imprint``: its message digest)."""
    salt = salt if salt is not None else os.urandom(16)
    key = PBKDF2HMAC(
        algorithm=hashes.SHA256(), length=32, salt=salt, iterations=TUBITAK_ITERATIONS
    ).derive(identity.password.encode("utf-8"))
    padder = padding.PKCS7(128).padder()
    plain = padder.update(imprint) + padder.finalize()
    encryptor = Cipher(algorithms.AES(key), modes.CBC(salt)).encryptor()
    secret = encryptor.update(plain) + encryptor.finalize()
    body = (
        _der_int(identity.customer_id)
        + _der(0x04, salt)
        + _der_int(TUBITAK_ITERATIONS)
        + _der(0x04, salt)
        + _der(0x04, secret)
    )
    return _der(0x30, body).hex()


# ---------------------------------------------------------------- asking for a token

Sleep = Callable[[float], None]


def _post(url: str, body: bytes, headers: dict[str, str], timeout_s: float) -> bytes:
    if not url.startswith(("http://", "https://")):
        raise TsaError(f"{url}: the TSA URL must be http:// or https://")
    request = urllib.request.Request(url, data=body, headers=headers, method="POST")  # noqa: S310
    with urllib.request.urlopen(request, timeout=timeout_s) as answer:  # noqa: S310
        data: bytes = answer.read()
        return data


def request_token(data: bytes, config: TsaConfig, sleep: Sleep = time.sleep) -> bytes:
    """A verified RFC 3161 reply (DER ``TimeStampResp``) over ``data``; TsaError otherwise.

    Tries ``config.attempts`` times, waiting ``backoff_s``, then twice as long each time.
    """
    request = TimestampRequestBuilder().data(data).hash_algorithm(HashAlgorithm.SHA256).build()
    headers = {"Content-Type": QUERY_TYPE, "Accept": REPLY_TYPE}
    if config.identity is not None:
        imprint = hashlib.sha256(data).digest()
        headers["identity"] = tubitak_identity(config.identity, imprint)
    errors: list[str] = []
    for attempt in range(config.attempts):
        if attempt:
            sleep(config.backoff_s * 2 ** (attempt - 1))
        try:
            reply = _post(config.url, request.as_bytes(), headers, config.timeout_s)
        except urllib.error.HTTPError as exc:
            errors.append(f"HTTP {exc.code} {exc.reason}")
            continue
        except (urllib.error.URLError, TimeoutError, ConnectionError) as exc:
            errors.append(f"{type(exc).__name__}: {getattr(exc, 'reason', exc)}")
            continue
        try:
            check_token(reply, data, config, nonce=request.nonce)
        except TokenInvalid as exc:
            errors.append(f"the reply does not verify: {exc}")
            continue
        return reply
    raise TsaError(
        f"{config.url}: no verifiable time stamp after {config.attempts} attempt(s): "
        + "; ".join(errors)
        + ". The day stays unsealed; check the TSA URL, certificates and credentials and seal again"
    )


# ---------------------------------------------------------------- verifying a token


@dataclass(frozen=True)
class TokenInfo:
    gen_time: dt.datetime
    serial: int
    signer: str
    imprint_sha256: str
    policy: str


def check_token(
    reply: bytes, data: bytes, config: TsaConfig, nonce: int | None = None
) -> TokenInfo:
    """Verify a stored reply over ``data`` against the pinned certificates, naming the fault."""
    try:
        response = decode_timestamp_response(reply)
    except ValueError as exc:
        text = reply[:200].decode("ascii", "replace")
        raise TokenInvalid(f"not an RFC 3161 reply ({exc}); it begins {text!r}") from None
    if response.status not in {0, 1}:
        reasons = "; ".join(response.status_string) or "no reason given"
        raise TokenInvalid(f"the TSA refused (status {response.status}: {reasons})")
    info = response.tst_info
    digest = hashlib.sha256(data).digest()
    if info.message_imprint.message != digest:
        raise TokenInvalid(
            "the token's imprint is not the SHA-256 of manifest.json: the token was replaced or "
            "the manifest changed after sealing"
        )
    pinned = config.signer()
    embedded = [x509.load_der_x509_certificate(c) for c in response.signed_data.certificates]
    signer_ids = [(si.issuer, si.serial_number) for si in response.signed_data.signer_infos]
    signers = [c for c in embedded if (c.issuer, c.serial_number) in signer_ids]
    if signers and signers[0].public_bytes(Encoding.DER) != pinned.public_bytes(Encoding.DER):
        raise TokenInvalid(
            f"signed by another TSA ({signers[0].subject.rfc4514_string()}), not the pinned "
            f"{pinned.subject.rfc4514_string()}"
        )
    if not signers and signer_ids and signer_ids[0] != (pinned.issuer, pinned.serial_number):
        raise TokenInvalid("signed by another TSA than the pinned one")
    builder = VerifierBuilder(tsa_certificate=pinned, roots=config.roots())
    if nonce is not None:
        builder = builder.nonce(nonce)
    try:
        builder.build().verify_message(response, data)
    except VerificationError as exc:
        raise TokenInvalid(f"signature or certificate chain does not verify: {exc}") from None
    return TokenInfo(
        gen_time=info.gen_time.replace(tzinfo=dt.UTC)
        if info.gen_time.tzinfo is None
        else info.gen_time.astimezone(dt.UTC),
        serial=info.serial_number,
        signer=pinned.subject.rfc4514_string(),
        imprint_sha256=digest.hex(),
        policy=info.policy.dotted_string,
    )
