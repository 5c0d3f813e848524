"""The server story's before/after summary reads SRV-* results of the lab's hosts only."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from kentops.servers.demo_summary import main, rows


def _results(status: str) -> dict[str, object]:
    def result(subject: str, st: str) -> dict[str, object]:
        return {"subject": subject, "status": st, "findings": [{"outcome": "fail", "tr": "x"}]}

    return {
        "controls": [
            {
                "id": "SRV-SSH-01",
                "results": [
                    result("hq-srv-web-01", status),
                    result("hq-srv-dc-01", "kapsam dışı"),
                    result("hq-srv-cbs-01", "değerlendirilmedi"),
                ],
            },
            {"id": "NET-SSH-01", "results": [result("hq-sw-core-01", "uyumsuz")]},
        ]
    }


def test_rows_keep_server_controls_of_the_named_hosts() -> None:
    found = rows(_results("uyumsuz"), {"hq-srv-web-01"})
    assert list(found) == [("SRV-SSH-01", "hq-srv-web-01")]
    assert set(rows(_results("uyumsuz"))) == {
        ("SRV-SSH-01", "hq-srv-web-01"),
        ("SRV-SSH-01", "hq-srv-cbs-01"),
    }


def test_main_prints_the_change(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    first, second = tmp_path / "a.json", tmp_path / "b.json"
    first.write_text(json.dumps(_results("uyumsuz")), encoding="utf-8")
    second.write_text(json.dumps(_results("uyumlu")), encoding="utf-8")
    assert main([str(first), str(second), "hq-srv-web-01"]) == 0
    out = capsys.readouterr().out
    assert "SRV-SSH-01     hq-srv-web-01      uyumsuz -> uyumlu" in out
    assert main([str(first)]) == 2
