"""The README's commands work when pasted into a new shell.

The rule for README.md (sections may be added by anyone; only marked blocks are run):

* A fenced shell block is run when the line right before its opening fence is an HTML
  comment ``<!-- run -->``. Options follow a colon: ``<!-- run: exit=0,1 -->`` lists the exit
  codes that mean "worked" (default 0: use it for commands that report findings with 1), and
  ``lab`` marks a block that needs the local lab (``<!-- run: lab exit=0,1 -->``).
* Every other block is illustrative (placeholders such as ``[--lang tr|en]``, YAML, output).
* Each command (one line, or lines joined by a trailing backslash) runs on its own in a new
  login shell with a clean environment (``env -i HOME=... bash -lc``), from the repository,
  so it finds only what a user's new terminal finds: ``uv`` must be on that PATH (``make
  bootstrap`` sees to it). A command breaks when its exit code is not allowed or it prints a
  Python traceback.
* Lab blocks run only with the demo lab (root and the lab's Debian packages); they get the
  lab's ``KENTOPS_LAB_DIR``, and are skipped with the reason otherwise.
"""

from __future__ import annotations

import os
import re
import subprocess
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from tests.helpers import REPO
from tests.integration.lab.conftest import demo_lab  # noqa: F401 (the lab blocks' fixture)

README = REPO / "README.md"
MARKER = re.compile(r"^<!--\s*run(?::\s*(?P<options>[^>]*?))?\s*-->\s*$")
FENCE = re.compile(r"^\s*```(?P<lang>[a-z]*)\s*$")
#: Blocks the first hour of a new engineer needs: the README must keep them runnable.
REQUIRED = ("uv run kentops validate inventories/demo", "uv run kentops render inventories/demo")


@dataclass(frozen=True)
class Command:
    line: int
    text: str
    allowed: frozenset[int]
    lab: bool


def marked_commands(text: str) -> list[Command]:
    lines = text.splitlines()
    commands: list[Command] = []
    i = 0
    while i < len(lines):
        marker = MARKER.match(lines[i].strip())
        fence = FENCE.match(lines[i + 1]) if marker and i + 1 < len(lines) else None
        if not marker or not fence or fence["lang"] not in {"sh", "bash", "shell", "console"}:
            i += 1
            continue
        options = (marker["options"] or "").split()
        allowed = frozenset({0})
        for option in options:
            if option.startswith("exit="):
                allowed = frozenset(int(code) for code in option[5:].split(","))
            elif option != "lab":
                raise AssertionError(f"README.md:{i + 1}: unknown run option {option!r}")
        i += 2
        pending: list[str] = []
        start = i
        while i < len(lines) and not FENCE.match(lines[i]):
            line = lines[i].rstrip()
            if not pending:
                start = i
            if line.endswith("\\"):
                pending.append(line[:-1])
            elif pending or line.strip():
                pending.append(line)
                commands.append(Command(start + 1, " ".join(pending), allowed, "lab" in options))
                pending = []
            i += 1
        i += 1
    return commands


def new_shell(command: str, extra_env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    env = {
        "HOME": os.environ.get("HOME", "/root"),
        "USER": os.environ.get("USER", "root"),
        "LOGNAME": os.environ.get("LOGNAME", "root"),
        "LANG": "C.UTF-8",
        "TERM": "dumb",
        **extra_env,
    }
    return subprocess.run(
        ["env", "-i", *(f"{k}={v}" for k, v in env.items()), "bash", "-lc", command],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=900,
    )


COMMANDS = marked_commands(README.read_text(encoding="utf-8"))


def test_the_first_hour_blocks_are_marked_to_run() -> None:
    texts = [c.text for c in COMMANDS]
    for required in REQUIRED:
        assert any(t.startswith(required) for t in texts), f"no marked README block runs {required}"


def test_a_new_shell_finds_uv() -> None:
    result = new_shell("command -v uv", {})
    assert result.returncode == 0, (
        "a new shell does not find uv: run `make bootstrap` (scripts/ensure-uv puts it on PATH)"
    )


@pytest.mark.parametrize(
    "command",
    [
        pytest.param(c, marks=[pytest.mark.lab, pytest.mark.xdist_group("lab")] if c.lab else [])
        for c in COMMANDS
    ],
    ids=[f"README.md:{c.line}" for c in COMMANDS],
)
def test_readme_command_works(command: Command, request: pytest.FixtureRequest) -> None:
    extra: dict[str, str] = {}
    if command.lab:
        lab: dict[str, Any] = request.getfixturevalue("demo_lab")
        extra["KENTOPS_LAB_DIR"] = str(lab["dir"])
    result = new_shell(command.text, extra)
    output = result.stdout + result.stderr
    assert result.returncode in command.allowed and "Traceback (most recent call last)" not in (
        output
    ), f"README.md:{command.line}: `{command.text}` exited {result.returncode}\n{output[-3000:]}"


def test_marker_rules(tmp_path: Path) -> None:
    text = "\n".join(
        [
            "```sh",
            "not run",
            "```",
            "<!-- run: exit=0,1 -->",
            "```sh",
            "uv run kentops audit x \\",
            "  --lang en",
            "",
            "echo two",
            "```",
            "<!-- run: lab -->",
            "```sh",
            "uv run kentops lab status",
            "```",
        ]
    )
    found = marked_commands(text)
    assert [(c.line, c.text, sorted(c.allowed), c.lab) for c in found] == [
        (6, "uv run kentops audit x    --lang en", [0, 1], False),
        (9, "echo two", [0, 1], False),
        (13, "uv run kentops lab status", [0], True),
    ]
