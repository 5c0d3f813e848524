"""Parsers of FortiOS command output, pure functions from text to plain data.

Each parser names the command it reads. :data:`PARSERS` maps a command (spaces as
underscores) to its parser; the tests feed every fixture file to the parser its name
names, so a new output format is a new fixture.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

_VERSION_RE = re.compile(
    r"^Version:\s*(?P<model>\S+)\s+v(?P<version>\d+(?:\.\d+)+),build(?P<build>\d+)", re.M
)
_UPTIME_RE = re.compile(
    r"Uptime:\s*(?P<days>\d+)\s+days?,\s*(?P<hours>\d+)\s+hours?,\s*(?P<minutes>\d+)\s+minutes?"
)
_TOKEN_RE = re.compile(r'"(?:[^"\\]|\\.)*"|\S+')
_LLDP_LINE_RE = re.compile(
    r"^\s*\d+\s+port\s+'(?P<local>[^']*)'\s+\d+\s+mac\s+(?P<mac>\S+)\s+chassis\s+(?P<chassis>\S+)"
    r"\s+port\s+'(?P<port>[^']*)'\s+system\s+'(?P<system>[^']*)'"
)


def _key_values(text: str) -> dict[str, str]:
    """``Key: value`` lines (the first colon splits)."""
    values: dict[str, str] = {}
    for line in text.splitlines():
        key, sep, value = line.partition(":")
        if sep and key.strip():
            values.setdefault(key.strip(), value.strip())
    return values


def parse_system_status(text: str) -> dict[str, Any]:
    """``get system status``: model, version, build, serial, hostname, VDOM and HA mode."""
    values = _key_values(text)
    match = _VERSION_RE.search(text)
    vdoms = values.get("Virtual domain configuration", "disable")
    return {
        "model": match.group("model") if match else "",
        "version": match.group("version") if match else "",
        "build": int(match.group("build")) if match else 0,
        "serial_number": values.get("Serial-Number", ""),
        "hostname": values.get("Hostname", ""),
        "vdom_mode": vdoms in ("enable", "multiple", "split-task"),
        "ha_mode": values.get("Current HA mode", ""),
    }


def parse_performance_status(text: str) -> dict[str, Any]:
    """``get system performance status``: the uptime in seconds (``-1.0`` when absent)."""
    match = _UPTIME_RE.search(text)
    if not match:
        return {"uptime": -1.0}
    seconds = (
        int(match.group("days")) * 86400
        + int(match.group("hours")) * 3600
        + int(match.group("minutes")) * 60
    )
    return {"uptime": float(seconds)}


def parse_interface_names(text: str) -> list[str]:
    """``get system interface``: interface names in the order listed."""
    return re.findall(r"^==\s*\[\s*(\S+)\s*\]\s*$", text, re.M)


def _speed(text: str) -> float:
    match = re.match(r"^(\d+(?:\.\d+)?)\s*([MG])bps", text.strip())
    if not match:
        return -1.0
    value = float(match.group(1))
    return value * 1000 if match.group(2) == "G" else value


def parse_interface_physical(text: str) -> dict[str, dict[str, Any]]:
    """``get system interface physical``: per port its mode, address, link and speed."""
    ports: dict[str, dict[str, Any]] = {}
    current: dict[str, Any] | None = None
    for line in text.splitlines():
        name = re.match(r"^\s*==\s*\[(?P<name>[^\]]+)\]\s*$", line)
        if name:
            if name.group("name").strip() == "onboard" and not line.startswith((" ", "\t")):
                current = None
                continue
            current = {"mode": "", "ip": "", "status": "", "speed": -1.0}
            ports[name.group("name").strip()] = current
            continue
        if current is None:
            continue
        key, sep, value = line.strip().partition(":")
        if not sep:
            continue
        key, value = key.strip(), value.strip()
        if key == "speed":
            current["speed"] = _speed(value)
        elif key in ("mode", "ip", "status"):
            current[key] = value
    return ports


def parse_netlink_interfaces(text: str) -> dict[str, dict[str, Any]]:
    """``diagnose netlink interface list``: per interface its MTU, MAC and up/run flags."""
    interfaces: dict[str, dict[str, Any]] = {}
    current: dict[str, Any] | None = None
    for line in text.splitlines():
        head = re.match(r"^\s*if=(?P<name>\S+)\s.*?\bmtu=(?P<mtu>\d+)", line)
        if head:
            current = {
                "mtu": int(head.group("mtu")),
                "mac": "",
                "admin_up": False,
                "running": False,
            }
            interfaces[head.group("name")] = current
            continue
        if current is None:
            continue
        flags = re.search(r"\bflags=(?P<flags>.*)$", line)
        if flags:
            words = flags.group("flags").split()
            current["admin_up"] = "up" in words
            current["running"] = "run" in words
        hw = re.search(r"\bhw_addr=(?P<mac>[0-9A-Fa-f:]{17})", line)
        if hw:
            current["mac"] = "" if hw.group("mac") == "00:00:00:00:00:00" else hw.group("mac")
    return interfaces


def _unquote(word: str) -> str:
    if len(word) >= 2 and word[0] == word[-1] == '"':
        return re.sub(r"\\(.)", r"\1", word[1:-1])
    return word


def parse_config(text: str) -> dict[str, Any]:
    """``show`` output: ``{path: {"settings": {...}, "entries": {name: {...}}}}``.

    Values are unquoted and joined by single spaces. Tables nested inside a table or an
    entry (``config secondaryip``) are read past, not returned.
    """
    tables: dict[str, Any] = {}
    stack: list[str] = []  # "table" / "entry" / "nested"
    table: dict[str, Any] | None = None
    entry: dict[str, str] | None = None
    for line in text.splitlines():
        words = _TOKEN_RE.findall(line.strip())
        if not words or words[0].startswith("#"):
            continue
        verb = words[0]
        if verb == "config":
            if not stack:
                path = " ".join(_unquote(w) for w in words[1:])
                table = tables.setdefault(path, {"settings": {}, "entries": {}})
                stack.append("table")
            else:
                stack.append("nested")
        elif verb == "edit" and stack and stack[-1] == "table" and table is not None:
            entry = table["entries"].setdefault(_unquote(" ".join(words[1:])), {})
            stack.append("entry")
        elif verb == "edit":
            stack.append("nested-entry")
        elif verb == "next" and stack and stack[-1] in ("entry", "nested-entry"):
            if stack.pop() == "entry":
                entry = None
        elif verb == "end" and stack:
            if stack[-1] in ("entry", "nested-entry"):
                stack.pop()
            if stack:
                stack.pop()
            if not stack:
                table, entry = None, None
        elif verb == "set" and len(words) >= 2 and stack:
            value = " ".join(_unquote(w) for w in words[2:])
            if stack[-1] == "entry" and entry is not None:
                entry[words[1]] = value
            elif stack[-1] == "table" and table is not None:
                table["settings"][words[1]] = value
    return tables


def parse_lldp_neighbors(text: str) -> dict[str, list[dict[str, str]]]:
    """``diagnose lldprx neighbor summary``: NAPALM's ``get_lldp_neighbors`` shape."""
    neighbors: dict[str, list[dict[str, str]]] = {}
    for line in text.splitlines():
        match = _LLDP_LINE_RE.match(line)
        if match:
            neighbors.setdefault(match.group("local"), []).append(
                {"hostname": match.group("system"), "port": match.group("port")}
            )
    return neighbors


PARSERS: dict[str, Callable[[str], Any]] = {
    "get_system_status": parse_system_status,
    "get_system_performance_status": parse_performance_status,
    "get_system_interface": parse_interface_names,
    "get_system_interface_physical": parse_interface_physical,
    "diagnose_netlink_interface_list": parse_netlink_interfaces,
    "show_system_interface": parse_config,
    "diagnose_lldprx_neighbor_summary": parse_lldp_neighbors,
}
