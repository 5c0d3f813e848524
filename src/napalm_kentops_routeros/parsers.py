"""Parsers of RouterOS command output, pure functions from text to plain data.

Each parser names the command it reads. :data:`PARSERS` maps a command (spaces and
slashes as underscores) to its parser; the tests feed every fixture file to the parser its
name names, so a new output format is a new fixture.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

_PROP_RE = re.compile(
    r'(?P<key>[a-z0-9][a-z0-9-]*)=(?P<value>"(?:[^"\\]|\\.)*"|.*?)'
    r"(?=\s+[a-z0-9][a-z0-9-]*=|\s*$)"
)
_ITEM_RE = re.compile(r"^\s*(?P<number>\d+)(?:\s+(?P<flags>[A-Z]+))?(?:\s+(?P<rest>.*))?$")
_DURATION_RE = re.compile(
    r"^(?:(?P<w>\d+)w)?(?:(?P<d>\d+)d)?"
    r"(?:(?P<clock>\d+:\d{2}:\d{2})|(?:(?P<h>\d+)h)?(?:(?P<m>\d+)m)?(?:(?P<s>\d+)s)?)$"
)


def unquote(value: str) -> str:
    """A RouterOS value without its quotes and escapes (``\\"``, ``\\\\``, ``\\C4\\B0``)."""
    if not (len(value) >= 2 and value[0] == value[-1] == '"'):
        return value
    body = value[1:-1]
    out = bytearray()
    index = 0
    while index < len(body):
        char = body[index]
        if char == "\\" and index + 1 < len(body):
            pair = body[index + 1 : index + 3]
            if re.fullmatch(r"[0-9A-Fa-f]{2}", pair):
                out.append(int(pair, 16))
                index += 3
                continue
            out += body[index + 1].encode()
            index += 2
            continue
        out += char.encode()
        index += 1
    return out.decode("utf-8", errors="replace")


def parse_properties(text: str) -> dict[str, str]:
    """``key=value`` pairs of a print line; a bare value may hold spaces (a date and time)."""
    return {m.group("key"): unquote(m.group("value").strip()) for m in _PROP_RE.finditer(text)}


def parse_key_values(text: str) -> dict[str, str]:
    """The ``key: value`` block that ``print`` shows for settings and single-item menus."""
    values: dict[str, str] = {}
    for line in text.splitlines():
        match = re.match(r"^\s*(?P<key>[a-z0-9][a-z0-9-]*):\s?(?P<value>.*)$", line)
        if match:
            values[match.group("key")] = match.group("value").strip()
    return values


def parse_duration(text: str) -> float:
    """RouterOS durations (``1w2d3h4m5s``, ``2d03:04:05``) in seconds; ``-1.0`` if unknown."""
    match = _DURATION_RE.match(text.strip())
    if not match or not text.strip():
        return -1.0
    parts = {k: int(v) for k, v in match.groupdict().items() if v and k != "clock"}
    seconds = parts.get("w", 0) * 604800 + parts.get("d", 0) * 86400
    if match.group("clock"):
        hours, minutes, secs = (int(p) for p in match.group("clock").split(":"))
        seconds += hours * 3600 + minutes * 60 + secs
    else:
        seconds += parts.get("h", 0) * 3600 + parts.get("m", 0) * 60 + parts.get("s", 0)
    return float(seconds)


def parse_system_resource(text: str) -> dict[str, Any]:
    """``/system resource print``: version (without the channel), uptime, board name."""
    values = parse_key_values(text)
    version = values.get("version", "").split(" ", 1)[0]
    return {
        "version": version,
        "uptime": parse_duration(values.get("uptime", "")),
        "board_name": values.get("board-name", ""),
        "platform": values.get("platform", ""),
    }


def parse_print_items(text: str) -> list[dict[str, str]]:
    """Items of ``print detail`` or ``print terse``: properties plus ``.flags``,
    ``.number`` and, when the item has one, ``comment`` (from a ``;;;`` line)."""
    items: list[dict[str, str]] = []
    pieces: list[str] = []
    current: dict[str, str] | None = None

    def finish() -> None:
        if current is not None:
            current.update(parse_properties(" ".join(pieces)))

    for line in text.splitlines():
        stripped = line.strip()
        if not stripped or stripped.startswith(("Flags:", "Columns:")):
            continue
        match = _ITEM_RE.match(line)
        if match:
            finish()
            current = {".number": match.group("number"), ".flags": match.group("flags") or ""}
            items.append(current)
            pieces = []
            rest = (match.group("rest") or "").strip()
        elif current is not None:
            rest = stripped
        else:
            continue
        if rest.startswith(";;;"):
            current["comment"] = rest[3:].strip()
        elif rest:
            pieces.append(rest)
    finish()
    return items


def parse_interfaces(text: str) -> dict[str, dict[str, Any]]:
    """``/interface print terse`` (or ``detail``): per interface its state and addresses."""
    out: dict[str, dict[str, Any]] = {}
    for item in parse_print_items(text):
        name = item.get("name")
        if not name:
            continue
        flags = item.get(".flags", "")
        mtu = item.get("actual-mtu") or item.get("mtu") or ""
        out[name] = {
            "type": item.get("type", ""),
            "enabled": "X" not in flags and item.get("disabled", "no") != "yes",
            "running": "R" in flags,
            "comment": item.get("comment", ""),
            "mtu": int(mtu) if mtu.isdigit() else 1500,
            "mac_address": item.get("mac-address", ""),
        }
    return out


def parse_speed(text: str) -> float:
    """An ethernet speed (``1G-baseT-full``, ``100M-baseT-half``, ``1Gbps``) in Mbit/s."""
    match = re.match(r"^(\d+(?:\.\d+)?)\s*([MG])(?:bps\b|-|$)", text.strip())
    if not match:
        return -1.0
    value = float(match.group(1))
    return value * 1000 if match.group(2) == "G" else value


def parse_ethernet_speeds(text: str) -> dict[str, float]:
    """``/interface ethernet print terse``: the configured speed of each port."""
    return {
        item["name"]: parse_speed(item.get("speed", ""))
        for item in parse_print_items(text)
        if "name" in item
    }


def parse_neighbors(text: str) -> dict[str, list[dict[str, str]]]:
    """``/ip neighbor print detail``: NAPALM's ``get_lldp_neighbors`` shape.

    The local port is the first interface listed (``ether2,bridge-lan`` -> ``ether2``).
    Entries another protocol found (``discovered-by=cdp`` or ``mndp`` only) are left out.
    """
    neighbors: dict[str, list[dict[str, str]]] = {}
    for item in parse_print_items(text):
        found_by = item.get("discovered-by")
        if found_by is not None and "lldp" not in found_by.split(","):
            continue
        local = item.get("interface", "").split(",", 1)[0]
        if not local:
            continue
        neighbors.setdefault(local, []).append(
            {"hostname": item.get("identity", ""), "port": item.get("interface-name", "")}
        )
    return neighbors


PARSERS: dict[str, Callable[[str], Any]] = {
    "system_resource_print": parse_system_resource,
    "system_identity_print": parse_key_values,
    "system_routerboard_print": parse_key_values,
    "interface_print_terse": parse_interfaces,
    "interface_print_detail": parse_interfaces,
    "interface_ethernet_print_terse": parse_ethernet_speeds,
    "ip_neighbor_print_detail": parse_neighbors,
}
