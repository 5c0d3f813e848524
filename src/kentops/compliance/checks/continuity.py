"""Continuity controls: recovery objectives declared and met by the backup class."""

from __future__ import annotations

import datetime as dt

from kentops.compliance import policyview
from kentops.compliance.checks import CheckContext
from kentops.compliance.checks._common import listing
from kentops.compliance.model import (
    Finding,
    failed,
    not_applicable,
    not_assessed,
    passed,
)
from kentops.inventory.model import Asset, Criticality, Server, ServiceKind

#: Service kinds that hold no data (an RPO means nothing for them).
STATELESS = frozenset({ServiceKind.HYPERVISOR, ServiceKind.NTP})


def rto_rpo_declared(ctx: CheckContext, asset: Asset) -> list[Finding]:
    """BCP-RTO-01: services of high/critical servers declare RTO and RPO; backups meet RPO."""
    if not isinstance(asset, Server):
        return [not_applicable("Sunucu değil", "Not a server")]
    if asset.criticality not in {Criticality.HIGH, Criticality.CRITICAL}:
        return [
            not_applicable(
                f"Kritiklik {asset.criticality.value}", f"Criticality {asset.criticality.value}"
            )
        ]
    services = [s for s in asset.services if s.kind not in STATELESS]
    if not services:
        return [not_applicable("Veri tutan hizmeti yok", "No service holding data")]
    undeclared = [s.name for s in services if s.rto_hours is None or s.rpo_hours is None]
    findings: list[Finding] = []
    if undeclared:
        findings.append(
            failed(
                f"RTO/RPO bildirilmemiş: {listing(undeclared)}",
                f"RTO/RPO not declared: {listing(undeclared)}",
            )
        )
    else:
        findings.append(
            passed(
                f"{len(services)} hizmetin RTO/RPO'su bildirilmiş",
                f"RTO/RPO declared for {len(services)} service(s)",
            )
        )
    rpos = [s.rpo_hours for s in services if s.rpo_hours is not None]
    if not rpos:
        return findings
    tightest = dt.timedelta(hours=min(rpos))
    if asset.backup_class is None:
        findings.append(failed("RPO var ama yedek sınıfı yok", "An RPO but no backup class"))
        return findings
    classes = policyview.backup_classes(ctx)
    cls = classes.get(asset.backup_class) if classes else None
    if cls is None:
        findings.append(
            not_assessed(
                f"Yedek sınıfı {asset.backup_class} politikadan okunamadı",
                f"Backup class {asset.backup_class} not read from the policy",
            )
        )
    elif cls.interval > tightest:
        findings.append(
            failed(
                f"Sınıf {cls.id} aralığı RPO'dan uzun",
                f"Class {cls.id} interval exceeds the RPO",
                ctx.policy_ref("backup"),
            )
        )
    else:
        findings.append(
            passed(
                f"Sınıf {cls.id} aralığı RPO'yu karşılıyor",
                f"Class {cls.id} interval meets the RPO",
                ctx.policy_ref("backup"),
            )
        )
    return findings
