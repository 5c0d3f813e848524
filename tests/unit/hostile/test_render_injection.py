"""No free-text value can add a command to any rendered configuration.

Every free-text field of the inventory and the access policy (the model's ``Line`` and
``Paragraph`` fields: names, descriptions, models, versions, locations, SSIDs, the login
banner...) is set at once to a hostile value, the whole demo is rendered, and each artefact is
parsed back the way its device would read it: IOS/VRP lines with the banner delimiter and
typed-in ``?`` help, FortiOS with multi-line quoted strings, RouterOS with ``;`` separators and
``$`` expansion inside strings, key=value files, Kea JSON and ISAPI XML. The set of commands
(each command's place in the hierarchy and its keyword) must be the same as in a render where
every free-text field holds a plain word. A value the model refuses is safe by definition and
is not rendered.
"""

from __future__ import annotations

import json
import re
import typing
import xml.etree.ElementTree as ET
from collections import Counter
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st
from pydantic import AfterValidator, BaseModel, StringConstraints, TypeAdapter, ValidationError

from kentops import modelbase
from kentops.inventory import load_inventory
from kentops.inventory.loader import LoadedInventory
from kentops.inventory.model import Camera, Phone, Ssid
from kentops.policy import Policies, load_policies
from kentops.render import RenderReport, render_site

ROOT = Path(__file__).resolve().parents[3]
DEMO = ROOT / "inventories" / "demo"
POLICIES = ROOT / "policies"

FREE_TEXT = {modelbase._line, modelbase._paragraph}  # the validators that make a field free text

Skeleton = Counter[tuple[str, ...]]


# ------------------------------------------------------------------ setting every free-text field


def _free_text_kind(annotation: Any, metadata: list[Any]) -> str | None:
    """'line' or 'paragraph' for a free-text field, None for anything else (ids, words...)."""
    for meta in metadata:
        if isinstance(meta, StringConstraints) and meta.pattern:
            return None  # a Word or an id: a constrained token, not free text
    for meta in metadata:
        if isinstance(meta, AfterValidator) and meta.func in FREE_TEXT:
            return "paragraph" if meta.func is modelbase._paragraph else "line"
    if typing.get_origin(annotation) is typing.Annotated:
        base, *extra = typing.get_args(annotation)
        return _free_text_kind(base, list(extra))
    return None


#: Free text the renderer refuses unless it is one CLI word (an SSID on the C9800; the test
#: below shows a hostile one refused): such fields get only the word characters.
WORD_FIELDS = {(Ssid, "name")}
#: Free text that chooses the templates (a Hikvision camera, a Yealink phone): kept as it is.
KEPT_FIELDS = {(Camera, "vendor"), (Phone, "vendor")}


def _with_text(value: Any, line: str, paragraph: str) -> Any:
    """``value`` with every free-text field set to ``line`` (or ``paragraph``), recursively."""
    if isinstance(value, BaseModel):
        changes: dict[str, Any] = {}
        for name, info in type(value).model_fields.items():
            current = getattr(value, name)
            kind = _free_text_kind(info.annotation, list(info.metadata))
            if kind and isinstance(current, str) and (type(value), name) not in KEPT_FIELDS:
                limit = next(
                    (m.max_length for m in info.metadata if getattr(m, "max_length", None)), None
                )
                text = line if kind == "line" else paragraph
                if (type(value), name) in WORD_FIELDS:
                    text = re.sub(r"[^A-Za-z0-9_.-]", "", text)
                changes[name] = text[:limit] if limit else text
            else:
                changes[name] = _with_text(current, line, paragraph)
        return type(value).model_construct(_fields_set=value.model_fields_set, **changes)
    if isinstance(value, list):
        return [_with_text(item, line, paragraph) for item in value]
    if isinstance(value, tuple):
        return tuple(_with_text(item, line, paragraph) for item in value)
    if isinstance(value, dict):
        return {key: _with_text(item, line, paragraph) for key, item in value.items()}
    return value


def _render(
    loaded: LoadedInventory,
    policies: Policies,
    line: str,
    paragraph: str,
    hosts: list[str] | None = None,
) -> RenderReport:
    inventory = _with_text(loaded.inventory, line, paragraph)
    hostile = replace(loaded, inventory=inventory)
    access = _with_text(policies.access, line, paragraph)
    return render_site(
        hostile, POLICIES, hosts=hosts, policies=replace(policies, access=access), jobs=1
    )


# ------------------------------------------------------------------ reading artefacts back


