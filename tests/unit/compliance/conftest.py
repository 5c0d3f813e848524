"""Fixtures of the compliance tests: catalogs, policies, and a check context built from
evidence a test hands in (collectors gather, checks judge: tests play the collector)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable
from typing import Any

import pytest

from kentops.compliance.catalog import Catalogs, load_catalogs
from kentops.compliance.checks import CheckContext
from kentops.compliance.collectors import load_policies
from kentops.compliance.evidence import EvidenceItem, EvidenceStore, json_text
from kentops.compliance.payloads import RunningConfigInfo
from kentops.inventory.loader import LoadedInventory
from kentops.render import Artefact
from tests.helpers import REPO

#: The audit time the tests judge at (the demo's attestations and waivers are dated for it).
NOW = dt.datetime(2026, 11, 21, 12, 0, tzinfo=dt.UTC)

ContextFactory = Callable[..., CheckContext]


@pytest.fixture(scope="session")
def catalogs() -> Catalogs:
    return load_catalogs(REPO / "policies")


@pytest.fixture(scope="session")
def demo_policies(demo_loaded: LoadedInventory) -> dict[str, Any]:
    return load_policies(REPO / "policies", demo_loaded)


def policy_item(policies: dict[str, Any]) -> EvidenceItem:
    return EvidenceItem(
        kind="policies",
        name="policies/loaded.json",
        content=json_text(policies),
        source="test",
        data=policies,
    )


def running_item(device: str, text: str, taken_at: dt.datetime = NOW) -> EvidenceItem:
    """A running configuration as the backup collector stores it: read from the device."""
    return EvidenceItem(
        kind="running_config",
        name=f"running_config/{device}.cfg",
        content=text,
        source="test",
        subject=device,
        data=RunningConfigInfo(device_id=device, taken_at=taken_at),
    )


def rendered_item(
    device: str, text: str, kind: str = "ios", artefact: str = "intended.cfg"
) -> EvidenceItem:
    """An intended configuration as the render collector stores it: kentops' own output."""
    return EvidenceItem(
        kind="rendered_config",
        name=f"rendered_config/{device}/{artefact}",
        content=text,
        source="test",
        subject=device,
        data=Artefact(device, kind, f"ornek/{device}/{artefact}", text, "-", "-"),
    )


@pytest.fixture
def make_ctx(demo_loaded: LoadedInventory, demo_policies: dict[str, Any]) -> ContextFactory:
    """A check context over the demo inventory with exactly the evidence a test gives.

    ``collected`` names the kinds whose collectors ran (default: the kinds of the items, plus
    inventory and policies); ``policies=False`` leaves the policies out.
    """

    def build(
        items: Iterable[EvidenceItem] = (),
        *,
        collected: Iterable[str] | None = None,
        policies: bool = True,
        now: dt.datetime = NOW,
        loaded: LoadedInventory | None = None,
    ) -> CheckContext:
        store = EvidenceStore(REPO / "var" / "unused", "test", "run", write=False)
        items = list(items)
        if policies:
            items.append(policy_item(demo_policies))
        store.store("test", items)
        kinds = set(collected) if collected is not None else {i.kind for i in items}
        kinds.add("inventory")
        if policies:
            kinds.add("policies")
        store.evidence.mark_collected(kinds)
        return CheckContext(loaded=loaded or demo_loaded, evidence=store.evidence, now=now)

    return build
