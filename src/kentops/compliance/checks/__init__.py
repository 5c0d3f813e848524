"""Checks: one pure function per control, evidence in, findings out.

Every check has the signature ``def check(ctx: CheckContext, subject) -> list[Finding]``
where ``subject`` is the asset (or ``Building``, or ``Site``) the control applies to. A check
never collects: it reads the evidence of this run through ``ctx``. When evidence it needs was
not collected, it says so with ``not_collected(kind)``; that is reported as "not assessed",
never as a pass. A failure seen on the evidence that *was* collected is still a failure.

The control catalog names checks as ``<module>.<function>`` (``network.ssh_only``).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, TypeVar
from zoneinfo import ZoneInfo

from kentops.compliance.configparse import Config, parse_config
from kentops.compliance.evidence import EvidenceSet, StoredEvidence
from kentops.compliance.model import Finding
from kentops.inventory.loader import LoadedInventory
from kentops.inventory.model import (
    Asset,
    Building,
    Inventory,
    Router,
    Site,
    Switch,
    WirelessController,
)

T = TypeVar("T")

Subject = Asset | Building | Site
CheckFunction = Callable[["CheckContext", Any], list[Finding]]


@dataclass(frozen=True, slots=True)
class DeviceConfig:
    """One configuration of a device: the intended (rendered) or the running one."""

    source: str  # "rendered" | "running"
    config: Config
    ref: str  # evidence reference


@dataclass
class CheckContext:
    """What checks read: the inventory, this run's evidence, and the audit time."""

    loaded: LoadedInventory
    evidence: EvidenceSet
    now: dt.datetime
    options: dict[str, Any] = field(default_factory=dict)
    _memo: dict[Any, Any] = field(default_factory=dict, repr=False)

    @property
    def inventory(self) -> Inventory:
        return self.loaded.inventory

    @property
    def today(self) -> dt.date:
        """The audit date in the municipality's time zone."""
        return self.now.astimezone(ZoneInfo(self.inventory.site.timezone)).date()

    def collected(self, kind: str) -> bool:
        return self.evidence.collected(kind)

    def item(self, kind: str, subject: str | None) -> StoredEvidence | None:
        return self.evidence.first(kind, subject)

    def items(self, kind: str, subject: str | None = None) -> list[StoredEvidence]:
        return self.evidence.about(kind, subject)

    def memo(self, key: Any, factory: Callable[[], T]) -> T:
        """Compute once per run what several checks or subjects share."""
        if key not in self._memo:
            self._memo[key] = factory()
        value: T = self._memo[key]
        return value

    # ------------------------------------------------------------ policies
    def policies(self) -> dict[str, Any]:
        """The loaded policies by name (access, backup, patching, logging); empty if none."""

        def load() -> dict[str, Any]:
            for stored in self.evidence.of_kind("policies"):
                if isinstance(stored.data, dict):
                    return stored.data
            return {}

        return self.memo("policies", load)

    def policy(self, name: str) -> Any | None:
        return self.policies().get(name)

    def policy_ref(self, name: str) -> str:
        """Evidence reference of a policy file (for findings)."""
        for stored in self.evidence.of_kind("policies"):
            if stored.ref == f"policies/{name}.yml":
                return stored.ref
        return "policies/loaded.json"

    # ------------------------------------------------------------ network configurations
    def device_configs(self, device: Asset) -> list[DeviceConfig]:
        """The parsed intended and (when collected) running configurations of a device."""
        return self.memo(("configs", device.id), lambda: self._device_configs(device))

    def running_unread(self, device: Asset) -> Finding | None:
        """Why this device's running configuration cannot decide (not collected in this
        run, or not read from this device), or None when it was read."""
        from kentops.compliance.model import not_assessed, not_collected

        if not self.collected("running_config"):
            return not_collected("running_config")
        if any(c.source == "running" for c in self.device_configs(device)):
            return None
        return not_assessed(
            "Bu denetimde cihazın çalışan yapılandırması okunamadı",
            "The running configuration of this device was not read in this run",
        )

    def _device_configs(self, device: Asset) -> list[DeviceConfig]:
        platform = device_platform(device)
        out = []
        for kind, source in (("rendered_config", "rendered"), ("running_config", "running")):
            for stored in self.items(kind, device.id):
                if not is_device_configuration(stored):
                    continue
                out.append(DeviceConfig(source, parse_config(stored.text, platform), stored.ref))
        return out


def device_platform(device: Asset) -> str:
    """The configuration dialect of a network device."""
    if isinstance(device, Switch | Router | WirelessController):
        return device.platform.value
    vendor = device.vendor.lower()
    if "huawei" in vendor:
        return "huawei_vrp"
    if "forti" in vendor:
        return "fortios"
    if "mikrotik" in vendor:
        return "routeros"
    if "aruba" in vendor or "hpe" in vendor:
        return "aruba_aoscx"
    return "cisco_ios"


#: Artefact kinds of the render engine that are a network device configuration (others are
#: DHCP, camera, PBX or phone files).
CONFIG_ARTEFACTS = frozenset({"ios", "vrp", "fortios", "routeros", "eos", "aoscx"})


def is_device_configuration(stored: StoredEvidence) -> bool:
    """A rendered artefact of a configuration kind, or any running configuration."""
    if stored.kind == "running_config":
        return True
    kind = getattr(stored.data, "kind", None)
    return kind is not None and str(kind) in CONFIG_ARTEFACTS


def subject_kinds(subject: Subject) -> frozenset[str]:
    """The applies_to names that match a subject (a firewall-role router is a 'firewall')."""
    if isinstance(subject, Router):
        return frozenset({"firewall"} if subject.role == "firewall" else {"router"})
    if isinstance(subject, Building):
        return frozenset({"building"})
    if isinstance(subject, Site):
        return frozenset({"site"})
    return frozenset({subject.kind})
