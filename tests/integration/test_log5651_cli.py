"""`kentops log5651 ...` end to end on fixture logs with the lab TSA: ingest (twice), seal,
verify, search (holder, nobody, NAT, statement), prune dry run; exit codes 0/1/2 and --json."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import typer
from typer.testing import CliRunner

from kentops.log5651 import commands
from kentops.log5651.timestamp import TsaConfig
from tests.unit.log5651.conftest import tsa_config, tsa_pki  # noqa: F401 (fixtures)

FIXTURES = Path(__file__).resolve().parent.parent / "unit" / "log5651" / "fixtures"
app = typer.Typer()
commands.register(app)
runner = CliRunner()


def cli(*args: str) -> tuple[int, str]:
    result = runner.invoke(app, ["log5651", *args])
    return result.exit_code, result.output


@pytest.fixture
def tsa_args(tsa_config: TsaConfig) -> list[str]:  # noqa: F811
    return [
        "--tsa-url",
        tsa_config.url,
        "--tsa-root",
        str(tsa_config.root_cert),
        "--tsa-cert",
        str(tsa_config.tsa_cert),
    ]


def test_ingest_seal_verify_search(tmp_path: Path, tsa_args: list[str]) -> None:
    archive = ["--archive", str(tmp_path / "a")]
    kea = str(FIXTURES / "kea-log" / "kea-dhcp4.log")
    forti = str(FIXTURES / "fortigate" / "traffic.log")
    code, out = cli("ingest", kea, forti, *archive, "--json")
    assert code == 0, out
    first = json.loads(out)["inputs"]
    assert first[0]["records"] == 7 and first[0]["unknown"] == 1
    code, out = cli("ingest", kea, *archive, "--json")
    assert code == 0 and json.loads(out)["inputs"][0]["lines"] == 0  # nothing twice

    code, out = cli("seal", *archive, *tsa_args, "--json")
    assert code == 0, out
    sealed = json.loads(out)["days"]
    assert sealed[0]["day"] == "2026-12-03" and sealed[0]["sealed"]

    verify = ["verify", *archive, *tsa_args[2:], "--from", "2026-12-03", "--to", "2026-12-04"]
    code, out = cli(*verify, "--json")
    assert code == 1  # sealed days later than 26 h after their end are reported
    assert "sealed" in json.loads(out)["days"][0]["problems"][0]
    code, out = cli(*verify, "--max-seal-delay", "1000000", "--json")
    assert code == 0 and json.loads(out)["ok"], out

    ask = ["search", *archive, *tsa_args[2:], "--max-seal-delay", "1000000"]
    statement = tmp_path / "tutanak.html"
    code, out = cli(
        *ask, "--ip", "10.10.20.100", "--at", "2026-12-03T10:20:00", "--statement", str(statement)
    )
    assert code == 0 and "52:54:00:12:34:56" in out and "2026-12-03: verified" in out, out
    assert "5651 Sayılı Kanun" in statement.read_text(encoding="utf-8")
    code, out = cli(*ask, "--ip", "10.10.20.100", "--at", "2026-12-03T11:30:00+03:00", "--json")
    assert code == 0 and json.loads(out)["found"] is False
    code, out = cli(*ask, "--nat-ip", "203.0.113.10:51514", "--at", "2026-12-03T07:15:10Z")
    assert code == 0 and "52:54:00:12:34:56" in out and "NAT: 203.0.113.10:51514" in out

    code, out = cli("prune", *archive, *tsa_args[2:], "--json")
    assert code == 0 and json.loads(out)["would_prune"] == []


def test_bad_input_is_exit_2(tmp_path: Path, tsa_args: list[str]) -> None:
    archive = ["--archive", str(tmp_path / "a")]
    code, out = cli("ingest", str(tmp_path / "missing.log"), *archive)
    assert code == 2 and "missing.log: cannot be read" in out
    code, out = cli(
        "ingest", str(FIXTURES / "kea-log" / "kea-dhcp4.log"), *archive, "--format", "x"
    )
    assert code == 2 and "unknown format" in out
    code, out = cli("search", *archive, "--ip", "10.0.0.1", "--at", "yesterday")
    assert code == 2 and "not a time" in out
    code, out = cli("prune", *archive, *tsa_args[2:], "--retention-days", "365")
    assert code == 2 and "shorter than the 730 days" in out
    code, out = cli("seal", *archive, "--day", "2026-13-01", *tsa_args)
    assert code == 2 and "YYYY-MM-DD" in out


def test_logging_policy_names_sources_by_asset(tmp_path: Path) -> None:
    policies = tmp_path / "policies"
    policies.mkdir()
    (policies / "logging.yml").write_text(
        "sources:\n  - asset: hq-srv-dhcp-01\n    hosts: [dhcp01, dhcp01.belediye.local]\n"
    )
    isc = str(FIXTURES / "isc-syslog" / "rfc3339.log")
    code, out = cli(
        "ingest", isc, "--archive", str(tmp_path / "a"), "--policies", str(policies), "--json"
    )
    assert code == 0, out
    assert set(json.loads(out)["inputs"][0]["sources"]) == {"hq-srv-dhcp-01"}
    (policies / "logging.yml").write_text("retention_days: 30\nsources: []\n")
    code, out = cli("ingest", isc, "--archive", str(tmp_path / "b"), "--policies", str(policies))
    assert code == 2 and "logging.yml" in out
