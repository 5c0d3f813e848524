"""Helpers the checks share: reading evidence of a subject, site addresses, time limits."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from ipaddress import IPv4Address, IPv4Network, ip_address
from typing import Any, TypeVar

from kentops.compliance.checks import CheckContext
from kentops.compliance.evidence import StoredEvidence
from kentops.compliance.model import Finding, failed, not_assessed, not_collected, passed
from kentops.compliance.payloads import Payload, read_payload
from kentops.inventory.model import Asset, Zone

P = TypeVar("P", bound=Payload)

#: A problem a check found: Turkish and English.
Issue = tuple[str, str]

_IPV4 = re.compile(r"(?<![\d.])(\d{1,3}(?:\.\d{1,3}){3})(?![\d.])")


def ipv4s(text: str) -> list[str]:
    """Every IPv4 address written in ``text``."""
    return [m for m in _IPV4.findall(text) if _valid_ip(m)]


def _valid_ip(text: str) -> bool:
    try:
        ip_address(text)
    except ValueError:
        return False
    return True


@dataclass(frozen=True)
class SiteNetwork:
    """Addresses every network check compares against, computed once per run."""

    ntp: tuple[str, ...]
    syslog: str | None
    aaa: tuple[str, ...]
    admin_networks: tuple[IPv4Network, ...]
    admin_source: str  # where the admin networks came from
    user_vlans: dict[str, frozenset[int]]  # building -> VLAN numbers of the users zone


def site_network(ctx: CheckContext) -> SiteNetwork:
    return ctx.memo("site_network", lambda: _site_network(ctx))


def _address(ctx: CheckContext, asset_id: str) -> str | None:
    asset = ctx.inventory.index().get(asset_id)
    return str(asset.address) if asset is not None and asset.address is not None else None


def _site_network(ctx: CheckContext) -> SiteNetwork:
    from kentops.compliance import policyview

    inv = ctx.inventory
    services = inv.site.services
    admin_zones = policyview.admin_zones(ctx)
    source = "policies/access.yml" if admin_zones is not None else "inventory (management zone)"
    zones = admin_zones if admin_zones is not None else {Zone.MANAGEMENT.value}
    networks = tuple(v.subnet for v in inv.vlans if v.zone.value in zones)
    user_vlans: dict[str, set[int]] = {}
    for vlan in inv.vlans:
        if vlan.zone == Zone.USERS:
            user_vlans.setdefault(vlan.building, set()).add(vlan.vlan_id)
    return SiteNetwork(
        ntp=tuple(a for a in (_address(ctx, i) for i in services.ntp) if a),
        syslog=_address(ctx, services.syslog),
        aaa=tuple(a for a in (_address(ctx, i) for i in services.aaa) if a),
        admin_networks=networks,
        admin_source=source,
        user_vlans={b: frozenset(v) for b, v in user_vlans.items()},
    )


def in_networks(address: str, networks: Iterable[IPv4Network]) -> bool:
    try:
        ip = IPv4Address(address)
    except ValueError:
        return False
    return any(ip in net for net in networks)


def network_within(network: IPv4Network, networks: Iterable[IPv4Network]) -> bool:
    return any(network.subnet_of(net) for net in networks)


def payload(
    ctx: CheckContext, kind: str, subject: str | None, model: type[P]
) -> tuple[P | None, StoredEvidence | None, Finding | None]:
    """The evidence of ``kind`` about ``subject`` as ``model``, or the finding saying why not."""
    if not ctx.collected(kind):
        return None, None, not_collected(kind)
    stored = ctx.item(kind, subject)
    if stored is None:
        who = subject or "site"
        return (
            None,
            None,
            not_assessed(
                f"'{kind}' kanıtı bu denetimde {who} için toplanamadı",
                f"No '{kind}' evidence was collected for {who} in this run",
            ),
        )
    data = read_payload(model, stored.data)
    if data is None:
        return (
            None,
            stored,
            not_assessed(
                f"'{kind}' kanıtı okunamadı (beklenen biçimde değil)",
                f"The '{kind}' evidence could not be read (not in the expected shape)",
                stored.ref,
            ),
        )
    return data, stored, None


def judge(
    issues: list[Issue], ok_tr: str, ok_en: str, *evidence: str, prefix: Issue = ("", "")
) -> Finding:
    """One finding: failed listing the issues, or passed with ``ok``."""
    if issues:
        return failed(
            prefix[0] + "; ".join(i[0] for i in issues),
            prefix[1] + "; ".join(i[1] for i in issues),
            *evidence,
        )
    return passed(prefix[0] + ok_tr, prefix[1] + ok_en, *evidence)


def age_text(delta: dt.timedelta) -> Issue:
    hours = delta.total_seconds() / 3600
    if hours < 48:
        return f"{hours:.0f} saat", f"{hours:.0f} hours"
    return f"{hours / 24:.0f} gün", f"{hours / 24:.0f} days"


def aware(value: dt.datetime) -> dt.datetime:
    return value if value.tzinfo is not None else value.replace(tzinfo=dt.UTC)


def listing(values: Iterable[Any], limit: int = 8) -> str:
    items = [str(v) for v in values]
    shown = ", ".join(items[:limit])
    return shown + (f" (+{len(items) - limit})" if len(items) > limit else "")


def for_assets(kinds: tuple[type[Asset], ...]) -> Callable[[Asset], bool]:
    return lambda asset: isinstance(asset, kinds)
