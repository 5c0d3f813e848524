"""Before and after a fix: the network, camera and voice results of two audits side by side.

``python -m kentops.network.demo_summary FIRST/results.json SECOND/results.json`` prints, for
the controls of the network, cameras and telephony areas (and SEC-ENC-01 on those devices),
each audit's count per status, every result that changed, and what is still not compliant
after the fix with the reason the report gives; a firmware result is named as needing an
upgrade (a configuration push cannot fix it). ``make demo`` runs it after its fix.
"""

from __future__ import annotations

import json
import sys
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

AREAS = frozenset({"network", "cameras", "telephony"})
KINDS = frozenset(
    {"switch", "router", "firewall", "wireless_controller", "access_point", "camera", "nvr"}
    | {"pbx", "phone"}
)
#: Results no configuration push can turn green: the device runs an old release.
FIRMWARE = frozenset({"NET-FW-01", "CAM-FW-01"})
ORDER = ("uyumlu", "kısmen uyumlu", "uyumsuz", "değerlendirilmedi")


@dataclass(frozen=True)
class Row:
    control: str
    subject: str
    status: str
    reason: str


def rows(results: dict[str, Any]) -> dict[tuple[str, str], Row]:
    """The network, camera and voice results of one audit (``results.json``)."""
    out: dict[tuple[str, str], Row] = {}
    for control in results["controls"]:
        if control["area"] not in AREAS and control["id"] != "SEC-ENC-01":
            continue
        for result in control["results"]:
            if result["subject_kind"] not in KINDS or result["status"] == "kapsam dışı":
                continue
            reasons = [f["tr"] for f in result["findings"] if f["outcome"] != "pass"]
            out[(control["id"], result["subject"])] = Row(
                control["id"], result["subject"], result["status"], "; ".join(reasons)
            )
    return out


def remaining(results: dict[str, Any]) -> list[Row]:
    """What is still not compliant, firmware included."""
    return sorted(
        (r for r in rows(results).values() if r.status != "uyumlu"),
        key=lambda r: (r.control, r.subject),
    )


def _counts(found: dict[tuple[str, str], Row]) -> str:
    counts = Counter(r.status for r in found.values())
    return ", ".join(f"{counts.get(s, 0)} {s}" for s in ORDER)


def main(argv: Sequence[str] | None = None) -> int:
    args = list(sys.argv[1:] if argv is None else argv)
    if len(args) != 2:
        print("usage: python -m kentops.network.demo_summary FIRST.json SECOND.json")
        return 2
    first, second = (json.loads(Path(a).read_text(encoding="utf-8")) for a in args)
    before, after = rows(first), rows(second)
    print("Ağ, kamera ve ses sonuçları / network, camera and voice results")
    print(f"  ilk denetim / first audit:   {_counts(before)}")
    print(f"  ikinci denetim / after fix:  {_counts(after)}")
    changed = [k for k in sorted(after) if k in before and before[k].status != after[k].status]
    for key in changed:
        print(f"  {key[0]:<12} {key[1]:<16} {before[key].status} -> {after[key].status}")
    left = remaining(second)
    if not left:
        print("  Hepsi uyumlu / all compliant")
    for row in left:
        note = (
            "yükseltme gerekli / needs an upgrade"
            if row.control in FIRMWARE
            else "düzeltilmedi / not fixed"
        )
        print(f"  kalan / left: {row.control} {row.subject} {row.status} ({note}): {row.reason}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