def _cli(text: str) -> Skeleton:
    """IOS and VRP as typed in: a banner ends at its delimiter, '?' is help, not text."""
    out: Skeleton = Counter()
    path: list[tuple[int, str]] = []
    lines = iter(text.splitlines())
    for raw in lines:
        if not raw.strip() or raw.lstrip().startswith("!"):
            continue
        indent = len(raw) - len(raw.lstrip())
        words = raw.split()
        while path and path[-1][0] >= indent:
            path.pop()
        parent = tuple(word for _, word in path)
        out[(*parent, words[0])] += 1
        if "?" in raw:
            out[(*parent, "<help requested>")] += 1
        banner = re.match(r"\s*banner \S+ (\S)(.*)$", raw)
        if banner:
            delimiter, rest = banner.groups()
            while delimiter not in rest:
                rest = next(lines, delimiter)
            continue
        path.append((indent, words[0] if words[0] not in ("interface", "vlan", "line") else raw))
    return out


def _quoted_commands(text: str, separators: str, expands: str) -> list[list[str]]:
    """Commands of a quoting CLI: tokens with "..." strings (backslash escapes, line breaks
    inside), split at ``separators`` outside strings; an unescaped character of ``expands``
    inside a string or a '?' outside one becomes a token of its own (the CLI acts on it)."""
    commands: list[list[str]] = [[]]
    token = ""
    in_string = False
    i = 0
    while i < len(text):
        char = text[i]
        if char == "\\" and i + 1 < len(text):
            if text[i + 1] == "\n" and not in_string:  # line continuation
                i += 2
                continue
            token += text[i : i + 2]
            i += 2
            continue
        if in_string:
            if char == '"':
                in_string = False
            elif char in expands:
                commands[-1].append(f"<{char} expanded>")
            token += char
        elif char == '"':
            in_string = True
            token += char
        elif char in separators:
            if token:
                commands[-1].append(token)
            token = ""
            commands.append([])
        elif char == "?":
            commands[-1].append("<help requested>")
        elif char in " \t":
            if token:
                commands[-1].append(token)
            token = ""
        else:
            token += char
        i += 1
    if token:
        commands[-1].append(token)
    return [command for command in commands if command]


def _fortios(text: str) -> Skeleton:
    out: Skeleton = Counter()
    path: list[str] = []
    for words in _quoted_commands(text, "\n", ""):
        if words[0].startswith("#"):
            continue
        key = (
            words[1] if words[0] in ("set", "unset", "config", "append") and len(words) > 1 else ""
        )
        out[(*path, words[0], key)] += 1
        out.update((*path, word) for word in words if word.startswith("<"))
        if words[0] in ("config", "edit"):
            path.append(words[0])
        elif words[0] in ("end", "next") and path:
            path.pop()
    return out


ROUTEROS_VERBS = {"add", "set", "remove", "print", "enable", "disable", "unset", "comment", "move"}


def _routeros(text: str) -> Skeleton:
    out: Skeleton = Counter()
    menu = ""
    for words in _quoted_commands(text, "\n;", "$"):
        if words[0].startswith("#"):
            continue
        where = menu
        if words[0].startswith("/"):
            path = [words.pop(0)]
            while words and words[0] not in ROUTEROS_VERBS and "=" not in words[0]:
                path.append(words.pop(0))
            where = " ".join(path)
            if not words:
                menu = where  # a line naming only a menu enters it
                continue
        keys = sorted(word.split("=", 1)[0] for word in words[1:] if not word.startswith("<"))
        out[(where, words[0], *keys)] += 1
        out.update((where, word) for word in words if word.startswith("<"))
    return out


def _key_value(text: str, comment: str) -> Skeleton:
    out: Skeleton = Counter()
    section = ""
    for raw in text.splitlines():
        line = raw.split(comment, 1)[0].strip() if comment == ";" else raw.strip()
        if not line or (comment == "#" and line.startswith("#")):
            continue
        if line.startswith("[") and "]" in line:
            section = line[: line.index("]") + 1]
            continue
        key = re.split(r"=>?|\s", line, maxsplit=1)[0].strip()
        out[(section, key)] += 1
    return out


def _json_shape(value: Any, path: tuple[str, ...] = ()) -> list[tuple[str, ...]]:
    if isinstance(value, dict):
        return [shape for key, item in value.items() for shape in _json_shape(item, (*path, key))]
    if isinstance(value, list):
        return [shape for item in value for shape in _json_shape(item, (*path, "[]"))]
    return [(*path, type(value).__name__)]


def _kea(text: str) -> Skeleton:
    text = re.sub(r"^\s*//.*$|^\s*#.*$", "", text, flags=re.MULTILINE)
    return Counter(_json_shape(json.loads(text)))


def _xml(text: str) -> Skeleton:
    root = ET.fromstring(text.encode("utf-8"))

    def walk(element: ET.Element, path: tuple[str, ...]) -> list[tuple[str, ...]]:
        here = (*path, element.tag, *sorted(element.attrib))
        return [here] + [shape for child in element for shape in walk(child, here)]

    return Counter(walk(root, ()))


