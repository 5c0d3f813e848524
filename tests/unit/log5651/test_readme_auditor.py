"""The README's auditor commands (openssl ts -verify, sha256sum) run as written on a day
sealed against the lab TSA, and stop on a changed file."""

from __future__ import annotations

import datetime as dt
import os
import re
import subprocess
from pathlib import Path

from kentops.log5651.archive import Archive
from kentops.log5651.seal import seal
from kentops.log5651.timestamp import TsaConfig
from tests.helpers import REPO
from tests.unit.log5651.conftest import add, kea_lines

NOW = dt.datetime(2026, 12, 5, 9, 0, tzinfo=dt.UTC)


def auditor_script() -> str:
    text = (REPO / "README.md").read_text(encoding="utf-8")
    block = re.search(
        r"<!-- log5651-auditor -->\n```sh\n(.*?)```\n<!-- /log5651-auditor -->", text, re.S
    )
    assert block is not None, "the README lost its auditor commands"
    return block.group(1)


def run(script: str, archive: Path, config: TsaConfig) -> subprocess.CompletedProcess[str]:
    script = script.replace("var/log5651/ornek", str(archive))
    env = {**os.environ, "TSA_ROOT": str(config.root_cert), "TSA_CERT": str(config.tsa_cert)}
    return subprocess.run(
        ["bash", "-e", "-c", script], env=env, capture_output=True, text=True, check=False
    )


def test_the_auditor_commands_verify_a_sealed_day(tmp_path: Path, tsa_config: TsaConfig) -> None:
    archive = Archive(tmp_path / "archive")
    add(archive, kea_lines(dt.date(2026, 12, 2)) + kea_lines(dt.date(2026, 12, 3)), now=NOW)
    assert seal(archive, tsa_config, now=NOW).ok
    script = auditor_script()
    assert "days/2026-12-03" in script and "../2026-12-02/manifest.json" in script
    done = run(script, archive.root, tsa_config)
    assert done.returncode == 0, done.stderr
    assert "Verification: OK" in done.stdout
    assert re.search(r"Time stamp: \w{3} [ \d]\d \d\d:\d\d:\d\d 20\d\d GMT", done.stdout)
    assert "SHA256SUMS: OK" in done.stdout and "chain: OK" in done.stdout
    assert "records.jsonl.gz: OK" in done.stdout
    assert "raw/hq-srv-dhcp-01.log.gz: OK" in done.stdout

    raw = archive.day_dir(dt.date(2026, 12, 3)) / "raw" / "hq-srv-dhcp-01.log.gz"
    data = bytearray(raw.read_bytes())
    data[20] ^= 1
    raw.write_bytes(bytes(data))
    tampered = run(script, archive.root, tsa_config)
    assert tampered.returncode != 0
    assert "raw/hq-srv-dhcp-01.log.gz: FAILED" in tampered.stdout

    manifest = archive.day_dir(dt.date(2026, 12, 2)) / "manifest.json"
    manifest.write_text(manifest.read_text().replace('"records": 4', '"records": 3'))
    raw.write_bytes(bytes(data[:20]) + bytes([data[20] ^ 1]) + bytes(data[21:]))
    broken_chain = run(script, archive.root, tsa_config)
    assert broken_chain.returncode != 0 and "chain: OK" not in broken_chain.stdout
