"""Backup classes (policies/backup.yml): retention, off-site copy, restore-test interval."""

from __future__ import annotations

from collections import Counter
from pathlib import Path
from typing import Literal

from pydantic import Field, StrictBool, StrictInt

from kentops.inventory.loader import LoadedInventory
from kentops.modelbase import Text
from kentops.policy.common import PolicyId, PolicyModel, SecretRef, load_policy_file
from kentops.yamlsource import InvalidInput, Problem, SourceDocument

Keep = StrictInt


class BackupClass(PolicyModel):
    """How often a host is backed up, how long snapshots are kept, how restores are proven."""

    id: PolicyId
    name: Text
    schedule: Literal["hourly", "daily", "weekly", "monthly"]
    keep_hourly: Keep = Field(default=0, ge=0)
    keep_daily: Keep = Field(default=0, ge=0)
    keep_weekly: Keep = Field(default=0, ge=0)
    keep_monthly: Keep = Field(default=0, ge=0)
    keep_yearly: Keep = Field(default=0, ge=0)
    offsite: StrictBool
    restore_test_days: StrictInt = Field(gt=0, description="Max days between restore tests")
    consistent_dump: StrictBool = Field(default=False, description="Dump databases first")
    append_only: StrictBool = Field(default=False, description="Repository refuses deletes")
    min_retention_days: StrictInt | None = Field(default=None, gt=0)

    def retention_days(self) -> int:
        """The oldest snapshot age the keep_* rules guarantee, in days."""
        return max(
            self.keep_hourly // 24,
            self.keep_daily,
            self.keep_weekly * 7,
            self.keep_monthly * 30,
            self.keep_yearly * 365,
        )


class Offsite(PolicyModel):
    repository: SecretRef
    password: SecretRef


class BackupPolicy(PolicyModel):
    classes: list[BackupClass] = Field(min_length=1)
    repository_password: SecretRef = Field(
        description="Reference to the password of every host's repository on the backup server"
    )
    offsite: Offsite

    def by_id(self) -> dict[str, BackupClass]:
        return {c.id: c for c in self.classes}


def validate_backup(policy: BackupPolicy, doc: SourceDocument) -> list[Problem]:
    problems: list[Problem] = []
    counts = Counter(c.id for c in policy.classes)
    for i, cls in enumerate(policy.classes):
        subject = f"backup class '{cls.id}'"
        if counts[cls.id] > 1:
            problems.append(
                Problem(
                    doc.file,
                    doc.line_of(("classes", i, "id")),
                    "duplicate class id",
                    "give each class its own id",
                    subject,
                )
            )
        if cls.retention_days() == 0:
            problems.append(
                Problem(
                    doc.file,
                    doc.line_of(("classes", i)),
                    "the class keeps no snapshot",
                    "set at least one keep_*",
                    subject,
                )
            )
        if cls.min_retention_days is not None and cls.retention_days() < cls.min_retention_days:
            problems.append(
                Problem(
                    doc.file,
                    doc.line_of(("classes", i, "min_retention_days")),
                    f"keep_* rules keep {cls.retention_days()} days, less than the required "
                    f"{cls.min_retention_days}",
                    "raise keep_monthly or keep_yearly",
                    subject,
                )
            )
    return problems


def cross_check_backup(policy: BackupPolicy, loaded: LoadedInventory) -> list[Problem]:
    """Every backup_class a server names must be a class of the policy."""
    classes = policy.by_id()
    problems: list[Problem] = []
    for index, server in enumerate(loaded.inventory.servers):
        if server.backup_class is not None and server.backup_class not in classes:
            origin = loaded.origin("servers", index)
            problems.append(
                Problem(
                    origin.doc.file,
                    origin.line("backup_class"),
                    f"unknown backup class '{server.backup_class}'",
                    f"use one of policies/backup.yml: {', '.join(sorted(classes))}",
                    f"server '{server.id}'",
                )
            )
    return problems


def load_backup_policy(file: Path, loaded: LoadedInventory | None = None) -> BackupPolicy:
    policy, doc = load_policy_file(file, BackupPolicy, "backup")
    problems = validate_backup(policy, doc)
    if not problems and loaded is not None:
        problems = cross_check_backup(policy, loaded)
    if problems:
        raise InvalidInput(problems)
    return policy
