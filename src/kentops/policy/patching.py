"""Patching policy (policies/patching.yml): window, pending-update age, allowed versions."""

from __future__ import annotations

import re
from fnmatch import fnmatchcase
from pathlib import Path
from typing import Literal

from pydantic import Field, StrictInt

from kentops.inventory.model import Asset
from kentops.modelbase import Line
from kentops.policy.common import PolicyModel, load_policy_file
from kentops.yamlsource import InvalidInput, Problem, SourceDocument

Day = Literal["mon", "tue", "wed", "thu", "fri", "sat", "sun"]


class MaintenanceWindow(PolicyModel):
    days: list[Day] = Field(min_length=1)
    start: str = Field(pattern=r"^([01][0-9]|2[0-3]):[0-5][0-9]$")
    duration_hours: StrictInt = Field(ge=1, le=24)


class FirmwareRule(PolicyModel):
    """Allowed versions for the assets it matches (platform or vendor, and a model glob)."""

    platform: Line | None = None
    vendor: Line | None = None
    model: Line = "*"
    versions: list[Line] = Field(default_factory=list, description="Allowed exact versions")
    minimum: Line | None = Field(default=None, description="Lowest allowed version")
    why: Line

    def matches(self, asset: Asset) -> bool:
        platform = getattr(asset, "platform", None)
        if self.platform is not None and str(platform) != self.platform:
            return False
        if self.vendor is not None and asset.vendor != self.vendor:
            return False
        return fnmatchcase(asset.model, self.model)

    def allows(self, version: str) -> bool:
        if version in self.versions:
            return True
        if self.minimum is not None:
            return version_key(version) >= version_key(self.minimum)
        return False


class PatchingPolicy(PolicyModel):
    maintenance_window: MaintenanceWindow
    max_pending_security_days: StrictInt = Field(gt=0)
    reboot: Literal["never", "when-required", "always"]
    firmware: list[FirmwareRule] = Field(min_length=1)

    def rule_for(self, asset: Asset) -> FirmwareRule | None:
        """The first rule that matches the asset, or None when no rule speaks of it."""
        return next((r for r in self.firmware if r.matches(asset)), None)

    def version_allowed(self, asset: Asset) -> bool | None:
        """True/False when a rule covers the asset and it has a version; None otherwise."""
        rule = self.rule_for(asset)
        if rule is None or asset.os_version is None:
            return None
        return rule.allows(asset.os_version)


_NUMBER = re.compile(r"\d+")


def version_key(version: str) -> tuple[int, ...]:
    """Numbers of a version, in order: V5.7.13 -> (5, 7, 13); 108.86.0.20 -> (108, 86, 0, 20)."""
    return tuple(int(n) for n in _NUMBER.findall(version))


def validate_patching(policy: PatchingPolicy, doc: SourceDocument) -> list[Problem]:
    problems = []
    for i, rule in enumerate(policy.firmware):
        if rule.platform is None and rule.vendor is None:
            problems.append(
                Problem(
                    doc.file,
                    doc.line_of(("firmware", i)),
                    "a firmware rule needs a platform or a vendor",
                    "add 'platform:' or 'vendor:'",
                    "firmware",
                )
            )
        if not rule.versions and rule.minimum is None:
            problems.append(
                Problem(
                    doc.file,
                    doc.line_of(("firmware", i)),
                    "a firmware rule allows nothing",
                    "add 'versions:' or 'minimum:'",
                    "firmware",
                )
            )
        if rule.minimum is not None and not version_key(rule.minimum):
            problems.append(
                Problem(
                    doc.file,
                    doc.line_of(("firmware", i, "minimum")),
                    f"'{rule.minimum}' has no version numbers",
                    "write a version such as 7.15.3",
                    "firmware",
                )
            )
    return problems


def load_patching_policy(file: Path) -> PatchingPolicy:
    policy, doc = load_policy_file(file, PatchingPolicy, "patching")
    problems = validate_patching(policy, doc)
    if problems:
        raise InvalidInput(problems)
    return policy
