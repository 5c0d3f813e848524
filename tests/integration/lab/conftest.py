"""The demo lab as a session fixture: up once for every test that asks for it, always down.

Teardown runs as a fixture finalizer and, should that not happen (an interrupted run), at
interpreter exit; either way ``kentops lab down`` removes processes, namespaces, mounts,
veths and SSH sockets.
"""

from __future__ import annotations

import atexit
import contextlib
import json
import os
import subprocess
import sys
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

import pytest

from kentops.lab.state import read_state
from tests.helpers import DEMO, REPO

VENV_BIN = Path(sys.executable).parent


def kentops(
    *args: str, env: dict[str, str], timeout: float = 600
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(VENV_BIN / "kentops"), *args],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
        timeout=timeout,
        stdin=subprocess.DEVNULL,
    )


def hosts_prerequisite() -> str | None:
    from kentops.lab.hosts.lab import prerequisites

    missing = prerequisites()
    return "; ".join(missing) if missing else None


@pytest.fixture(scope="session")
def demo_lab(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Any]]:
    """The demo municipality's lab: network, cameras, voice and (as root) the Debian hosts."""
    lab_dir = tmp_path_factory.mktemp("demo-lab")
    env = {**os.environ, "KENTOPS_LAB_DIR": str(lab_dir), "KENTOPS_LAB": "1"}
    parts = "network,cameras,voice" + ("" if hosts_prerequisite() else ",hosts")

    def take_down() -> None:
        if read_state(lab_dir) is not None:
            kentops("lab", "down", env=env)

    atexit.register(take_down)
    started = kentops("lab", "up", str(DEMO), "--only", parts, env=env)
    try:
        assert started.returncode == 0, started.stdout + started.stderr
        state = read_state(lab_dir)
        assert state is not None
        yield {"dir": lab_dir, "env": env, "state": state, "parts": parts}
    finally:
        stopped = kentops("lab", "down", env=env)
        atexit.unregister(take_down)
        assert stopped.returncode == 0, stopped.stderr


@contextlib.contextmanager
def lab_hosts(lab_dir: Path, hosts: Sequence[str]) -> Iterator[dict[str, Any]]:
    """Only these Debian lab hosts (``kentops lab up --only hosts --hosts ...``) in ``lab_dir``,
    always taken down; skipped without the lab's prerequisites (failed under CI)."""
    from tests.helpers import lab_prerequisite

    lab_prerequisite(hosts_prerequisite())
    env = {**os.environ, "KENTOPS_LAB_DIR": str(lab_dir), "KENTOPS_LAB": "1"}
    up = ("lab", "up", str(DEMO), "--only", "hosts", "--hosts", ",".join(hosts))
    started = kentops(*up, env=env)
    try:
        assert started.returncode == 0, started.stdout + started.stderr
        yield {"env": env, "dir": lab_dir}
    finally:
        if read_state(lab_dir) is not None:
            kentops("lab", "down", env=env)


def lab_audit_results(env: dict[str, str], out: Path, timeout: float = 600) -> dict[str, Any]:
    """``kentops audit --lab --json`` of the demo into ``out``; its results.json as a dict."""
    done = kentops(
        "audit",
        str(DEMO),
        "--policies",
        str(REPO / "policies"),
        "--lab",
        "--json",
        "--out",
        str(out / "reports"),
        "--evidence",
        str(out / "evidence"),
        env=env,
        timeout=timeout,
    )
    assert done.returncode in {0, 1}, done.stdout + done.stderr
    summary = json.loads(done.stdout)
    results: dict[str, Any] = json.loads(
        Path(summary["reports"]["results"]).read_text(encoding="utf-8")
    )
    return results
