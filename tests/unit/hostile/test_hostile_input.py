"""Hostile input: no file can hang, crash or exhaust kentops, and free text cannot smuggle
commands or secret references through the inventory model."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from kentops.compliance.report.document import earlier_point
from kentops.inventory import load_inventory
from kentops.yamlsource import InvalidInput, Limits, Problem, load_yaml, printable

ROOT = Path(__file__).resolve().parents[3]
DEMO = ROOT / "inventories" / "demo"


def _bomb() -> str:
    lines = ['a: &a ["x","x","x","x","x","x","x","x","x"]']
    for i in range(1, 10):
        prev, cur = chr(ord("a") + i - 1), chr(ord("a") + i)
        lines.append(f"{cur}: &{cur} [" + ",".join(["*" + prev] * 9) + "]")
    return "\n".join(lines) + "\n"


def _copy_demo(tmp_path: Path) -> Path:
    root = tmp_path / "inv"
    shutil.copytree(DEMO, root)
    return root


def _kentops(*args: str, cwd: Path = ROOT) -> tuple[subprocess.CompletedProcess[str], float]:
    started = time.perf_counter()
    done = subprocess.run(
        [sys.executable, "-m", "kentops.cli", *args],
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
        env={**os.environ, "COLUMNS": "200"},
    )
    return done, time.perf_counter() - started


def test_alias_bomb_stops_fast_with_line(tmp_path: Path) -> None:
    file = tmp_path / "bomb.yml"
    file.write_text(_bomb(), encoding="utf-8")
    assert file.stat().st_size < 500
    started = time.perf_counter()
    _, problems = load_yaml(file)
    elapsed = time.perf_counter() - started
    assert elapsed < 10  # measured: well under a millisecond
    assert len(problems) == 1
    assert "expands to more than" in problems[0].message
    assert problems[0].line > 1


def test_alias_count_is_limited(tmp_path: Path) -> None:
    file = tmp_path / "many.yml"
    file.write_text("a: &a x\nb: [" + ", ".join(["*a"] * 20) + "]\n", encoding="utf-8")
    _, problems = load_yaml(file, limits=Limits(max_aliases=10))
    assert [p.line for p in problems] == [2]
    assert "more than 10 YAML aliases" in problems[0].message


@pytest.mark.parametrize("depth", [65, 1500, 100_000])
def test_deep_nesting_is_a_problem_not_a_crash(tmp_path: Path, depth: int) -> None:
    file = tmp_path / "deep.yml"
    file.write_text("site: " + "[" * depth + "]" * depth + "\n", encoding="utf-8")
    _, problems = load_yaml(file)
    assert len(problems) == 1 and "nesting deeper than 64" in problems[0].message


def test_block_nesting_within_the_limit_loads(tmp_path: Path) -> None:
    file = tmp_path / "ok.yml"
    text = "".join(f"{'  ' * i}k{i}:\n" for i in range(40)) + "  " * 40 + "v\n"
    file.write_text(text, encoding="utf-8")
    doc, problems = load_yaml(file)
    assert not problems
    assert doc.line_of(("k0", "k1", "k2")) == 3


def test_non_utf8_names_line_and_column(tmp_path: Path) -> None:
    file = tmp_path / "latin.yml"
    file.write_bytes("site:\n  name: Örnek\n".encode() + b"  city: \xdcsk\xfcdar\n")
    _, problems = load_yaml(file)
    assert len(problems) == 1
    assert str(problems[0]).startswith(f"{file}:3:9: not UTF-8 text")


def test_file_size_limit(tmp_path: Path) -> None:
    file = tmp_path / "big.yml"
    file.write_text("a: " + "x" * 2000 + "\n", encoding="utf-8")
    _, problems = load_yaml(file, limits=Limits(max_bytes=1000))
    assert len(problems) == 1 and "more than the limit of 1,000" in problems[0].message


def test_symlink_out_of_the_inventory_is_refused(tmp_path: Path) -> None:
    root = _copy_demo(tmp_path)
    outside = tmp_path / "secret.yml"
    outside.write_text("printers: []\n", encoding="utf-8")
    (root / "extra.yml").symlink_to(outside)
    with pytest.raises(InvalidInput) as caught:
        load_inventory(root)
    assert any(
        "symbolic link points out of its folder" in str(p) and p.file.name == "extra.yml"
        for p in caught.value.problems
    )


def test_more_than_one_document_is_a_problem(tmp_path: Path) -> None:
    file = tmp_path / "two.yml"
    file.write_text("a: 1\n---\nb: 2\n", encoding="utf-8")
    _, problems = load_yaml(file)
    assert [p.line for p in problems] == [2]


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet=st.sampled_from(list("ab:-[]{}&*!|>'\"#%@ \n\t,?x1\x00\x1b")), max_size=80))
def test_loader_never_raises_on_any_text(text: str) -> None:
    """Whatever the bytes, the loader returns data or problems; it never raises."""
    doc, problems = load_yaml(Path("fuzz.yml"), text=text)
    assert problems or doc.data is not None
    for problem in problems:
        assert "\n" not in str(problem) and "\x1b" not in str(problem)


def test_problem_quotes_newlines_and_escapes() -> None:
    problem = Problem(Path("x.yml"), 3, "bad 'a\nb\x1b[2J'", "fix\r", "camera 'c\u202e'")
    text = str(problem)
    assert "\n" not in text and "\x1b" not in text and "\u202e" not in text
    assert "a\\nb\\x1b[2J" in text and "\\u202e" in text
    assert printable("plain ş") == "plain ş"


def _set(root: Path, file: str, old: str, new: str) -> None:
    path = root / file
    text = path.read_text(encoding="utf-8")
    assert old in text, old
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


@pytest.mark.parametrize(
    ("file", "old", "new", "field"),
    [
        (
            "wireless.yml",
            "    model: C9800-L-C",
            '    model: "C9800\\nusername evil privilege 15"',
            "model",
        ),
        (
            "site.yml",
            "timezone: Europe/Istanbul",
            'timezone: "Europe/Istanbul\\n/user add name=evil"',
            "expected form",
        ),
        ("network.yml", "    vendor: Cisco", "    vendor: '{{ vault_aaa_secret }}'", "vendor"),
        ("network.yml", "    vendor: Cisco", "    vendor: env:AAA_SECRET", "vendor"),
        ("voice.yml", "    model: ", '    model: "T46U\\x1b[2J" #', "model"),
    ],
    ids=["newline-in-model", "newline-in-timezone", "vault-in-vendor", "env-in-vendor", "escape"],
)
def test_injection_attempts_are_invalid_input(
    tmp_path: Path, file: str, old: str, new: str, field: str
) -> None:
    root = _copy_demo(tmp_path)
    _set(root, file, old, new)
    with pytest.raises(InvalidInput) as caught:
        load_inventory(root)
    assert any(p.file.name == file and field in p.message for p in caught.value.problems)
    for problem in caught.value.problems:
        assert "\n" not in str(problem) and "\x1b" not in str(problem)


def test_banner_with_control_characters_is_invalid_policy(tmp_path: Path) -> None:
    from kentops.policy import load_policies

    policies = tmp_path / "policies"
    shutil.copytree(ROOT / "policies", policies)
    _set(policies, "access.yml", "  tr: >-\n", '  tr: "x\\x03y"\n  tr_old: >-\n')
    loaded = load_inventory(DEMO)
    with pytest.raises(InvalidInput):
        load_policies(policies, loaded)


def test_crafted_earlier_results_are_left_out_of_the_trend(tmp_path: Path) -> None:
    from kentops.compliance.report.document import FORMAT

    file = tmp_path / "results.json"
    good = {
        "format": FORMAT,
        "regulation": {"id": "r"},
        "run_id": "x",
        "started": "",
        "summary": {"compliance_percent": 50, "duties": {"uyumlu": 3}},
    }
    file.write_text(json.dumps(good), encoding="utf-8")
    point = earlier_point(file, "r")
    assert point is not None and point.percent == 50
    for bad in ("50", None, [], float("nan"), 150):
        crafted = {**good, "summary": {"compliance_percent": bad, "duties": {}}}
        file.write_text(json.dumps(crafted), encoding="utf-8")
        got = earlier_point(file, "r")
        assert got is None or got.percent is None
    file.write_text("[" * 100_000 + "]" * 100_000, encoding="utf-8")
    assert earlier_point(file, "r") is None


#: Every command that reads the inventory's YAML, with what keeps it from writing or starting
#: anything outside the test's folder.
YAML_COMMANDS = {
    "validate": ["validate", "{root}"],
    "inventory-list": ["inventory", "list", "{root}"],
    "render": ["render", "{root}", "--check"],
    "policy-check": ["policy", "check", "{root}"],
    "audit": ["audit", "{root}", "--out", "{tmp}/reports", "--evidence", "{tmp}/evidence"],
    "lab-up": ["lab", "up", "{root}", "--only", "network"],
}
#: A hostile file and what its problem says.
HOSTILE_FILES: dict[str, tuple[bytes, str]] = {
    "alias-bomb": (_bomb().encode(), "expands to more than"),
    "not-utf8": (b"printers:\n  - id: p\xfc\n", ":2:"),
    "deep": (b"printers: " + b"[" * 100_000 + b"]" * 100_000 + b"\n", "nesting deeper than"),
}


@pytest.mark.parametrize("case", sorted(HOSTILE_FILES))
@pytest.mark.parametrize("command", sorted(YAML_COMMANDS))
def test_every_yaml_command_refuses_hostile_files_with_exit_2(
    tmp_path: Path, command: str, case: str
) -> None:
    root = _copy_demo(tmp_path)
    data, expected = HOSTILE_FILES[case]
    (root / "hostile.yml").write_bytes(data)
    args = [a.format(root=root, tmp=tmp_path) for a in YAML_COMMANDS[command]]
    started = time.perf_counter()
    done = subprocess.run(
        [sys.executable, "-m", "kentops.cli", *args],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
        env={**os.environ, "COLUMNS": "200", "KENTOPS_LAB_DIR": str(tmp_path / "lab")},
    )
    seconds = time.perf_counter() - started
    assert done.returncode == 2, done.stdout + done.stderr
    assert "hostile.yml:" in done.stderr and expected in done.stderr, done.stderr
    assert "Traceback" not in done.stdout + done.stderr
    assert seconds < 60  # the parse itself takes well under a second
    assert not (tmp_path / "reports").exists() and not (tmp_path / "lab" / "state.json").exists()


@pytest.mark.parametrize(
    "args", [["--devices", "10000000", "x"], ["/etc/passwd"], ["/etc/passwd/x"]]
)
def test_lab_generate_refuses_with_exit_2(tmp_path: Path, args: list[str]) -> None:
    done, _ = _kentops("lab", "generate", *args, cwd=tmp_path)
    assert done.returncode == 2
    assert "Traceback" not in done.stderr + done.stdout


def _render(tmp_path: Path, *extra: str, root: Path = DEMO) -> subprocess.CompletedProcess[str]:
    done, _ = _kentops("render", str(root), "--out", str(tmp_path / "build"), *extra)
    return done


def test_render_writes_a_manifest_and_deploy_refuses_changed_or_invalid(tmp_path: Path) -> None:
    from kentops.render import ArtefactRefused, validated_artefact

    done = _render(tmp_path, "--host", "hq-sw-core-01")
    assert done.returncode == 0, done.stderr
    site = tmp_path / "build" / "ornek"
    manifest = json.loads((site / "render-manifest.json").read_text(encoding="utf-8"))
    assert manifest["valid"] is True
    artefact = next(site.glob("hq-sw-core-01/*"))
    assert validated_artefact(artefact) == artefact.read_bytes()
    artefact.write_text(artefact.read_text(encoding="utf-8") + "username evil\n")
    with pytest.raises(ArtefactRefused, match="changed"):
        validated_artefact(artefact)
    with pytest.raises(ArtefactRefused):
        validated_artefact(site / "hq-sw-core-01" / "missing.cfg")


def test_resolve_env_writes_0600_in_0700_and_rejects_a_newline_secret(tmp_path: Path) -> None:
    done, _ = _kentops(
        "render",
        str(DEMO),
        "--out",
        str(tmp_path / "b"),
        "--host",
        "hq-sw-core-01",
        "--resolve-env",
    )
    assert done.returncode == 0, done.stderr
    files = [p for p in (tmp_path / "b").rglob("*") if p.is_file()]
    assert files and all(p.stat().st_mode & 0o777 == 0o600 for p in files)
    dirs = [p for p in (tmp_path / "b").rglob("*") if p.is_dir()]
    assert all(p.stat().st_mode & 0o777 == 0o700 for p in dirs)
    done, _ = _kentops("render", str(DEMO), "--resolve-env", "--diff")
    assert done.returncode == 2


def test_secret_filter_never_renders_a_newline_from_the_environment(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    sys.path.insert(0, str(ROOT / "filter_plugins"))
    import kentops_filters

    monkeypatch.setenv("HOSTILE_SECRET", "s3cret\nusername evil privilege 15")
    with pytest.raises(ValueError, match="HOSTILE_SECRET") as caught:
        kentops_filters.secret("env:HOSTILE_SECRET", resolve_env=True)
    assert "s3cret" not in str(caught.value)


HOSTILE = st.text(
    alphabet=st.sampled_from(list("ab ^C?\"'\\$[];\n\r\x03\x1b\u2028{}")), max_size=40
)


@settings(max_examples=300, deadline=None)
@given(HOSTILE)
def test_each_output_language_keeps_hostile_text_inside_one_argument(text: str) -> None:
    """The escaping rule of each language keeps any text one line and one argument."""
    sys.path.insert(0, str(ROOT / "filter_plugins"))
    import kentops_filters as f

    for out in (f.cli_line(text), f.ini_value(text), f.fortios_string(text)):
        assert "\n" not in out and "\r" not in out and "\x1b" not in out
    assert "^" not in f.cli_line(text) and "?" not in f.cli_line(text)
    assert '"' not in f.cli_line(text, True)
    assert ";" not in f.ini_value(text)
    fortios = f.fortios_string(text)[1:-1]
    assert '"' not in fortios.replace('\\"', "").replace("\\\\", "")
    routeros = f.routeros_string(text)[1:-1]
    bare = routeros.replace("\\\\", "").replace('\\"', "").replace("\\$", "").replace("\\?", "")
    assert '"' not in bare and "$" not in bare and "\n" not in routeros
