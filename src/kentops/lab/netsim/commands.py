"""Command trees with keyword abbreviation, and output filters (``| include`` and friends).

A device accepts any unambiguous prefix of a keyword (``sh ip int br``). A
:class:`CommandTree` resolves typed words against registered command specs and says where
a line goes wrong, so the shell can put the ``^`` marker under the bad word.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Generic, TypeVar

H = TypeVar("H")

ARG = "<arg>"
REST = "<rest>"


@dataclass
class _Node(Generic[H]):
    children: dict[str, _Node[H]] = field(default_factory=dict)
    arg: _Node[H] | None = None
    handler: H | None = None
    rest: H | None = None


@dataclass(frozen=True)
class Resolved(Generic[H]):
    handler: H
    args: list[str]


@dataclass(frozen=True)
class Unresolved:
    kind: str  # invalid | incomplete | ambiguous
    word_index: int


class CommandTree(Generic[H]):
    """Keywords, ``<arg>`` (one word) and ``<rest>`` (the rest of the line, maybe empty)."""

    def __init__(self) -> None:
        self._root: _Node[H] = _Node()

    def add(self, spec: str, handler: H) -> None:
        node = self._root
        words = spec.split()
        for index, word in enumerate(words):
            if word == REST:
                if index != len(words) - 1:
                    raise ValueError(f"{REST} must come last: {spec}")
                node.rest = handler
                return
            if word == ARG:
                if node.arg is None:
                    node.arg = _Node()
                node = node.arg
            else:
                node = node.children.setdefault(word.lower(), _Node())
        node.handler = handler

    def keywords(self) -> set[str]:
        return set(self._root.children)

    def resolve(self, words: list[str]) -> Resolved[H] | Unresolved:
        node = self._root
        args: list[str] = []
        for index, word in enumerate(words):
            lowered = word.lower()
            if lowered in node.children:
                node = node.children[lowered]
                continue
            candidates = [k for k in node.children if k.startswith(lowered)]
            if len(candidates) == 1:
                node = node.children[candidates[0]]
            elif len(candidates) > 1:
                return Unresolved("ambiguous", index)
            elif node.rest is not None:
                return Resolved(node.rest, args + words[index:])
            elif node.arg is not None:
                args.append(word)
                node = node.arg
            else:
                return Unresolved("invalid", index)
        if node.handler is not None:
            return Resolved(node.handler, args)
        if node.rest is not None:
            return Resolved(node.rest, args)
        return Unresolved("incomplete", len(words))


def word_columns(line: str) -> list[int]:
    """Start column of each word of ``line``."""
    return [m.start() for m in re.finditer(r"\S+", line)]


# --------------------------------------------------------------------------------------
# Output filters

FILTER_WORDS = ("include", "exclude", "begin", "section", "count")


@dataclass(frozen=True)
class OutputFilter:
    kind: str
    pattern: str


class FilterError(Exception):
    """A filter the device does not know; ``column`` points into the typed line."""

    def __init__(self, column: int) -> None:
        super().__init__("bad filter")
        self.column = column


def split_filters(line: str) -> tuple[str, list[OutputFilter]]:
    """``show run | i host`` -> (``show run``, [include host]).

    Only ``|`` followed by a filter keyword starts a new filter, so a regular expression
    may itself contain ``|`` (``| include hostname|domain``).
    """
    if "|" not in line:
        return line, []
    command, _bar, rest = line.partition("|")
    filters: list[OutputFilter] = []
    column = len(command) + 1
    pieces = re.split(r"\|(?=\s*(?:" + "|".join(_prefixes()) + r")\b)", rest)
    for piece in pieces:
        words = piece.lstrip().split(None, 1)
        if not words:
            raise FilterError(column)
        kind = _filter_kind(words[0])
        words = [w.rstrip("\r\n") for w in words]
        if kind is None:
            raise FilterError(column + len(piece) - len(piece.lstrip()))
        pattern = words[1] if len(words) > 1 else ""
        if not pattern and kind != "count":
            raise FilterError(column + len(piece))
        filters.append(OutputFilter(kind, pattern))
        column += len(piece) + 1
    return command.rstrip(), filters


def _prefixes() -> list[str]:
    return sorted(
        {w[:n] for w in FILTER_WORDS for n in range(1, len(w) + 1)}, key=len, reverse=True
    )


def _filter_kind(word: str) -> str | None:
    word = word.lower()
    for kind in FILTER_WORDS:
        if kind.startswith(word):
            return kind
    return None


def _compile(pattern: str) -> re.Pattern[str]:
    try:
        return re.compile(pattern)
    except re.error:
        return re.compile(re.escape(pattern))


def apply_filters(text: str, filters: list[OutputFilter]) -> str:
    """Apply filters in order to command output (``\\n`` line ends in and out)."""
    for item in filters:
        text = _apply_filter(text, item)
    return text


def _apply_filter(text: str, item: OutputFilter) -> str:
    lines = text.split("\n")
    if lines and lines[-1] == "":
        lines.pop()
    regex = _compile(item.pattern)
    if item.kind == "include":
        kept = [line for line in lines if regex.search(line)]
    elif item.kind == "exclude":
        kept = [line for line in lines if not regex.search(line)]
    elif item.kind == "begin":
        kept = []
        for index, line in enumerate(lines):
            if regex.search(line):
                kept = lines[index:]
                break
    elif item.kind == "count":
        count = sum(1 for line in lines if regex.search(line))
        return f"Number of lines which match regexp = {count}\n"
    else:
        kept = _section(lines, regex)
    return "\n".join(kept) + ("\n" if kept else "")


def _section(lines: list[str], regex: re.Pattern[str]) -> list[str]:
    """Top-level blocks whose header matches, or header plus the matching child lines."""
    blocks: list[list[str]] = []
    for line in lines:
        if (line and not line.startswith(" ")) or not blocks:
            blocks.append([line])
        else:
            blocks[-1].append(line)
    kept: list[str] = []
    for block in blocks:
        if regex.search(block[0]):
            kept.extend(block)
            continue
        children = [line for line in block[1:] if regex.search(line)]
        if children:
            kept.append(block[0])
            kept.extend(children)
    return kept