READERS: dict[str, Callable[[str], Skeleton]] = {
    "ios": _cli,
    "vrp": _cli,
    "fortios": _fortios,
    "routeros": _routeros,
    "yealink": lambda text: _key_value(text, "#"),
    "asterisk": lambda text: _key_value(text, ";"),
    "kea": _kea,
    "isapi": _xml,
}


def _skeletons(report: RenderReport) -> dict[str, Skeleton]:
    return {a.path: READERS[a.kind](a.text) for a in report.artefacts}


# ------------------------------------------------------------------ the property


Demo = tuple[LoadedInventory, Policies, list[str], dict[str, Skeleton]]


@pytest.fixture(scope="module")
def demo() -> Demo:
    """The plain render, and one device of each artefact kind and template to probe."""
    loaded = load_inventory(DEMO)
    policies = load_policies(POLICIES, loaded)
    plain = _render(loaded, policies, "Plain text", "Plain text")
    assert plain.ok, plain.problems
    assert {a.kind for a in plain.artefacts} == set(READERS), "a platform has no reader"
    probes = sorted({a.template: a.device_id for a in plain.artefacts}.values())
    expected = {p: s for p, s in _skeletons(plain).items() if p.split("/")[1] in probes}
    return loaded, policies, probes, expected


def test_readers_see_the_injections_they_guard_against() -> None:
    """The readers are not blind: unescaped text does change what they read."""
    banner = "banner login ^C\nx^C\nusername evil privilege 15\n^C\nhostname a\n"
    assert _cli(banner)[("username",)] == 1
    assert _cli("snmp-server location a ? b\n")[("<help requested>",)] == 1
    forti = 'config system global\n    set alias "a{}b"\n    set admin-sport 1\nend\n'
    assert _fortios(forti.format('"'))[("config", "set", "admin-sport")] == 0
    assert _fortios(forti.format('\\"'))[("config", "set", "admin-sport")] == 1
    assert (
        _routeros('/system identity\nset name="a";/user add name=evil\n')[
            ("/system identity", "set", "name")
        ]
        == 1
    )
    assert _routeros('/system note\nset note="a$x"\n')[("/system note", "<$ expanded>")] == 1
    assert _routeros('/system note\nset note="a\\$x"\n')[("/system note", "<$ expanded>")] == 0
    assert (
        _routeros('/system note\nset note="a";/user add name=evil\n')[("/user", "add", "name")] == 1
    )


HOSTILE_CHARS = list("ab ^C?\"'\\$[]{};#=<>&|!/%`~,.:\u00e7\u0131\u015f")
LINE = TypeAdapter(modelbase.Line)


def _valid_line(text: str) -> bool:
    try:
        LINE.validate_python(text)
    except ValidationError:
        return False
    return True


@settings(
    max_examples=4,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    core=st.text(alphabet=st.sampled_from(HOSTILE_CHARS), min_size=1, max_size=20),
    second=st.text(alphabet=st.sampled_from(HOSTILE_CHARS), max_size=12),
)
@example(core="x^Cusername evil privilege 15 secret 0 x^C", second="^C")
@example(core='x" ; /user add name=evil group=full ; "', second='"\\')
@example(core='x"\nset admin', second="$[/system reboot]")
@example(core='x\\";\\\\$(reboot)?', second="]]></x><x>")
@example(core="x static.wui.user_mode = 1 ; [general]", second="}")
def test_no_free_text_adds_a_command(demo: Demo, core: str, second: str) -> None:
    loaded, policies, probes, expected = demo
    line = f"a{core}z"
    if not _valid_line(line):
        return  # the model refuses it (file:line, exit 2): nothing is rendered
    paragraph = f"{line}\n{second}z"
    report = _render(loaded, policies, line, paragraph, hosts=probes)
    assert report.ok, report.problems
    got = _skeletons(report)
    assert got.keys() == expected.keys()
    for path, skeleton in expected.items():
        assert got[path] == skeleton, (path, got[path] - skeleton, skeleton - got[path])


@pytest.mark.parametrize("ssid", ["a?b", 'a"b', "a b", "a^Cb", "Ağ"])
def test_an_ssid_the_controller_cli_cannot_take_is_refused_at_render(demo: Demo, ssid: str) -> None:
    loaded, _, _, _ = demo
    wlc = loaded.inventory.wireless_controllers[0]
    first = wlc.ssids[0].model_copy(update={"name": ssid})
    changed = wlc.model_copy(update={"ssids": [first, *wlc.ssids[1:]]})
    inventory = loaded.inventory.model_copy(update={"wireless_controllers": [changed]})
    inventory = type(inventory).model_validate(inventory.model_dump())
    report = render_site(replace(loaded, inventory=inventory), POLICIES, hosts=[wlc.id], jobs=1)
    assert any("SSID" in p.message and p.subject and wlc.id in p.subject for p in report.problems)
