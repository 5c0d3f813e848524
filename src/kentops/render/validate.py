"""Check each rendered artefact by its kind before anything is written or deployed.

What "valid" means, per kind:

* every kind: no template leftovers: no ``{%``/``{#``, no Python ``None`` where a value was
  missing, and ``{{ }}`` only in the form of a secret placeholder (``{{ vault_NAME }}`` or
  ``{{ lookup('ansible.builtin.env', 'NAME') }}``); no tabs, no trailing spaces.
* ``ios``, ``vrp``, ``fortios`` (indented CLI): parsed with hier_config (drivers CISCO_IOS,
  HUAWEI_VRP, FORTINET_FORTIOS). No unparsed or garbage lines means: the indentation is
  consistent (a multiple of the platform's step, at most one level deeper than the line
  before; banner bodies excepted), and every line that is not a comment becomes exactly one
  node of the hier_config tree (a line hier_config dropped or merged into a duplicate is
  reported). FortiOS additionally balances ``config``/``end`` and ``edit``/``next``.
* ``routeros``: every line is a comment, a menu path (``/ip firewall filter``) or a command
  (``add``/``set``/``remove``) with ``key=value`` arguments and balanced quotes.
* ``kea``: JSON, valid against the schema of the subset kentops emits
  (schemas/kea-dhcp4.schema.json); ``kea-dhcp4 -t`` on top when the binary exists.
* ``isapi``: well-formed XML, root element in the Hikvision namespace, version 2.0, the root
  element the resource expects.
* ``asterisk``: ``[section]`` headers, ``key=value`` and ``exten =>``/``same =>`` lines,
  ``;`` comments, no key outside a section.
* ``yealink``: first line ``#!version:1.0.0.1``, then ``key = value`` lines or ``#`` comments.
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import tempfile
import xml.etree.ElementTree as ET
from collections import Counter
from collections.abc import Callable
from functools import cache
from pathlib import Path
from typing import Any

import jsonschema

Finding = tuple[int, str]  # output line (1-based), message

ISAPI_NAMESPACE = "http://www.hikvision.com/ver20/XMLSchema"
ISAPI_ROOTS = {
    "time.xml": "Time",
    "ntpServers.xml": "NTPServerList",
    "ipAddress.xml": "IPAddress",
    "users.xml": "UserList",
    "onvifUsers.xml": "UserList",
    "upnp.xml": "UPnP",
    "ezviz.xml": "EZVIZ",
    "telnetd.xml": "Telnetd",
    "ssh.xml": "SSH",
    "integrate.xml": "Integrate",
}
_PLACEHOLDER = re.compile(
    r"\{\{ (vault_[A-Za-z0-9_]+|lookup\('ansible\.builtin\.env', '[A-Za-z_][A-Za-z0-9_]*'\)) \}\}"
)
_NONE = re.compile(r"(?<![A-Za-z0-9_])None(?![A-Za-z0-9_])")


def leftovers(text: str) -> list[Finding]:
    findings: list[Finding] = []
    for number, line in enumerate(text.splitlines(), start=1):
        bare = _PLACEHOLDER.sub("", line)
        if "{{" in bare or "}}" in bare or "{%" in bare or "{#" in bare:
            findings.append((number, "template syntax left in the output"))
        if _NONE.search(bare):
            findings.append((number, "'None' in the output: a value was missing"))
        if "\t" in line:
            findings.append((number, "tab character"))
        if line != line.rstrip():
            findings.append((number, "trailing whitespace"))
    return findings


# ---------------------------------------------------------------------------- indented CLIs

_COMMENT = {"ios": ("!",), "vrp": ("#", "!"), "fortios": ("#",)}
_STEP = {"ios": 1, "vrp": 1, "fortios": 4}


def _banner_lines(lines: list[str]) -> set[int]:
    """Indexes of IOS banner body lines (between 'banner x ^C' and '^C')."""
    inside: set[int] = set()
    open_at: int | None = None
    for i, line in enumerate(lines):
        if open_at is None:
            if line.startswith("banner ") and line.rstrip().endswith("^C"):
                open_at = i
        elif line.strip() == "^C":
            open_at = None
        else:
            inside.add(i)
    return inside


def _cli_structure(kind: str, lines: list[str]) -> list[Finding]:
    findings: list[Finding] = []
    step = _STEP[kind]
    banner = _banner_lines(lines) if kind == "ios" else set()
    previous = 0
    for i, line in enumerate(lines):
        if not line.strip() or i in banner or line.strip() == "^C":
            continue
        if line.lstrip().startswith(_COMMENT[kind]):
            continue
        indent = len(line) - len(line.lstrip(" "))
        if indent % step:
            findings.append((i + 1, f"indentation of {indent} is not a multiple of {step}"))
        elif indent > previous + step:
            findings.append((i + 1, "indented deeper than one level below the line before"))
        previous = indent
    if kind == "fortios":
        findings.extend(_fortios_blocks(lines))
    return findings


def _fortios_blocks(lines: list[str]) -> list[Finding]:
    findings: list[Finding] = []
    stack: list[tuple[str, int]] = []
    for i, raw in enumerate(lines, start=1):
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        word = line.split()[0]
        if word == "config":
            stack.append(("config", i))
        elif word == "edit":
            if not stack or stack[-1][0] != "config":
                findings.append((i, "'edit' outside a 'config' block"))
            stack.append(("edit", i))
        elif word == "next":
            if not stack or stack[-1][0] != "edit":
                findings.append((i, "'next' without 'edit'"))
            else:
                stack.pop()
        elif word == "end":
            if not stack or stack[-1][0] != "config":
                findings.append((i, "'end' without 'config'"))
            else:
                stack.pop()
        elif word in ("set", "unset", "append", "select"):
            if not stack:
                findings.append((i, f"'{word}' outside a 'config' block"))
        else:
            findings.append((i, f"unknown FortiOS command '{word}'"))
    for what, opened_at in stack:
        findings.append((opened_at, f"'{what}' never closed"))
    return findings


@cache
def _driver(kind: str) -> Any:
    from hier_config import Platform, get_hconfig_driver

    platform = {
        "ios": Platform.CISCO_IOS,
        "vrp": Platform.HUAWEI_VRP,
        "fortios": Platform.FORTINET_FORTIOS,
    }[kind]
    return get_hconfig_driver(platform)


_SEQUENCE = re.compile(r"^\d+ (?=permit|deny)")


def _normal(kind: str, text: str) -> str:
    text = text.strip()
    if kind == "ios":
        text = _SEQUENCE.sub("", text)
    return text


def _cli_tree(kind: str, text: str, lines: list[str]) -> list[Finding]:
    from hier_config import get_hconfig

    if kind == "fortios":  # block ends are checked by _fortios_blocks; the tree is indentation
        text = "\n".join(ln for ln in lines if ln.strip() not in ("next", "end"))
    try:
        tree = get_hconfig(_driver(kind), text)
    except Exception as exc:  # noqa: BLE001 - any parser failure is a finding, not a crash
        return [(1, f"hier_config could not parse the configuration: {exc}")]
    parsed: Counter[str] = Counter()
    for node in tree.all_children():
        for part in node.text.split("\n"):
            if part.strip():
                parsed[_normal(kind, part)] += 1
    findings: list[Finding] = []
    wanted: Counter[str] = Counter()
    first_line: dict[str, int] = {}
    in_acl = False
    for i, line in enumerate(lines, start=1):
        stripped = line.strip()
        if not line.startswith(" "):
            in_acl = stripped.startswith("ip access-list ")
        if not stripped or stripped.startswith(_COMMENT[kind]):
            continue
        if kind == "ios" and (stripped == "end" or (in_acl and stripped.startswith("remark "))):
            continue
        if kind == "fortios" and stripped in ("end", "next"):
            continue
        key = _normal(kind, stripped)
        wanted[key] += 1
        first_line.setdefault(key, i)
    for key, count in sorted(wanted.items(), key=lambda kv: first_line[kv[0]]):
        have = parsed.get(key, 0)
        if have == 0:
            findings.append((first_line[key], f"line not in the parsed configuration: {key!r}"))
        elif have < count:
            findings.append((first_line[key], f"line repeated where it merges: {key!r}"))
    return findings


def validate_cli(kind: str, text: str) -> list[Finding]:
    lines = text.splitlines()
    findings = _cli_structure(kind, lines)
    if not findings:
        findings = _cli_tree(kind, text, lines)
    return findings


# ---------------------------------------------------------------------------- RouterOS

_ROS_MENU = re.compile(r"^/[a-z0-9-]+( [a-z0-9-]+)*$")
_ROS_COMMAND = re.compile(r"^(add|set|remove|enable|disable)( |$)")
_ROS_ARG = re.compile(r'^(\[[^\]]*\]|[a-z0-9-]+=("[^"]*"|[^"\s]*)|[a-z0-9-]+)$')


def _ros_tokens(line: str) -> list[str] | None:
    tokens: list[str] = []
    current = ""
    quoted = False
    bracket = 0
    for char in line:
        if char == '"':
            quoted = not quoted
        elif not quoted and char == "[":
            bracket += 1
        elif not quoted and char == "]":
            bracket -= 1
        if char == " " and not quoted and bracket == 0:
            if current:
                tokens.append(current)
            current = ""
        else:
            current += char
    if quoted or bracket:
        return None
    if current:
        tokens.append(current)
    return tokens


def validate_routeros(text: str) -> list[Finding]:
    findings: list[Finding] = []
    menu_seen = False
    for i, line in enumerate(text.splitlines(), start=1):
        if not line.strip() or line.startswith("#"):
            continue
        if line.startswith("/"):
            if not _ROS_MENU.match(line):
                findings.append((i, "malformed menu path"))
            menu_seen = True
            continue
        if not menu_seen:
            findings.append((i, "command before any menu path"))
        if not _ROS_COMMAND.match(line):
            findings.append((i, "not a RouterOS command (add, set, remove, enable, disable)"))
            continue
        tokens = _ros_tokens(line)
        if tokens is None:
            findings.append((i, "unbalanced quotes or brackets"))
            continue
        for token in tokens[1:]:
            if not _ROS_ARG.match(token):
                findings.append((i, f"malformed argument {token!r}"))
    return findings


# ---------------------------------------------------------------------------- Kea, XML, ini


@cache
def kea_schema() -> dict[str, Any]:
    path = Path(__file__).with_name("schemas") / "kea-dhcp4.schema.json"
    schema: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    return schema


def validate_kea(text: str) -> list[Finding]:
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        return [(exc.lineno, f"not JSON: {exc.msg}")]
    validator = jsonschema.Draft202012Validator(kea_schema())
    findings = []
    for error in sorted(validator.iter_errors(data), key=lambda e: list(e.path)):
        where = "/".join(str(p) for p in error.path) or "(top)"
        findings.append((1, f"schema: {where}: {error.message}"))
    return findings


def kea_binary() -> str | None:
    return shutil.which("kea-dhcp4") or (
        "/usr/sbin/kea-dhcp4" if Path("/usr/sbin/kea-dhcp4").exists() else None
    )


def kea_check(text: str, binary: str) -> list[Finding]:
    """Run ``kea-dhcp4 -t`` on the text; its complaint is the finding."""
    with tempfile.TemporaryDirectory(prefix="kentops-kea-") as tmp:
        path = Path(tmp) / "kea-dhcp4.conf"
        path.write_text(text, encoding="utf-8")
        result = subprocess.run(
            [binary, "-t", str(path)], capture_output=True, text=True, timeout=60, check=False
        )
    if result.returncode == 0:
        return []
    lines = [ln for ln in (result.stdout + result.stderr).splitlines() if ln.strip()]
    return [(1, f"kea-dhcp4 -t: {lines[-1] if lines else 'failed'}")]


def validate_isapi(text: str, artefact: str) -> list[Finding]:
    if "<!DOCTYPE" in text or "<!ENTITY" in text:
        return [(1, "DTDs are not allowed in ISAPI documents")]
    try:
        root = ET.fromstring(text)  # noqa: S314 - our own output, DTDs refused above
    except ET.ParseError as exc:
        return [(exc.position[0], f"not well-formed XML: {exc}")]
    findings: list[Finding] = []
    expected = ISAPI_ROOTS.get(artefact)
    tag = root.tag
    if not tag.startswith("{" + ISAPI_NAMESPACE + "}"):
        findings.append((1, f"root element not in the namespace {ISAPI_NAMESPACE}"))
    elif expected is not None and tag.split("}", 1)[1] != expected:
        findings.append((1, f"root element {tag.split('}', 1)[1]} is not {expected}"))
    if root.get("version") != "2.0":
        findings.append((1, 'root element needs version="2.0"'))
    return findings


_INI_SECTION = re.compile(r"^\[[A-Za-z0-9_.@+-]+\](\([A-Za-z0-9_,!-]*\))?$")
_INI_PAIR = re.compile(r"^[a-z_][a-z0-9_]*\s*=\s*\S.*$")
_INI_DIALPLAN = re.compile(r"^(exten|same|include|switch)\s*=>\s*\S.*$")


def validate_asterisk(text: str) -> list[Finding]:
    findings: list[Finding] = []
    section = False
    for i, line in enumerate(text.splitlines(), start=1):
        stripped = line.strip()
        if not stripped or stripped.startswith(";"):
            continue
        if stripped.startswith("["):
            if not _INI_SECTION.match(stripped):
                findings.append((i, "malformed section header"))
            section = True
        elif _INI_PAIR.match(stripped) or _INI_DIALPLAN.match(stripped):
            if not section:
                findings.append((i, "setting outside a [section]"))
        else:
            findings.append((i, "neither a section, a key=value nor a dialplan line"))
    return findings


_YEALINK_PAIR = re.compile(r"^[a-z0-9_.]+(\.[A-Za-z0-9_]+)* = [^\r\n]*$")


def validate_yealink(text: str) -> list[Finding]:
    lines = text.splitlines()
    if not lines or lines[0] != "#!version:1.0.0.1":
        return [(1, "the first line must be #!version:1.0.0.1")]
    findings: list[Finding] = []
    seen: dict[str, int] = {}
    for i, line in enumerate(lines[1:], start=2):
        if not line.strip() or line.startswith("#"):
            continue
        if not _YEALINK_PAIR.match(line):
            findings.append((i, "not a 'key = value' line"))
            continue
        key = line.split(" = ", 1)[0]
        if key in seen:
            findings.append((i, f"{key} set twice (also at line {seen[key]})"))
        seen[key] = i
    return findings


VALIDATORS: dict[str, Callable[[str, str], list[Finding]]] = {
    "ios": lambda text, _a: validate_cli("ios", text),
    "vrp": lambda text, _a: validate_cli("vrp", text),
    "fortios": lambda text, _a: validate_cli("fortios", text),
    "routeros": lambda text, _a: validate_routeros(text),
    "kea": lambda text, _a: validate_kea(text),
    "isapi": validate_isapi,
    "asterisk": lambda text, _a: validate_asterisk(text),
    "yealink": lambda text, _a: validate_yealink(text),
}


def validate(kind: str, text: str, artefact: str) -> list[Finding]:
    """Every finding of one artefact: leftovers first, then the kind's own checks."""
    return leftovers(text) + VALIDATORS[kind](text, artefact)
