"""YAML loading that remembers where every value came from, within limits.

Every command that reads YAML (validate, render, policy check, audit, inventory list, lab)
reads it here, so every one of them gets the same guarantees:

* a file larger than ``Limits.max_bytes`` is not read at all;
* bytes that are not UTF-8 are reported with file, line and column;
* a file that is a symbolic link pointing out of its folder is refused;
* PyYAML's C parser yields events; the data is built from them here, without recursion, and
  the build stops with a problem as soon as the nesting depth, the number of aliases or the
  number of nodes that the aliases expand to passes its limit (an "alias bomb" of a few
  hundred bytes is rejected after a few thousand events, not after gigabytes);
* duplicate keys, merge keys and non-plain keys are problems, and every mapping key and
  sequence item gets its source line, keyed by its path
  (``("switches", 3, "ports", 0, "name")``).

Problems print through :func:`printable`, so a raw newline or terminal escape in a value
cannot forge a second log line or drive the terminal.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, ClassVar

import yaml

try:  # the C parser is ~10x faster; fall back quietly where libyaml is absent
    from yaml import CSafeLoader as _Loader
except ImportError:  # pragma: no cover - depends on the platform build
    from yaml import SafeLoader as _Loader  # type: ignore[assignment]

PathKey = tuple[str | int, ...]
_STR_TAG = "tag:yaml.org,2002:str"
_MERGE_TAG = "tag:yaml.org,2002:merge"
_PLAIN_COLLECTION_TAGS = frozenset({None, "!", "tag:yaml.org,2002:map", "tag:yaml.org,2002:seq"})


@dataclass(frozen=True)
class Limits:
    """What one YAML file may cost. An inventory of 5,000 devices stays far below each."""

    max_bytes: int = 32 * 1024 * 1024
    max_depth: int = 64
    max_aliases: int = 1_000
    max_nodes: int = 5_000_000  # nodes after expanding every alias


LIMITS = Limits()

# C0 and C1 controls, DEL, the Unicode line and paragraph separators and the bidirectional
# overrides: everything that can end a line, move the cursor or reorder what a reader sees.
_UNPRINTABLE = re.compile("[\x00-\x1f\x7f-\x9f\u2028\u2029\u200e\u200f\u202a-\u202e\u2066-\u2069]")


def printable(text: str) -> str:
    """``text`` with every control character written as an escape (``\\n``, ``\\x1b``)."""
    if not _UNPRINTABLE.search(text):
        return text

    def escape(match: re.Match[str]) -> str:
        char = match.group()
        named = {"\n": "\\n", "\r": "\\r", "\t": "\\t"}.get(char)
        if named:
            return named
        code = ord(char)
        return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"

    return _UNPRINTABLE.sub(escape, text)


@dataclass(frozen=True)
class Problem:
    """One thing wrong with the input: where, with what, what, and how to fix it."""

    file: Path
    line: int
    message: str
    fix: str
    subject: str | None = None
    column: int | None = None

    def __str__(self) -> str:
        where = f"{printable(display_path(self.file))}:{self.line}"
        if self.column is not None:
            where += f":{self.column}"
        what = f"{printable(self.subject)}: " if self.subject else ""
        return f"{where}: {what}{printable(self.message)}: {printable(self.fix)}"

    def as_dict(self) -> dict[str, object]:
        out: dict[str, object] = {
            "file": printable(display_path(self.file)),
            "line": self.line,
            "subject": printable(self.subject) if self.subject else self.subject,
            "message": printable(self.message),
            "fix": printable(self.fix),
        }
        if self.column is not None:
            out["column"] = self.column
        return out


class InvalidInput(Exception):
    """Raised with every problem found in one pass; nothing runs on invalid input."""

    def __init__(self, problems: list[Problem]) -> None:
        self.problems = sorted(problems, key=lambda p: (str(p.file), p.line, p.message))
        super().__init__("\n".join(str(p) for p in self.problems))


def display_path(path: Path) -> str:
    """A path relative to the working directory when it lies below it."""
    try:
        return str(path.resolve().relative_to(Path.cwd().resolve()))
    except (ValueError, OSError, RuntimeError):
        return str(path)


@dataclass
class SourceDocument:
    """One YAML file: its data and the line of each path inside it."""

    file: Path
    data: Any
    lines: dict[PathKey, int] = field(default_factory=dict)
    has_lines: bool = True

    def line_of(self, path: PathKey) -> int:
        """Line of the deepest known ancestor of ``path`` (1-based)."""
        if not self.has_lines:  # read fast at first: find the lines now, once
            self.lines = load_yaml(self.file)[0].lines
            self.has_lines = True
        for cut in range(len(path), -1, -1):
            line = self.lines.get(tuple(path[:cut]))
            if line is not None:
                return line
        return 1


class _Stop(Exception):
    """A limit was passed or the structure is unusable: the problem is already recorded."""


class _FastLoader(_Loader):
    """The C parser with cached resolution of plain scalars (many values repeat)."""

    _resolved: ClassVar[dict[str, str]] = {}

    def resolve(self, kind: Any, value: Any, implicit: Any) -> Any:
        if kind is yaml.ScalarNode and implicit[0]:
            tag = self._resolved.get(value)
            if tag is None:
                tag = super().resolve(kind, value, implicit)  # type: ignore[no-untyped-call]
                if len(self._resolved) < 200_000:
                    self._resolved[value] = tag
            return tag
        return super().resolve(kind, value, implicit)  # type: ignore[no-untyped-call]


_SKIP = object()  # the value of a key that was reported and is left out
_NO_KEY = object()


@dataclass
class _Frame:
    """One open mapping or sequence while the events stream in."""

    container: dict[Any, Any] | list[Any]
    path: PathKey
    anchor: str | None
    nodes_at_start: int
    key: Any = _NO_KEY  # mappings: the key waiting for its value
    first_line: dict[Any, int] = field(default_factory=dict)


class _EventBuilder:
    """Build plain dicts and lists from parser events, iteratively and within limits."""

    def __init__(
        self, file: Path, text: str, lines: bool, limits: Limits, issues: list[Problem]
    ) -> None:
        self.file = file
        self.loader = _FastLoader(text)
        self.lines: dict[PathKey, int] | None = {} if lines else None
        self.limits = limits
        self.issues = issues
        self.stack: list[_Frame] = []
        self.anchors: dict[str, tuple[Any, int]] = {}
        self.open_anchors: set[str] = set()
        self.nodes = 0
        self.aliases = 0
        self.root: Any = None
        self.documents = 0

    def _issue(self, mark: Any, message: str, fix: str) -> None:
        line = mark.line + 1 if mark is not None else 1
        self.issues.append(Problem(self.file, line, message, fix))

    def run(self) -> Any:
        loader = self.loader
        try:
            while loader.check_event():
                event = loader.get_event()
                if event is not None:
                    self._event(event)
        except _Stop:
            return None
        finally:
            loader.dispose()
        return self.root

    def _count(self, mark: Any, added: int) -> None:
        self.nodes += added
        if self.nodes > self.limits.max_nodes:
            self._issue(
                mark,
                f"the document expands to more than {self.limits.max_nodes:,} values"
                " (aliases repeat what they point at)",
                "write the values out without YAML anchors and aliases (&name, *name)",
            )
            raise _Stop

    def _event(self, event: yaml.Event) -> None:
        mark = event.start_mark
        if isinstance(event, yaml.ScalarEvent):
            self._count(mark, 1)
            self._value(self._scalar(event), mark, event.anchor, 1)
        elif isinstance(event, yaml.MappingStartEvent | yaml.SequenceStartEvent):
            self._open(event)
        elif isinstance(event, yaml.MappingEndEvent | yaml.SequenceEndEvent):
            frame = self.stack.pop()
            size = self.nodes - frame.nodes_at_start + 1
            if frame.anchor is not None:
                self.open_anchors.discard(frame.anchor)
            self._value(frame.container, mark, frame.anchor, size, opened=True)
        elif isinstance(event, yaml.AliasEvent):
            self._alias(event)
        elif isinstance(event, yaml.DocumentStartEvent):
            self.documents += 1
            if self.documents > 1:
                self._issue(
                    mark,
                    "more than one YAML document in the file",
                    "keep one document: remove the '---' line and what follows, or split the file",
                )
                raise _Stop

    def _open(self, event: yaml.CollectionStartEvent) -> None:
        mark: Any = event.start_mark
        if len(self.stack) >= self.limits.max_depth:
            self._issue(
                mark,
                f"nesting deeper than {self.limits.max_depth} levels",
                "flatten the structure; no inventory or policy object nests this deep",
            )
            raise _Stop
        if event.tag not in _PLAIN_COLLECTION_TAGS:
            self._issue(
                mark,
                f"YAML tag '{event.tag}' is not used here",
                "remove the tag; write plain mappings and lists",
            )
        self._count(mark, 1)
        container: dict[Any, Any] | list[Any] = (
            {} if isinstance(event, yaml.MappingStartEvent) else []
        )
        path = self._child_path(mark)
        if self.lines is not None:
            self.lines.setdefault(path, mark.line + 1)
        if event.anchor is not None:
            self.open_anchors.add(event.anchor)
        self.stack.append(_Frame(container, path, event.anchor, self.nodes))

    def _child_path(self, mark: Any) -> PathKey:
        """The path of the value that starts now (for the line table)."""
        if not self.stack:
            if self.lines is not None:
                self.lines.setdefault((), mark.line + 1)
            return ()
        parent = self.stack[-1]
        if isinstance(parent.container, list):
            return (*parent.path, len(parent.container))
        if parent.key is _NO_KEY or parent.key is _SKIP:
            return (*parent.path, "<key>")
        return (*parent.path, parent.key)

    def _alias(self, event: yaml.AliasEvent) -> None:
        mark = event.start_mark
        name = event.anchor
        self.aliases += 1
        if self.aliases > self.limits.max_aliases:
            self._issue(
                mark,
                f"more than {self.limits.max_aliases:,} YAML aliases",
                "write the values out without anchors and aliases (&name, *name)",
            )
            raise _Stop
        if name in self.open_anchors:
            self._issue(
                mark,
                f"alias '*{name}' refers to the collection that contains it",
                "remove the alias: a value cannot contain itself",
            )
            raise _Stop
        found = self.anchors.get(name) if name is not None else None
        if found is None:
            self._issue(mark, f"alias '*{name}' has no anchor", f"define '&{name}' before it")
            raise _Stop
        value, size = found
        self._count(mark, size)
        self._value(value, mark, None, size, alias=True)

    def _scalar(self, event: yaml.ScalarEvent) -> Any:
        tag = event.tag
        if tag is None or tag == "!":
            tag = self.loader.resolve(yaml.ScalarNode, event.value, event.implicit)
        if tag == _STR_TAG:
            return event.value
        if tag == _MERGE_TAG:
            return _MergeKey()
        marks: tuple[Any, Any] = (event.start_mark, event.end_mark)
        node = yaml.ScalarNode(tag, event.value, *marks, event.style)
        try:
            return self.loader.construct_object(node, deep=True)
        except yaml.MarkedYAMLError as exc:
            self._issue(
                exc.problem_mark or event.start_mark,
                f"YAML error: {exc.problem}",
                "fix the value at this line",
            )
            return _SKIP

    def _value(
        self,
        value: Any,
        mark: Any,
        anchor: str | None,
        size: int,
        *,
        opened: bool = False,
        alias: bool = False,
    ) -> None:
        if anchor is not None:
            self.anchors[anchor] = (value, size)
        if not self.stack:
            self.root = value
            if self.lines is not None:
                self.lines.setdefault((), mark.line + 1)
            return
        parent = self.stack[-1]
        if isinstance(parent.container, dict) and parent.key is _NO_KEY:  # a key
            collection = opened or (alias and isinstance(value, dict | list))
            parent.key = self._key(parent, value, mark, collection)
            return
        if isinstance(value, _MergeKey):  # '<<' as a value is only text
            value = "<<"
        if isinstance(parent.container, list):
            if self.lines is not None and not opened:
                self.lines[(*parent.path, len(parent.container))] = mark.line + 1
            parent.container.append(None if value is _SKIP else value)
            return
        key = parent.key
        parent.key = _NO_KEY
        if key is _SKIP or value is _SKIP:
            return
        parent.container[key] = value

    def _key(self, parent: _Frame, key: Any, mark: Any, collection: bool) -> Any:
        if isinstance(key, _MergeKey):
            self._issue(
                mark,
                "YAML merge keys (<<) are not used here",
                "write the keys out; the inventory avoids cleverness",
            )
            return _SKIP
        if key is _SKIP:
            return _SKIP
        if collection or not isinstance(key, str | int) or isinstance(key, bool):
            shown = "a mapping or list" if collection else repr(key)
            self._issue(
                mark,
                f"mapping key {printable(shown)} is not a plain name",
                "use a plain string as the key",
            )
            return _SKIP
        line = mark.line + 1
        first = parent.first_line.get(key)
        if first is not None:
            self._issue(
                mark,
                f"duplicate key '{key}' (first at line {first})",
                "remove one of the two; YAML would silently keep the last",
            )
            return _SKIP
        parent.first_line[key] = line
        if self.lines is not None:
            self.lines[(*parent.path, key)] = line
        return key


class _MergeKey:
    """The ``<<`` key: reported, never merged."""


def _read_text(
    file: Path, within: Path | None, limits: Limits
) -> tuple[str | None, Problem | None]:
    """The file's text, or the problem that stops it being read."""
    folder = within if within is not None else file.parent
    try:
        target = file.resolve(strict=True)
    except (OSError, RuntimeError):
        if file.is_symlink():
            return None, Problem(
                file, 1, "symbolic link to nothing", "remove the link or point it at a file"
            )
        return None, Problem(file, 1, "file not found", "check the path")
    if (file.is_symlink() or within is not None) and not target.is_relative_to(folder.resolve()):
        return None, Problem(
            file,
            1,
            f"symbolic link points out of its folder ({printable(str(target))})",
            f"copy the file into {display_path(folder)} instead of linking to it",
        )
    try:
        size = file.stat().st_size
    except OSError as exc:
        return None, Problem(file, 1, f"cannot read the file: {exc.strerror}", "check the path")
    if not file.is_file():
        return None, Problem(file, 1, "not a regular file", "give the path of a YAML file")
    if size > limits.max_bytes:
        return None, Problem(
            file,
            1,
            f"file is {size:,} bytes, more than the limit of {limits.max_bytes:,}",
            "split it into several files (any file may hold any collection)",
        )
    with file.open("rb") as handle:
        raw = handle.read(limits.max_bytes + 1)
    if len(raw) > limits.max_bytes:
        return None, Problem(
            file,
            1,
            f"file is larger than the limit of {limits.max_bytes:,} bytes",
            "split it into several files (any file may hold any collection)",
        )
    return decode_utf8(file, raw)


