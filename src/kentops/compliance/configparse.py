"""Fast, forgiving parsers of network device configurations into a tree of lines.

The checks read intended and running configurations of thousands of devices per audit, so
parsing is a single pass per configuration, cached by the check context. Each platform's
text becomes the same shape: a tree of ``Line`` (text plus children), so a check asks
"which top-level lines start with ``ntp server``" whatever the vendor.

- cisco_ios, arista_eos, aruba_aoscx, huawei_vrp: indentation blocks (``!`` and ``#`` are
  separators); multi-line banners (``banner login ^C ... ^C``, Huawei ``header ... "..."``)
  become one line whose children are the banner's lines.
- fortios: ``config``/``edit`` blocks closed by ``end``/``next``; a quoted value over
  several lines (``set buffer "..."``, certificates) stays one statement.
- routeros: ``/menu path`` sections holding commands (``set``, ``add``), backslash
  continuations joined; ``/path cmd`` on one line also understood.

hier_config parses these formats too, and the drift check uses it for remediation; but it is
an order of magnitude slower than this single pass, which matters at 5,000 devices.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field

INDENTED_PLATFORMS = frozenset({"cisco_ios", "arista_eos", "aruba_aoscx", "huawei_vrp"})
PLATFORMS = frozenset({*INDENTED_PLATFORMS, "fortios", "routeros"})


@dataclass(slots=True)
class Line:
    """One configuration line and the lines under it."""

    text: str
    children: list[Line] = field(default_factory=list)

    def child(self, prefix: str) -> Line | None:
        return next((c for c in self.children if _starts(c.text, prefix)), None)

    def has(self, text: str) -> bool:
        """A child line that is exactly ``text`` (``switchport port-security``, not
        ``switchport port-security maximum 3``, which does not switch it on)."""
        return any(c.text == text for c in self.children)

    def children_starting(self, prefix: str) -> list[Line]:
        return [c for c in self.children if _starts(c.text, prefix)]

    def walk(self) -> Iterator[Line]:
        for c in self.children:
            yield c
            yield from c.walk()

    def words(self) -> list[str]:
        return self.text.split()


def _starts(text: str, prefix: str) -> bool:
    return (
        text == prefix
        or text.startswith(prefix + " ")
        or (prefix.endswith(" ") and text.startswith(prefix))
    )


@dataclass(slots=True)
class Config:
    """A parsed configuration: the platform and the top-level lines."""

    platform: str
    lines: list[Line]

    def top(self, prefix: str) -> list[Line]:
        """Top-level lines equal to ``prefix`` or starting with ``prefix`` and a space."""
        return [line for line in self.lines if _starts(line.text, prefix)]

    def first(self, prefix: str) -> Line | None:
        return next((line for line in self.lines if _starts(line.text, prefix)), None)

    def has(self, text: str) -> bool:
        return any(line.text == text for line in self.lines)

    def walk(self) -> Iterator[Line]:
        for line in self.lines:
            yield line
            yield from line.walk()

    def find(self, *path: str) -> list[Line]:
        """Lines reached by a path of prefixes (FortiOS: "config system ntp", "set server")."""
        level = [line for line in self.lines if _starts(line.text, path[0])]
        for prefix in path[1:]:
            level = [c for line in level for c in line.children if _starts(c.text, prefix)]
        return level


# ---------------------------------------------------------------- indentation platforms

_BANNER = re.compile(r"^banner\s+(\S+)\s+(\^C|\S)(.*)$")
_HUAWEI_HEADER = re.compile(r'^header\s+(\S+)\s+information\s+"(.*)$')


def _parse_indented(text: str, platform: str) -> list[Line]:
    root: list[Line] = []
    stack: list[tuple[int, Line]] = []
    lines = text.splitlines()
    i = 0
    while i < len(lines):
        raw = lines[i].rstrip()
        i += 1
        stripped = raw.strip()
        if not stripped or stripped in {"!", "#", "end", "return"} or stripped.startswith("!"):
            continue
        if platform == "huawei_vrp" and stripped.startswith("#"):
            continue
        indent = len(raw) - len(raw.lstrip(" "))
        node = Line(stripped)
        banner = _BANNER.match(stripped) if indent == 0 else None
        header = _HUAWEI_HEADER.match(stripped) if indent == 0 else None
        if banner is not None:
            delimiter = banner.group(2)
            rest = banner.group(3)
            body: list[str] = []
            if delimiter in rest:
                body.append(rest.split(delimiter, 1)[0])
            else:
                if rest:
                    body.append(rest)
                while i < len(lines):
                    part = lines[i]
                    i += 1
                    if delimiter in part:
                        body.append(part.split(delimiter, 1)[0])
                        break
                    body.append(part)
            node = Line(f"banner {banner.group(1)}", [Line(b) for b in body if b.strip()])
        elif header is not None:
            rest = header.group(2)
            body = []
            if '"' in rest:
                body.append(rest.split('"', 1)[0])
            else:
                body.append(rest)
                while i < len(lines):
                    part = lines[i]
                    i += 1
                    if '"' in part:
                        body.append(part.split('"', 1)[0])
                        break
                    body.append(part)
            node = Line(f"header {header.group(1)}", [Line(b) for b in body if b.strip()])
        while stack and stack[-1][0] >= indent:
            stack.pop()
        if stack:
            stack[-1][1].children.append(node)
        else:
            root.append(node)
        stack.append((indent, node))
    return root


# ---------------------------------------------------------------- FortiOS


_UNESCAPED_QUOTE = re.compile(r'(?<!\\)"')


def _fortios_statements(text: str) -> Iterator[str]:
    """Lines of a FortiOS configuration, a quoted value that runs over several lines (a
    replacement message buffer, a certificate, a comment) joined into its statement."""
    lines = iter(text.splitlines())
    for raw in lines:
        statement = raw
        if '"' in raw:
            while len(_UNESCAPED_QUOTE.findall(statement)) % 2:
                more = next(lines, None)
                if more is None:
                    break
                statement += "\n" + more
        yield statement


def _parse_fortios(text: str) -> list[Line]:
    root: list[Line] = []
    stack: list[Line] = []
    for raw in _fortios_statements(text):
        stripped = raw.strip()
        if not stripped or stripped.startswith("#"):
            continue
        if stripped in {"end", "next"}:
            if stack:
                stack.pop()
            continue
        node = Line(stripped)
        (stack[-1].children if stack else root).append(node)
        if stripped.startswith(("config ", "edit ")):
            stack.append(node)
    return root


# ---------------------------------------------------------------- RouterOS


def _parse_routeros(text: str) -> list[Line]:
    joined: list[str] = []
    buffer = ""
    for raw in text.splitlines():
        line = raw.rstrip()
        if line.endswith("\\"):
            buffer += line[:-1].lstrip() if buffer else line[:-1]
            continue
        joined.append(buffer + (line.lstrip() if buffer else line))
        buffer = ""
    if buffer:
        joined.append(buffer)
    root: list[Line] = []
    section: Line | None = None
    for raw in joined:
        stripped = raw.strip()
        if not stripped or stripped.startswith("#"):
            continue
        if stripped.startswith("/"):
            path, command = _split_ros_path(stripped)
            section = next((s for s in root if s.text == path), None)
            if section is None:
                section = Line(path)
                root.append(section)
            if command:
                section.children.append(Line(command))
            continue
        if section is None:
            section = Line("/")
            root.append(section)
        section.children.append(Line(stripped))
    return root


_ROS_VERBS = frozenset({"set", "add", "remove", "disable", "enable", "print", "export"})


def _split_ros_path(text: str) -> tuple[str, str]:
    words = text.split()
    for index, word in enumerate(words):
        if index and (word in _ROS_VERBS or "=" in word or word.startswith("[")):
            return " ".join(words[:index]), " ".join(words[index:])
    return text, ""


_ROS_FIND = re.compile(r"\[[^\]]*\]")


def ros_command(text: str) -> tuple[str, list[str], dict[str, str]]:
    """Split a RouterOS command into its verb, bare words and key=value arguments.

    A ``[find ...]`` selector stays one bare word: ``set [find default=yes] disabled=yes``
    -> ("set", ["[find default=yes]"], {"disabled": "yes"}).
    """
    selectors = _ROS_FIND.findall(text) if "[" in text else []
    stripped = _ROS_FIND.sub(" ", text) if selectors else text
    parts = _ros_words(stripped)
    if not parts:
        return "", selectors, {}
    verb, words, args = parts[0], list(selectors), {}
    for part in parts[1:]:
        key, eq, value = part.partition("=")
        if eq:
            args[key] = value
        else:
            words.append(part)
    return verb, words, args


#: RouterOS escapes in quoted values (``\C4\B0`` is a byte in hex, UTF-8 when decoded).
_ROS_ESCAPES = {
    "n": "\n",
    "r": "\r",
    "t": "\t",
    "a": "\a",
    "b": "\b",
    "f": "\f",
    "v": "\v",
    "_": " ",
}
_HEX = frozenset("0123456789ABCDEF")


def _ros_words(text: str) -> list[str]:
    r"""Words of a RouterOS command: double quotes group (and go), backslash escapes
    decoded as the export writes them (``\"``, ``\\``, ``\n``, ``\C4\B0`` for the bytes of
    a UTF-8 letter)."""
    if '"' not in text and "\\" not in text:
        return text.split()
    words: list[str] = []
    word = bytearray()
    in_word = quoted = False
    i = 0
    while i < len(text):
        ch = text[i]
        i += 1
        if ch == '"':
            quoted = not quoted
            in_word = True
        elif ch == "\\" and i < len(text):
            nxt = text[i]
            if nxt in _HEX and i + 1 < len(text) and text[i + 1] in _HEX:
                word.append(int(text[i : i + 2], 16))
                i += 2
            else:
                word += _ROS_ESCAPES.get(nxt, nxt).encode()
                i += 1
            in_word = True
        elif ch.isspace() and not quoted:
            if in_word:
                words.append(word.decode("utf-8", "replace"))
                word.clear()
                in_word = False
        else:
            word += ch.encode()
            in_word = True
    if in_word:
        words.append(word.decode("utf-8", "replace"))
    return words


# ---------------------------------------------------------------- entry point


def parse_config(text: str, platform: str) -> Config:
    """Parse ``text`` as a configuration of ``platform`` (see the module docstring)."""
    if platform == "fortios":
        return Config(platform, _parse_fortios(text))
    if platform == "routeros":
        return Config(platform, _parse_routeros(text))
    return Config(platform, _parse_indented(text, platform))


def fortios_set(line: Line) -> tuple[str, list[str]]:
    """``set allowaccess ping https ssh`` -> ("allowaccess", ["ping", "https", "ssh"])."""
    words = _fortios_words(line.text)
    if len(words) < 2 or words[0] != "set":
        return "", []
    return words[1], words[2:]


def fortios_settings(block: Line) -> dict[str, list[str]]:
    """The ``set`` lines of a FortiOS block as a mapping."""
    out: dict[str, list[str]] = {}
    for child in block.children:
        key, values = fortios_set(child)
        if key:
            out[key] = values
    return out


def _fortios_words(text: str) -> list[str]:
    return split_words(text)


_WORD = re.compile(r'(?:[^\s"]+|"(?:[^"\\]|\\.)*"?)+')


def split_words(text: str) -> list[str]:
    """Words of a command, double quotes grouping (and removed), like a shell; fast path
    for the common case without quotes (shlex is ten times slower)."""
    if '"' not in text:
        return text.split()
    return [word.replace('"', "") for word in _WORD.findall(text)]
