"""The zones an access policy speaks of, and what a flow end names (a zone or a service).

Both the policy file's model (``access``) and the site's view of it (``zones``) use these
names, so they live below both.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Literal

from kentops.inventory.model import ServiceKind, Zone


class PolicyZone(StrEnum):
    """The inventory's zones plus the two outside ones: the internet and the inter-building WAN."""

    MANAGEMENT = "management"
    USERS = "users"
    VOICE = "voice"
    CAMERAS = "cameras"
    GUEST = "guest"
    SERVERS = "servers"
    DMZ = "dmz"
    SCADA = "scada"
    PUBLIC = "public"
    PRINTERS = "printers"
    INTERNET = "internet"
    WAN = "wan"


if not {z.value for z in Zone} <= {z.value for z in PolicyZone}:  # pragma: no cover
    raise RuntimeError("PolicyZone must hold every inventory Zone")

#: Zones that hold no VLAN of the inventory.
OUTSIDE_ZONES = frozenset({PolicyZone.INTERNET, PolicyZone.WAN})


def flow_end_kind(end: str) -> Literal["zone", "service"] | None:
    if end in PolicyZone.__members__.values():
        return "zone"
    if end in ServiceKind.__members__.values():
        return "service"
    return None