def decode_utf8(file: Path, raw: bytes) -> tuple[str | None, Problem | None]:
    """Decode ``raw`` as UTF-8, or say where (line and column) the first bad byte is."""
    try:
        return raw.decode("utf-8"), None
    except UnicodeDecodeError as exc:
        line = raw.count(b"\n", 0, exc.start) + 1
        column = exc.start - (raw.rfind(b"\n", 0, exc.start) + 1) + 1
        bad = raw[exc.start : exc.end].hex(" ")
        return None, Problem(
            file,
            line,
            f"not UTF-8 text: byte(s) {bad} cannot be decoded",
            "save the file as UTF-8 (Turkish letters are fine in UTF-8)",
            column=column,
        )


def load_yaml(
    file: Path,
    text: str | None = None,
    lines: bool = True,
    *,
    within: Path | None = None,
    limits: Limits = LIMITS,
) -> tuple[SourceDocument, list[Problem]]:
    """Read one YAML file; return the document and the problems found in its text.

    With ``lines=False`` no line is recorded (faster); the lines are found on demand by
    :meth:`SourceDocument.line_of`, and problems of the text always carry their line.
    ``within`` is the folder the file must really lie in (default: its own folder): a
    symbolic link pointing elsewhere is refused.
    """
    doc = SourceDocument(file=file, data=None, has_lines=lines)
    if text is None:
        text, refused = _read_text(file, within, limits)
        if refused is not None or text is None:
            return doc, [refused] if refused is not None else []
    elif len(text.encode("utf-8", "surrogatepass")) > limits.max_bytes:
        return doc, [
            Problem(file, 1, f"text is larger than {limits.max_bytes:,} bytes", "split it")
        ]
    issues: list[Problem] = []
    if "\t" in text:
        for number, raw in enumerate(text.splitlines(), start=1):
            if raw.lstrip(" ").startswith("\t"):
                issues.append(
                    Problem(
                        file,
                        number,
                        "tab character in indentation",
                        "indent with spaces (two per level)",
                    )
                )
        if issues:
            return doc, issues
    try:
        builder = _EventBuilder(file, text, lines, limits, issues)
        data = builder.run()
    except yaml.reader.ReaderError as exc:  # a character YAML does not allow
        before = text[: exc.position]
        issues.append(
            Problem(
                file,
                before.count("\n") + 1,
                f"character {printable(chr(exc.character))} is not allowed in YAML"
                if isinstance(exc.character, int)
                else "character not allowed in YAML",
                "remove the control character (write plain text)",
                column=exc.position - (before.rfind("\n") + 1) + 1,
            )
        )
        return doc, issues
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        problem = exc.problem or "malformed YAML"
        issues.append(
            Problem(
                file,
                mark.line + 1 if mark is not None else 1,
                f"YAML syntax error: {problem}",
                "fix the YAML syntax at this line (indentation, quotes, colons)",
            )
        )
        return doc, issues
    doc.data = {} if data is None and not issues else data
    if builder.lines is not None:
        doc.lines = builder.lines
    return doc, issues
