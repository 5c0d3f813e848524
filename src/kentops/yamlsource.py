"""YAML loading that remembers where every value came from.

PyYAML's C loader composes the node tree (fast, with line marks); we construct the Python
data from it ourselves so that duplicate keys are caught and every mapping key and sequence
item gets its source line, keyed by its path (``("switches", 3, "ports", 0, "name")``).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, ClassVar

import yaml

try:  # the C loader is ~10x faster; fall back quietly where libyaml is absent
    from yaml import CSafeLoader as _Loader
except ImportError:  # pragma: no cover - depends on the platform build
    from yaml import SafeLoader as _Loader  # type: ignore[assignment]

PathKey = tuple[str | int, ...]
_STR_TAG = "tag:yaml.org,2002:str"


@dataclass(frozen=True)
class Problem:
    """One thing wrong with the input: where, with what, what, and how to fix it."""

    file: Path
    line: int
    message: str
    fix: str
    subject: str | None = None

    def __str__(self) -> str:
        where = f"{display_path(self.file)}:{self.line}"
        what = f"{self.subject}: " if self.subject else ""
        return f"{where}: {what}{self.message}: {self.fix}"

    def as_dict(self) -> dict[str, object]:
        return {
            "file": display_path(self.file),
            "line": self.line,
            "subject": self.subject,
            "message": self.message,
            "fix": self.fix,
        }


class InvalidInput(Exception):
    """Raised with every problem found in one pass; nothing runs on invalid input."""

    def __init__(self, problems: list[Problem]) -> None:
        self.problems = sorted(problems, key=lambda p: (str(p.file), p.line, p.message))
        super().__init__("\n".join(str(p) for p in self.problems))


def display_path(path: Path) -> str:
    """A path relative to the working directory when it lies below it."""
    try:
        return str(path.resolve().relative_to(Path.cwd().resolve()))
    except ValueError:
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


class _DuplicateKeyError(Exception):
    """A mapping repeats a key: the slow path with lines reports where."""


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


def _load_plain(text: str) -> Any:
    """Parse in C, then build plain dicts and lists: strings skip the generic constructor."""
    loader = _FastLoader(text)
    try:
        node = loader.get_single_node()
        if node is None:
            return None
        construct = loader.construct_object

        def build(node: yaml.Node) -> Any:
            if isinstance(node, yaml.MappingNode):
                result = {}
                for key_node, value_node in node.value:
                    key = key_node.value if key_node.tag == _STR_TAG else construct(key_node)
                    if key in result or key_node.tag == "tag:yaml.org,2002:merge":
                        raise _DuplicateKeyError
                    result[key] = build(value_node)
                return result
            if isinstance(node, yaml.SequenceNode):
                return [build(item) for item in node.value]
            if node.tag == _STR_TAG:
                return node.value
            return construct(node, deep=True)

        return build(node)
    finally:
        loader.dispose()


class _Builder:
    def __init__(self, doc: SourceDocument, issues: list[Problem]) -> None:
        self.doc = doc
        self.issues = issues
        self.constructor = _Loader("")

    def build(self, node: yaml.Node, path: PathKey) -> Any:
        self.doc.lines.setdefault(path, node.start_mark.line + 1)
        if isinstance(node, yaml.MappingNode):
            result: dict[Any, Any] = {}
            first_line: dict[Any, int] = {}
            for key_node, value_node in node.value:
                if key_node.tag == "tag:yaml.org,2002:merge":
                    self._issue(
                        key_node,
                        "YAML merge keys (<<) are not used here",
                        "write the keys out; the inventory avoids cleverness",
                    )
                    continue
                key = self.scalar(key_node)
                line = key_node.start_mark.line + 1
                if not isinstance(key, str | int):
                    self._issue(
                        key_node,
                        f"mapping key {key!r} is not a plain name",
                        "use a plain string as the key",
                    )
                    continue
                if key in first_line:
                    self._issue(
                        key_node,
                        f"duplicate key '{key}' (first at line {first_line[key]})",
                        "remove one of the two; YAML would silently keep the last",
                    )
                    continue
                first_line[key] = line
                self.doc.lines[(*path, key)] = line
                result[key] = self.build(value_node, (*path, key))
            return result
        if isinstance(node, yaml.SequenceNode):
            items = []
            for index, item in enumerate(node.value):
                self.doc.lines[(*path, index)] = item.start_mark.line + 1
                items.append(self.build(item, (*path, index)))
            return items
        return self.scalar(node)

    def scalar(self, node: yaml.Node) -> Any:
        if node.tag == _STR_TAG:  # most values: skip the generic constructor
            return node.value
        return self.constructor.construct_object(node, deep=True)

    def _issue(self, node: yaml.Node, message: str, fix: str) -> None:
        self.issues.append(Problem(self.doc.file, node.start_mark.line + 1, message, fix))


def load_yaml(
    file: Path, text: str | None = None, lines: bool = True
) -> tuple[SourceDocument, list[Problem]]:
    """Read one YAML file; return the document and the problems found in its text.

    With ``lines=False`` the data is read fast and no line is recorded; a file with a
    problem in its text is always read again with lines, so problems keep their line.
    """
    if text is None:
        text = file.read_text(encoding="utf-8")
    if not lines and "\t" not in text:
        try:
            data = _load_plain(text)
            return SourceDocument(file=file, data={} if data is None else data, has_lines=False), []
        except (_DuplicateKeyError, yaml.YAMLError):
            pass  # read again below, with lines, to say where
    doc = SourceDocument(file=file, data=None)
    issues: list[Problem] = []
    for number, raw in enumerate(text.splitlines(), start=1):
        stripped = raw.lstrip(" ")
        if stripped.startswith("\t"):
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
        loader = _Loader(text)
        try:
            node = loader.get_single_node()
        finally:
            loader.dispose()
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark is not None else 1
        problem = exc.problem or "malformed YAML"
        issues.append(
            Problem(
                file,
                line,
                f"YAML syntax error: {problem}",
                "fix the YAML syntax at this line (indentation, quotes, colons)",
            )
        )
        return doc, issues
    if node is None:
        doc.data = {}
        return doc, issues
    try:
        doc.data = _Builder(doc, issues).build(node, ())
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark is not None else 1
        issues.append(
            Problem(file, line, f"YAML error: {exc.problem}", "fix the value at this line")
        )
    return doc, issues
