"""Words of the compliance engine: outcomes of a check, statuses of a report, findings."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from enum import StrEnum


class Outcome(StrEnum):
    """What one check said about one subject (an asset, a building or the site)."""

    PASS = "pass"  # noqa: S105 - an outcome, not a password
    FAIL = "fail"
    NOT_ASSESSED = "not_assessed"  # the evidence it needs was not collected in this run
    NOT_APPLICABLE = "not_applicable"  # the control does not concern this subject


class Status(StrEnum):
    """The statuses a report shows, for a control, a duty or a group of them."""

    COMPLIANT = "uyumlu"
    PARTIAL = "kısmen uyumlu"
    NONCOMPLIANT = "uyumsuz"
    NOT_ASSESSED = "değerlendirilmedi"
    NOT_APPLICABLE = "kapsam dışı"
    ATTESTED = "manuel beyan"

    @property
    def en(self) -> str:
        return STATUS_EN[self]

    def label(self, lang: str) -> str:
        return self.en if lang == "en" else self.value


STATUS_EN: dict[Status, str] = {
    Status.COMPLIANT: "compliant",
    Status.PARTIAL: "partially compliant",
    Status.NONCOMPLIANT: "non-compliant",
    Status.NOT_ASSESSED: "not assessed",
    Status.NOT_APPLICABLE: "not applicable",
    Status.ATTESTED: "manual attestation",
}

#: Order in which a report lists things: what needs action first.
STATUS_ORDER: dict[Status, int] = {
    Status.NONCOMPLIANT: 0,
    Status.PARTIAL: 1,
    Status.NOT_ASSESSED: 2,
    Status.COMPLIANT: 3,
    Status.ATTESTED: 4,
    Status.NOT_APPLICABLE: 5,
}

OUTCOME_STATUS: dict[Outcome, Status] = {
    Outcome.PASS: Status.COMPLIANT,
    Outcome.FAIL: Status.NONCOMPLIANT,
    Outcome.NOT_ASSESSED: Status.NOT_ASSESSED,
    Outcome.NOT_APPLICABLE: Status.NOT_APPLICABLE,
}


@dataclass(frozen=True, slots=True)
class Finding:
    """One observation a check made, in Turkish and English, with the evidence it read."""

    outcome: Outcome
    tr: str
    en: str
    evidence: tuple[str, ...] = field(default=())

    def text(self, lang: str) -> str:
        return self.en if lang == "en" else self.tr

    def as_dict(self) -> dict[str, object]:
        return {
            "outcome": self.outcome.value,
            "tr": self.tr,
            "en": self.en,
            "evidence": list(self.evidence),
        }


def passed(tr: str, en: str, *evidence: str) -> Finding:
    return Finding(Outcome.PASS, tr, en, evidence)


def failed(tr: str, en: str, *evidence: str) -> Finding:
    return Finding(Outcome.FAIL, tr, en, evidence)


def not_applicable(tr: str, en: str, *evidence: str) -> Finding:
    return Finding(Outcome.NOT_APPLICABLE, tr, en, evidence)


def not_collected(*kinds: str) -> Finding:
    """The evidence a check needs was not collected in this run: never a pass."""
    names = ", ".join(kinds)
    return Finding(
        Outcome.NOT_ASSESSED,
        f"Gerekli kanıt bu denetimde toplanmadı: {names}",
        f"Required evidence was not collected in this run: {names}",
    )


def not_assessed(tr: str, en: str, *evidence: str) -> Finding:
    return Finding(Outcome.NOT_ASSESSED, tr, en, evidence)


def combine(findings: Iterable[Finding]) -> Outcome:
    """The outcome of one check on one subject, from its findings.

    A single failure fails it; otherwise anything not assessed leaves it not assessed; it
    passes only when something passed. No finding at all is never a pass.
    """
    outcomes = {f.outcome for f in findings}
    if Outcome.FAIL in outcomes:
        return Outcome.FAIL
    if Outcome.NOT_ASSESSED in outcomes:
        return Outcome.NOT_ASSESSED
    if Outcome.PASS in outcomes:
        return Outcome.PASS
    if Outcome.NOT_APPLICABLE in outcomes:
        return Outcome.NOT_APPLICABLE
    return Outcome.NOT_ASSESSED


def aggregate(statuses: Iterable[Status]) -> Status:
    """Status of a group (a control over its subjects, a duty over its controls).

    All pass: compliant. Some pass: partially compliant. None pass: non-compliant. Nothing
    assessed: not assessed. Nothing applicable: not applicable. An attestation counts as a
    pass of its own kind.
    """
    counted = [s for s in statuses if s is not Status.NOT_APPLICABLE]
    if not counted:
        return Status.NOT_APPLICABLE
    assessed = [s for s in counted if s is not Status.NOT_ASSESSED]
    if not assessed:
        return Status.NOT_ASSESSED
    good = {Status.COMPLIANT, Status.ATTESTED}
    if all(s in good for s in counted):
        return Status.COMPLIANT
    if any(s in good or s is Status.PARTIAL for s in assessed):
        return Status.PARTIAL
    return Status.NONCOMPLIANT
