"""Interface names and MAC addresses as each platform writes them.

Both platforms accept abbreviated interface types (``gi1/0/1``, ``GE0/0/1``) and show
full names in configuration, short names in neighbour tables.
"""

from __future__ import annotations

import hashlib
import re

# Full type names in the order a device resolves an ambiguous prefix ("t" -> TenGig...).
IOS_TYPES: tuple[tuple[str, str], ...] = (
    ("GigabitEthernet", "Gi"),
    ("FastEthernet", "Fa"),
    ("TenGigabitEthernet", "Te"),
    ("TwentyFiveGigE", "Twe"),
    ("FortyGigabitEthernet", "Fo"),
    ("HundredGigE", "Hu"),
    ("Ethernet", "Et"),
    ("Loopback", "Lo"),
    ("Vlan", "Vl"),
    ("Port-channel", "Po"),
    ("Tunnel", "Tu"),
    ("Null", "Nu"),
    ("Serial", "Se"),
    ("AppGigabitEthernet", "Ap"),
    ("BDI", "BD"),
)

VRP_TYPES: tuple[tuple[str, str], ...] = (
    ("GigabitEthernet", "GE"),
    ("XGigabitEthernet", "XGE"),
    ("Ethernet", "Eth"),
    ("Eth-Trunk", "Eth-Trunk"),
    ("Vlanif", "Vlanif"),
    ("LoopBack", "LoopBack"),
    ("MEth", "MEth"),
    ("NULL", "NULL"),
    ("Tunnel", "Tunnel"),
    ("25GE", "25GE"),
    ("40GE", "40GE"),
    ("100GE", "100GE"),
)

_VRP_ALIASES = {"ge": "GigabitEthernet", "xge": "XGigabitEthernet", "eth": "Ethernet"}

_NAME_RE = re.compile(
    r"^(?P<type>\d+[A-Za-z][A-Za-z\-]*|[A-Za-z][A-Za-z\-]*?)\s*(?P<num>\d[\d/.:]*)$"
)


def _types(platform: str) -> tuple[tuple[str, str], ...]:
    return VRP_TYPES if platform == "huawei_vrp" else IOS_TYPES


def canonical_interface(name: str, platform: str) -> str | None:
    """The full name of an interface (``gi1/0/1`` -> ``GigabitEthernet1/0/1``), or None."""
    match = _NAME_RE.match(name.strip())
    if not match:
        return None
    prefix = match.group("type").lower()
    number = match.group("num")
    if platform == "huawei_vrp" and prefix in _VRP_ALIASES:
        return _VRP_ALIASES[prefix] + number
    for full, short in _types(platform):
        if full.lower() == prefix or short.lower() == prefix:
            return full + number
    for full, _short in _types(platform):
        if full.lower().startswith(prefix):
            return full + number
    return None


def short_interface(name: str, platform: str) -> str:
    """The short form a neighbour table shows (``GigabitEthernet1/0/1`` -> ``Gi1/0/1``)."""
    for full, short in _types(platform):
        if name.startswith(full) and name[len(full) : len(full) + 1].isdigit():
            return short + name[len(full) :]
    return name


def interface_type(name: str, platform: str) -> str:
    """The type part of an interface name (``GigabitEthernet``)."""
    for full, _short in sorted(_types(platform), key=lambda t: -len(t[0])):
        if name.startswith(full):
            return full
    match = _NAME_RE.match(name)
    return match.group("type") if match else name


def mac_digits(text: str) -> str:
    """Twelve lowercase hex digits from any usual MAC notation; ValueError when not a MAC."""
    digits = re.sub(r"[^0-9a-fA-F]", "", text).lower()
    if len(digits) != 12:
        raise ValueError(f"not a MAC address: {text!r}")
    return digits


def derived_mac(seed: str, index: int) -> str:
    """A stable, locally administered MAC address for ``seed`` (a device name) and an index."""
    digest = hashlib.sha256(seed.encode()).digest()
    value = int.from_bytes(b"\x02" + digest[:5], "big") + index
    return f"{value & 0xFFFFFFFFFFFF:012x}"


def format_mac(digits: str, platform: str) -> str:
    """``aabb.ccdd.eeff`` (Cisco) or ``aabb-ccdd-eeff`` (Huawei)."""
    sep = "-" if platform == "huawei_vrp" else "."
    return sep.join(digits[i : i + 4] for i in (0, 4, 8))


def colon_mac(digits: str) -> str:
    """``aa:bb:cc:dd:ee:ff``."""
    return ":".join(digits[i : i + 2] for i in range(0, 12, 2))
