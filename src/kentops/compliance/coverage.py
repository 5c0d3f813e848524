"""Duty coverage: how many duties of a regulation are automated, manual or out of scope, and
whether every technical duty is automated (proven by controls)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from kentops.compliance.catalog import Catalogs, DutyCatalog, DutyKind


@dataclass
class Coverage:
    regulation: str
    title: str
    duties: int
    automated: int
    manual: int
    not_applicable: int
    technical: int
    technical_not_automated: list[str] = field(default_factory=list)
    controls_used: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.technical_not_automated

    def as_dict(self) -> dict[str, Any]:
        return {
            "regulation": self.regulation,
            "title": self.title,
            "duties": self.duties,
            "automated": self.automated,
            "manual": self.manual,
            "not_applicable": self.not_applicable,
            "technical": self.technical,
            "technical_not_automated": self.technical_not_automated,
            "controls_used": self.controls_used,
            "ok": self.ok,
        }


def duty_coverage(catalog: DutyCatalog) -> Coverage:
    kinds = [d.kind for d in catalog.duties]
    return Coverage(
        regulation=catalog.id,
        title=catalog.title.tr,
        duties=len(kinds),
        automated=kinds.count(DutyKind.CONTROLS),
        manual=kinds.count(DutyKind.MANUAL),
        not_applicable=kinds.count(DutyKind.NOT_APPLICABLE),
        technical=sum(1 for d in catalog.duties if d.technical),
        technical_not_automated=[
            d.id for d in catalog.duties if d.technical and d.kind is not DutyKind.CONTROLS
        ],
        controls_used=sorted({c for d in catalog.duties for c in d.controls or []}),
    )


def coverage(catalogs: Catalogs, regulation: str | None = None) -> list[Coverage]:
    ids = [regulation] if regulation else sorted(catalogs.regulations)
    return [duty_coverage(catalogs.regulation(i)) for i in ids]
