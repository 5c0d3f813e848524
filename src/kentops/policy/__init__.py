"""Policies: access (zones, flows, administrators, AAA), backup classes and patching.

``load_policies(policy_dir, loaded)`` reads the three files, validates each (every problem
names file and line) and cross-checks them against the inventory.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from kentops.inventory.loader import LoadedInventory
from kentops.policy.access import AccessPolicy, load_access_policy
from kentops.policy.backup import BackupClass, BackupPolicy, load_backup_policy
from kentops.policy.flowends import PolicyZone
from kentops.policy.patching import FirmwareRule, PatchingPolicy, load_patching_policy
from kentops.yamlsource import InvalidInput, Problem

ACCESS_FILE = "access.yml"
BACKUP_FILE = "backup.yml"
PATCHING_FILE = "patching.yml"


@dataclass(frozen=True)
class Policies:
    access: AccessPolicy
    backup: BackupPolicy
    patching: PatchingPolicy


def load_policies(policy_dir: Path | str, loaded: LoadedInventory | None = None) -> Policies:
    """Load access, backup and patching policies; raise InvalidInput with every problem."""
    policy_dir = Path(policy_dir)
    problems: list[Problem] = []
    access = backup = patching = None
    try:
        access = load_access_policy(policy_dir / ACCESS_FILE, loaded)
    except InvalidInput as exc:
        problems.extend(exc.problems)
    try:
        backup = load_backup_policy(policy_dir / BACKUP_FILE, loaded)
    except InvalidInput as exc:
        problems.extend(exc.problems)
    try:
        patching = load_patching_policy(policy_dir / PATCHING_FILE)
    except InvalidInput as exc:
        problems.extend(exc.problems)
    if problems or access is None or backup is None or patching is None:
        raise InvalidInput(problems)
    return Policies(access=access, backup=backup, patching=patching)


__all__ = [
    "AccessPolicy",
    "BackupClass",
    "BackupPolicy",
    "FirmwareRule",
    "PatchingPolicy",
    "Policies",
    "PolicyZone",
    "load_access_policy",
    "load_backup_policy",
    "load_patching_policy",
    "load_policies",
]
