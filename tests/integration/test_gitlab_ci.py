"""The push jobs of .gitlab-ci.yml run green for real, with gitlab-ci-local in shell mode.

The repository's committed tree (``git archive HEAD``) is unpacked into a temporary git
repository, and ``scripts/gitlab-ci-local --shell-executor-no-image`` runs the pipeline
there as GitLab would on a push: lint, validate, render --check, policy check and the unit
tests with their JUnit report. The unit-test job is narrowed to one cheap module through
``KENTOPS_CI_TESTS`` (the pipeline's own variable), because `make test` runs the whole suite
already; uv reuses this machine's package cache instead of downloading. Needs node/npm (the
first run installs gitlab-ci-local 4.56.0 under ~/.cache/kentops) and rsync; without them the
test is skipped with the reason, and under CI=true it fails.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
import yaml

from tests.helpers import REPO

pytestmark = pytest.mark.slow

PUSH_JOBS = ["lint", "validate", "render", "policy", "unit-tests"]


def missing_tools() -> list[str]:
    return [tool for tool in ("node", "npm", "rsync", "git") if shutil.which(tool) is None]


def copy_tracked_tree(target: Path) -> None:
    """The committed tree (what GitLab would check out), as a repository of its own."""
    target.mkdir(parents=True)
    archive = subprocess.run(
        ["git", "archive", "--format=tar", "HEAD"], cwd=REPO, capture_output=True, check=True
    ).stdout
    subprocess.run(["tar", "-x", "-C", str(target)], input=archive, check=True)
    for args in (
        ["init", "-q", "-b", "main"],
        ["add", "-A"],
        ["-c", "user.name=ci", "-c", "user.email=ci@localhost", "commit", "-q", "-m", "ci"],
        ["remote", "add", "origin", "git@gitlab.belediye.local:bilgi-islem/kentops.git"],
    ):
        subprocess.run(["git", *args], cwd=target, check=True, capture_output=True)


def test_the_file_names_the_jobs_and_keeps_secrets_out() -> None:
    doc = yaml.safe_load((REPO / ".gitlab-ci.yml").read_text(encoding="utf-8"))
    for job in [*PUSH_JOBS, "audit"]:
        assert job in doc, job
    assert doc["unit-tests"]["artifacts"]["reports"]["junit"] == "junit.xml"
    audit = doc["audit"]
    assert audit["rules"] == [{"if": '$CI_PIPELINE_SOURCE == "schedule"'}]
    assert audit["artifacts"]["when"] == "always"
    assert any(c["key"] == "audit-history-$SITE" for c in audit["cache"])
    text = (REPO / ".gitlab-ci.yml").read_text(encoding="utf-8")
    assert "password:" not in text.lower() and "KENTOPS_VAULT_" in text


def test_push_pipeline_runs_green(tmp_path: Path) -> None:
    missing = missing_tools()
    if missing:
        message = f"gitlab-ci-local needs {', '.join(missing)} (scripts/install-system-deps)"
        if os.environ.get("CI") == "true":
            pytest.fail(message)
        pytest.skip(message)
    project = tmp_path / "kentops"
    copy_tracked_tree(project)
    uv_cache = subprocess.run(
        ["uv", "cache", "dir"] if shutil.which("uv") else ["true"],
        capture_output=True,
        text=True,
        check=False,
    ).stdout.strip() or str(Path.home() / ".cache/uv")
    env = {k: v for k, v in os.environ.items() if not k.startswith(("CI_", "GITLAB_"))}
    env.pop("VIRTUAL_ENV", None)
    result = subprocess.run(
        [
            str(REPO / "scripts/gitlab-ci-local"),
            "--shell-executor-no-image",
            "--variable",
            "KENTOPS_CI_TESTS=tests/test_layers.py",
            "--variable",
            f"UV_CACHE_DIR={uv_cache}",
            "--no-color",
        ],
        cwd=project,
        env=env,
        capture_output=True,
        text=True,
        timeout=1800,
    )
    output = result.stdout + result.stderr
    assert result.returncode == 0, output[-6000:]
    for job in PUSH_JOBS:
        # gitlab-ci-local pads job names to the longest one: "lint       finished in 12 s"
        assert re.search(rf"^{re.escape(job)} +finished in ", output, re.MULTILINE), (
            f"job {job} did not run:\n{output[-4000:]}"
        )
        assert re.search(rf"^ PASS +{re.escape(job)} *$", output, re.MULTILINE), output[-4000:]
    assert "audit" not in [line.split()[0] for line in output.splitlines() if line.strip()]
    junit = ET.parse(project / "junit.xml").getroot()
    suite = junit if junit.tag == "testsuite" else junit.find("testsuite")
    assert suite is not None and int(suite.get("tests", "0")) > 0
    assert int(suite.get("failures", "0")) == 0 and int(suite.get("errors", "0")) == 0
