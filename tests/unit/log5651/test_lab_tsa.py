"""`kentops lab up --only tsa` starts the lab TSA as a lab part: its URL and pinned
certificates are in the state file, a token from it verifies, and `down` stops it."""

from __future__ import annotations

from pathlib import Path

import pytest

from kentops.lab import orchestrate
from kentops.lab.state import read_state
from kentops.log5651.timestamp import TsaConfig, check_token, request_token


def test_lab_up_starts_the_tsa_and_down_stops_it(
    demo_loaded: object, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("KENTOPS_LAB_CACHE", str(tmp_path / "cache"))
    result = orchestrate.up(demo_loaded, only=("tsa",), directory=tmp_path / "lab")  # type: ignore[arg-type]
    try:
        entry = read_state(tmp_path / "lab").extra["tsa"]  # type: ignore[union-attr]
        assert entry["url"].startswith("http://127.0.0.1:")
        config = TsaConfig(entry["url"], Path(entry["root_cert"]), Path(entry["tsa_cert"]))
        check_token(request_token(b"manifest", config), b"manifest", config)
        pid = result.state.extra["pids"]["tsa"]
    finally:
        orchestrate.down(tmp_path / "lab")
    assert not orchestrate._alive(pid)
    assert read_state(tmp_path / "lab") is None
