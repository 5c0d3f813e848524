"""A configuration tree and the rules that change it the way the device itself would.

A configuration is a tree of lines: top-level commands and sections (``interface X``,
``line vty 0 4``, ``aaa``) whose children are indented by one space per level. A
:class:`Dialect` holds what differs between platforms: which lines open a section and
what the prompt then shows, which commands hold a single value (so a new one replaces the
old), which defaults the device shows only as a negation (``no cdp enable``), and the words
it knows at all. :class:`Configurator` applies one typed line to the tree.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from kentops.lab.netsim.ifnames import canonical_interface, interface_type

ROOT = "global"


@dataclass
class ConfigNode:
    """One configuration line and the lines nested under it."""

    text: str
    children: list[ConfigNode] = field(default_factory=list)

    def child(self, text: str) -> ConfigNode | None:
        for node in self.children:
            if node.text == text:
                return node
        return None

    def lines(self, depth: int = 0) -> list[str]:
        out: list[str] = []
        for node in self.children:
            out.extend(_indent(node.text, depth))
            out.extend(node.lines(depth + 1))
        return out

    def copy(self) -> ConfigNode:
        return ConfigNode(self.text, [c.copy() for c in self.children])


def _indent(text: str, depth: int) -> list[str]:
    # A banner keeps its body lines unindented, as the device prints it.
    first, *rest = text.split("\n")
    return [" " * depth + first, *rest]


@dataclass(frozen=True)
class SectionRule:
    """A line that opens a section (a sub-mode on Cisco, a view on Huawei)."""

    kind: str
    parents: frozenset[str]
    pattern: re.Pattern[str]
    label: Callable[[re.Match[str], str], str]
    identity: re.Pattern[str] | None = None
    expand: Callable[[re.Match[str]], list[str] | None] | None = None


@dataclass(frozen=True)
class ListMerge:
    """A command whose value is a VLAN list the device merges (``port trunk allow-pass vlan``)."""

    prefix: str
    style: str  # "ios" (10,20-30) or "vrp" (10 20 to 30)


@dataclass
class Dialect:
    """Everything platform-specific about configuration text and its editing."""

    platform: str
    negation: str  # "no" or "undo"
    comment: str  # "!" or "#"
    trailer: str  # "end" or "return"
    sections: list[SectionRule]
    keys: list[re.Pattern[str]]
    global_only: list[re.Pattern[str]]
    shown_negations: frozenset[str]  # on by default; only "no X" is shown
    both_shown: frozenset[str]  # shown in both forms
    vocabulary: frozenset[str]
    aliases: dict[str, str]
    tail_words: frozenset[str]  # top-level sections that stay last (line, user-interface)
    virtual_types: frozenset[str]
    merges: list[ListMerge]
    sequenced_kinds: frozenset[str] = frozenset()
    rule_kinds: frozenset[str] = frozenset()
    hostname_command: str = "hostname"
    default_hostname: str = "Router"
    rewrite: Callable[[str, ConfigNode], str] | None = None  # how a typed line is stored
    after_change: Callable[[ConfigNode], None] | None = None  # e.g. password-encryption

    def key(self, line: str) -> tuple[object, ...] | None:
        for index, pattern in enumerate(self.keys):
            match = pattern.match(line)
            if match:
                return (index, *match.groups())
        return None

    def is_global_only(self, line: str) -> bool:
        return any(p.match(line) for p in self.global_only)

    def split_negation(self, line: str) -> tuple[str | None, str]:
        """``("no", "shutdown")`` for ``no shutdown``; ``("default", ...)``; ``(None, line)``."""
        words = [self.negation, "default"] if self.platform == "cisco_ios" else [self.negation]
        for word in words:
            if line == word or line.startswith(word + " "):
                return word, line[len(word) :].strip()
        return None, line


class ConfigError(Exception):
    """A line the device refuses. ``column`` is where its ``^`` marker points."""

    def __init__(self, kind: str, column: int, detail: str = "") -> None:
        super().__init__(kind)
        self.kind = kind  # invalid | incomplete | ambiguous | message
        self.column = column
        self.detail = detail


@dataclass
class Frame:
    """Where the user is: the root, or inside one or more section nodes of the same kind."""

    kind: str
    nodes: list[ConfigNode]
    label: str


# --------------------------------------------------------------------------------------
# Parsing and rendering


def parse_config(text: str, dialect: Dialect) -> ConfigNode:
    """Parse configuration text (as shown by the device, or as a template wrote it)."""
    root = ConfigNode("")
    stack: list[tuple[int, ConfigNode]] = [(-1, root)]
    lines = text.replace("\r\n", "\n").replace("\r", "\n").split("\n")
    i = 0
    while i < len(lines):
        raw = lines[i].rstrip()
        i += 1
        stripped = raw.strip()
        if not stripped or _is_noise(stripped, dialect):
            continue
        indent = len(raw) - len(raw.lstrip(" "))
        banner = _BANNER_RE.match(stripped) if dialect.platform == "cisco_ios" else None
        if banner:
            body, i = _read_banner(banner, lines, i)
            stripped = body
        while stack[-1][0] >= indent:
            stack.pop()
        node = ConfigNode(stripped)
        stack[-1][1].children.append(node)
        stack.append((indent, node))
    return root


def _is_noise(line: str, dialect: Dialect) -> bool:
    if line.startswith(dialect.comment) or line.startswith("!"):
        return True
    if line in (dialect.trailer, "end", "return"):
        return True
    return bool(
        line.startswith("Building configuration")
        or line.startswith("Current configuration :")
        or (line.startswith("Using ") and " out of " in line)
    )


_BANNER_RE = re.compile(r"^banner\s+(\S+)\s+(\^C|\S)(.*)$")


def _read_banner(match: re.Match[str], lines: list[str], i: int) -> tuple[str, int]:
    kind, delim, rest = match.group(1), match.group(2), match.group(3)
    if delim in rest:
        return banner_text(kind, [rest.split(delim, 1)[0]]), i
    body = [rest] if rest else []
    while i < len(lines):
        line = lines[i]
        i += 1
        if delim in line:
            before = line.split(delim, 1)[0]
            if before:
                body.append(before)
            break
        body.append(line)
    return banner_text(kind, body), i


def banner_text(kind: str, body: list[str]) -> str:
    """A banner node as the running configuration shows it (``banner motd ^C ... ^C``)."""
    if len(body) == 1 and body[0]:
        return f"banner {kind} ^C{body[0]}^C"
    return "\n".join([f"banner {kind} ^C", *body, "^C"])


def render_body(root: ConfigNode, dialect: Dialect) -> str:
    """The configuration text, separators and trailer included, ``\\n`` line ends."""
    sep = dialect.comment
    out: list[str] = [sep]
    previous: ConfigNode | None = None
    for node in root.children:
        if previous is not None and (
            node.children
            or previous.children
            or _first_word(node.text) != _first_word(previous.text)
            or "\n" in node.text
        ):
            out.append(sep)
        out.extend(_indent(node.text, 0))
        out.extend(node.lines(1))
        previous = node
    out.append(sep)
    out.append(dialect.trailer)
    return "\n".join(out) + "\n"


def _first_word(text: str) -> str:
    words = text.split()
    if not words:
        return ""
    if words[0] in ("no", "undo") and len(words) > 1:
        return words[1]
    return words[0]


# --------------------------------------------------------------------------------------
# VLAN lists


def parse_vlan_list(tokens: Iterable[str]) -> set[int]:
    """``["10,20-22"]`` (Cisco) or ``["10", "20", "to", "22"]`` (Huawei) -> {10, 20, 21, 22}."""
    words: list[str] = []
    for token in tokens:
        words.extend(w for w in token.replace(",", " ").split() if w)
    result: set[int] = set()
    i = 0
    while i < len(words):
        word = words[i]
        if "-" in word:
            low, high = word.split("-", 1)
            result.update(range(int(low), int(high) + 1))
        elif i + 2 < len(words) and words[i + 1] == "to":
            result.update(range(int(word), int(words[i + 2]) + 1))
            i += 2
        else:
            result.add(int(word))
        i += 1
    for vlan in result:
        if not 1 <= vlan <= 4094:
            raise ValueError(f"VLAN {vlan} out of range")
    return result


def format_vlan_list(vlans: set[int], style: str) -> str:
    ranges: list[tuple[int, int]] = []
    for vlan in sorted(vlans):
        if ranges and vlan == ranges[-1][1] + 1:
            ranges[-1] = (ranges[-1][0], vlan)
        else:
            ranges.append((vlan, vlan))
    if style == "ios":
        return ",".join(f"{a}" if a == b else f"{a}-{b}" for a, b in ranges)
    return " ".join(f"{a}" if a == b else f"{a} to {b}" for a, b in ranges)


# --------------------------------------------------------------------------------------
# Editing


class Configurator:
    """Applies typed configuration lines to a tree, as the platform does."""

    def __init__(self, dialect: Dialect, root: ConfigNode, physical: set[str]) -> None:
        self.dialect = dialect
        self.root = root
        self.physical = {
            n for n in physical if interface_type(n, dialect.platform) not in dialect.virtual_types
        }

    def root_frame(self) -> Frame:
        return Frame(ROOT, [self.root], "")

    # -- entry point -------------------------------------------------------------------

    def apply(self, frames: list[Frame], line: str) -> tuple[list[Frame], bool]:
        """Apply ``line`` in the context ``frames``; returns the new context and if it changed.

        Raises :class:`ConfigError` for a line the device would refuse.
        """
        d = self.dialect
        line = " ".join(line.split())
        neg, body = d.split_negation(line)
        offset = len(line) - len(body)
        if not body:
            raise ConfigError("incomplete", len(line))
        body = self._expand_first_word(body, offset)
        body = self._canonical(body, offset)
        before = self._snapshot()

        for level in range(len(frames) - 1, -1, -1):
            for rule in d.sections:
                if frames[level].kind not in rule.parents:
                    continue
                match = rule.pattern.match(body)
                if match:
                    frames = frames[: level + 1]
                    if neg is None:
                        frames = [*frames, self._open(frames[-1], rule, match, offset)]
                    else:
                        self._remove_section(frames[-1], rule, match, reset=neg == "default")
                    return frames, self._snapshot() != before

        if len(frames) > 1 and d.is_global_only(body):
            frames = frames[:1]
        for parent in frames[-1].nodes:
            self._apply_leaf(parent, frames[-1].kind, neg, body, offset)
        changed = self._snapshot() != before
        if changed and d.after_change is not None:
            d.after_change(self.root)
        return frames, changed

    # -- helpers -----------------------------------------------------------------------

    def _snapshot(self) -> list[str]:
        return self.root.lines()

    def _expand_first_word(self, body: str, offset: int) -> str:
        d = self.dialect
        words = body.split(" ", 1)
        first = words[0].lower()
        if first.isdigit():
            return body
        if first in d.vocabulary:
            expanded = first
        elif first in d.aliases:
            expanded = d.aliases[first]
        else:
            candidates = sorted(w for w in d.vocabulary if w.startswith(first))
            if len(candidates) == 1:
                expanded = candidates[0]
            elif candidates:
                raise ConfigError("ambiguous", offset, words[0])
            else:
                raise ConfigError("invalid", offset)
        return expanded + (" " + words[1] if len(words) > 1 else "")

    def _canonical(self, body: str, offset: int) -> str:
        d = self.dialect
        match = re.match(r"^interface\s+(?!range\b)(.+)$", body)
        if match:
            name = canonical_interface(match.group(1), d.platform)
            if name is None:
                raise ConfigError("invalid", offset + len("interface "))
            unknown = self.physical and name not in self.physical
            if unknown and interface_type(name, d.platform) not in d.virtual_types:
                raise ConfigError("invalid", offset + len("interface "))
            return f"interface {name}"
        if d.platform == "huawei_vrp":
            ip = re.match(r"^ip address (\S+) (\d{1,2})(\b.*)$", body)
            if ip:
                length = int(ip.group(2))
                mask = (0xFFFFFFFF << (32 - length)) & 0xFFFFFFFF if length else 0
                dotted = ".".join(str((mask >> s) & 0xFF) for s in (24, 16, 8, 0))
                return f"ip address {ip.group(1)} {dotted}{ip.group(3)}"
        return body

    def _open(self, parent: Frame, rule: SectionRule, match: re.Match[str], offset: int) -> Frame:
        texts = [match.group(0)]
        if rule.expand is not None:
            expanded = rule.expand(match)
            if expanded is None:
                raise ConfigError("invalid", offset + match.end(0))
            texts = expanded
        nodes: list[ConfigNode] = []
        for holder in parent.nodes:
            for text in texts:
                nodes.append(self._find_or_add_section(holder, rule, text))
        return Frame(rule.kind, nodes, rule.label(match, parent.label))

    def _identity(self, rule: SectionRule, text: str) -> str:
        if rule.identity is None:
            return text
        match = rule.identity.match(text)
        return match.group(0) if match else text

    def _find_or_add_section(self, holder: ConfigNode, rule: SectionRule, text: str) -> ConfigNode:
        wanted = self._identity(rule, text)
        for node in holder.children:
            if node.text == text or (
                rule.pattern.match(node.text) and self._identity(rule, node.text) == wanted
            ):
                return node
        node = ConfigNode(text)
        self._insert(holder, node)
        return node

    def _remove_section(
        self, parent: Frame, rule: SectionRule, match: re.Match[str], *, reset: bool
    ) -> None:
        texts = [match.group(0)]
        if rule.expand is not None:
            texts = rule.expand(match) or texts
        for holder in parent.nodes:
            for text in texts:
                wanted = self._identity(rule, text)
                for node in list(holder.children):
                    same = rule.pattern.match(node.text) and self._identity(rule, node.text)
                    if node.text == text or same == wanted:
                        if reset:
                            node.children.clear()
                        elif node.text.split(" ", 1)[-1] in self.physical:
                            raise ConfigError("physical", 0)
                        else:
                            holder.children.remove(node)

    def _insert(self, holder: ConfigNode, node: ConfigNode) -> None:
        word = _first_word(node.text)
        if word == "description" and holder is not self.root:
            holder.children.insert(0, node)
            return
        last_same = -1
        first_tail = -1
        for index, existing in enumerate(holder.children):
            if _first_word(existing.text) == word:
                last_same = index
            tail = _first_word(existing.text) in self.dialect.tail_words
            if first_tail < 0 and holder is self.root and tail:
                first_tail = index
        if last_same >= 0:
            holder.children.insert(last_same + 1, node)
        elif first_tail >= 0 and word not in self.dialect.tail_words:
            holder.children.insert(first_tail, node)
        else:
            holder.children.append(node)

    def _apply_leaf(
        self, parent: ConfigNode, kind: str, neg: str | None, body: str, offset: int
    ) -> None:
        d = self.dialect
        if self._merge_list(parent, neg, body, offset):
            return
        if kind in d.sequenced_kinds and self._sequenced(parent, neg, body):
            return
        if kind in d.rule_kinds and neg is None and body.startswith("rule "):
            body = self._numbered_rule(parent, body)
        if neg is not None:
            self._negate(parent, neg, body)
            return
        if d.rewrite is not None:
            body = d.rewrite(body, self.root)
        self._drop(parent, lambda t: _is_negation_of(t, body, d.negation))
        if body in d.shown_negations:
            return
        key = d.key(body)
        if key is not None:
            for index, existing in enumerate(parent.children):
                if d.key(existing.text) == key:
                    parent.children[index] = ConfigNode(body, existing.children)
                    rest = parent.children[index + 1 :]
                    parent.children[index + 1 :] = [n for n in rest if d.key(n.text) != key]
                    return
        if parent.child(body) is None:
            self._insert(parent, ConfigNode(body))

    def _negate(self, parent: ConfigNode, neg: str, body: str) -> None:
        d = self.dialect
        self._drop(parent, lambda t: t == body or t.startswith(body + " "))
        if neg == "default":
            self._drop(parent, lambda t: _is_negation_of(t, body, d.negation))
            return
        if body == d.hostname_command or body.startswith(d.hostname_command + " "):
            self._insert(parent, ConfigNode(f"{d.hostname_command} {d.default_hostname}"))
            return
        if body in d.shown_negations or body in d.both_shown:
            negated = f"{d.negation} {body}"
            if parent.child(negated) is None:
                self._insert(parent, ConfigNode(negated))

    @staticmethod
    def _drop(parent: ConfigNode, predicate: Callable[[str], bool]) -> None:
        parent.children[:] = [n for n in parent.children if not predicate(n.text)]

    def _merge_list(self, parent: ConfigNode, neg: str | None, body: str, offset: int) -> bool:
        for merge in self.dialect.merges:
            if body != merge.prefix and not body.startswith(merge.prefix + " "):
                continue
            words = body[len(merge.prefix) :].split()
            node = next((n for n in parent.children if n.text.startswith(merge.prefix + " ")), None)
            current = self._current_list(node, merge)
            op = "add" if merge.style == "vrp" else "set"
            if merge.style == "ios" and words and words[0] in ("add", "remove", "except"):
                op, words = words[0], words[1:]
            elif merge.style == "ios" and words in (["all"], ["none"]):
                op, words = words[0], []
            if neg is not None:
                op = "remove" if words else "all"
            try:
                values = parse_vlan_list(words)
            except ValueError as exc:
                raise ConfigError("invalid", offset + len(merge.prefix) + 1) from exc
            if op in ("set", "add", "remove", "except") and not values:
                raise ConfigError("incomplete", offset + len(body))
            new: set[int] | None
            if op == "set":
                new = values
            elif op == "except":
                new = set(range(1, 4095)) - values
            elif op == "add":
                new = current | values
            elif op == "remove":
                new = current - values
            else:
                new = None
            if op == "none":
                text: str | None = f"{merge.prefix} none"
            elif new:
                text = f"{merge.prefix} {format_vlan_list(new, merge.style)}"
            else:
                text = None
            if node is not None and text is not None:
                node.text = text
            elif node is not None:
                parent.children.remove(node)
            elif text is not None:
                self._insert(parent, ConfigNode(text))
            return True
        return False

    @staticmethod
    def _current_list(node: ConfigNode | None, merge: ListMerge) -> set[int]:
        if node is None:
            return set()
        try:
            return parse_vlan_list(node.text[len(merge.prefix) :].split())
        except ValueError:
            return set()

    def _sequenced(self, parent: ConfigNode, neg: str | None, body: str) -> bool:
        """Cisco named ACL entries: ``10 permit ...`` inserts by number; ``no 10`` removes."""
        match = re.match(r"^(\d+)(?: (.*))?$", body)
        if not match:
            return False
        number = int(match.group(1))
        entries = [
            n for n in parent.children if re.match(r"^(permit|deny|remark|evaluate)\b", n.text)
        ]
        if neg is not None:
            index = number // 10 - 1
            if number % 10 == 0 and 0 <= index < len(entries):
                parent.children.remove(entries[index])
            return True
        if not match.group(2):
            raise ConfigError("incomplete", len(body))
        node = ConfigNode(match.group(2))
        position = sum(1 for i in range(len(entries)) if (i + 1) * 10 < number)
        if position < len(entries):
            parent.children.insert(parent.children.index(entries[position]), node)
        else:
            parent.children.append(node)
        return True

    @staticmethod
    def _numbered_rule(parent: ConfigNode, body: str) -> str:
        """Huawei ACL rules without a number get the next multiple of 5."""
        if re.match(r"^rule \d+ ", body):
            return body
        numbers = [
            int(m.group(1))
            for n in parent.children
            if (m := re.match(r"^rule (\d+) ", n.text)) is not None
        ]
        return f"rule {(max(numbers, default=0) // 5 + 1) * 5} {body[len('rule ') :]}"


def _is_negation_of(text: str, body: str, negation: str) -> bool:
    if not text.startswith(negation + " "):
        return False
    rest = text[len(negation) + 1 :]
    return rest == body or body.startswith(rest + " ") or rest.startswith(body + " ")
