"""RFC 3161 against the lab TSA (openssl ts -reply behind HTTP): a token verifies with our
verifier and with `openssl ts -verify`; a changed manifest, a rogue TSA, a TSA that fails
and a TÜBİTAK identity header are each handled as an auditor needs."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest
from cryptography.hazmat.primitives import hashes, padding
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes
from cryptography.hazmat.primitives.kdf.pbkdf2 import PBKDF2HMAC

from kentops.lab.tsa import LabTsa, make_pki
from kentops.log5651.timestamp import (
    TokenInvalid,
    TsaConfig,
    TsaError,
    TubitakIdentity,
    check_token,
    request_token,
    tubitak_identity,
)


@pytest.fixture(scope="module")
def pki(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return make_pki(tmp_path_factory.mktemp("pki"))


@pytest.fixture(scope="module")
def tsa(pki: Path):  # type: ignore[no-untyped-def]
    with LabTsa(pki) as server:
        yield server


def config(url: str, pki: Path, **kw: object) -> TsaConfig:
    return TsaConfig(url, pki / "root.pem", pki / "tsa.pem", **kw)  # type: ignore[arg-type]


def test_token_verifies_here_and_with_openssl(tsa: LabTsa, pki: Path, tmp_path: Path) -> None:
    data = b'{"day": "2026-12-03"}\n'
    token = request_token(data, config(tsa.url, pki))
    info = check_token(token, data, config(tsa.url, pki))
    assert info.signer == "CN=kentops lab TSA,O=kentops lab,C=TR"
    (tmp_path / "manifest.json").write_bytes(data)
    (tmp_path / "manifest.tsr").write_bytes(token)
    out = subprocess.run(
        [
            "openssl",
            "ts",
            "-verify",
            "-data",
            str(tmp_path / "manifest.json"),
            "-in",
            str(tmp_path / "manifest.tsr"),
            "-CAfile",
            str(pki / "root.pem"),
            "-untrusted",
            str(pki / "tsa.pem"),
        ],
        capture_output=True,
        text=True,
        check=False,
    )
    assert "Verification: OK" in out.stdout, out.stderr


def test_changed_data_and_rogue_tsa_are_named(tsa: LabTsa, pki: Path, tmp_path: Path) -> None:
    token = request_token(b"day", config(tsa.url, pki))
    with pytest.raises(TokenInvalid, match="imprint"):
        check_token(token, b"dax", config(tsa.url, pki))
    rogue = make_pki(tmp_path / "rogue", "rogue TSA")
    with pytest.raises(TokenInvalid, match="another TSA"):
        check_token(token, b"day", config(tsa.url, rogue))


def test_a_failing_tsa_gives_no_token_after_backing_off(pki: Path) -> None:
    waits: list[float] = []
    cfg = config("http://127.0.0.1:9/tsa", pki, attempts=3, backoff_s=0.5, timeout_s=1.0)
    with pytest.raises(TsaError, match="no verifiable time stamp after 3 attempt"):
        request_token(b"day", cfg, sleep=waits.append)
    assert waits == [0.5, 1.0]


def test_tubitak_identity_decrypts_to_the_imprint() -> None:
    salt = bytes(range(16))
    imprint = bytes(32)
    header = bytes.fromhex(tubitak_identity(TubitakIdentity(1234, "parola"), imprint, salt))
    assert header[0] == 0x30
    secret = header[-48:]
    key = PBKDF2HMAC(algorithm=hashes.SHA256(), length=32, salt=salt, iterations=100).derive(
        b"parola"
    )
    dec = Cipher(algorithms.AES(key), modes.CBC(salt)).decryptor()
    unpad = padding.PKCS7(128).unpadder()
    plain = unpad.update(dec.update(secret) + dec.finalize()) + unpad.finalize()
    assert plain == imprint
    assert bytes.fromhex("020204d2") in header  # customer id 1234
