"""Before and after the playbook run: the Linux servers' results of two audits side by side.

``python -m kentops.servers.demo_summary FIRST/results.json SECOND/results.json`` prints, for
the server and backup controls (``SRV-*``, ``BAK-*``) on the servers the lab runs, each
audit's count per status and every result that changed. ``make demo`` runs it after
``site.yml`` and ``patch.yml``.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from kentops.network.demo_summary import Row, _counts

#: Server controls, and the backup controls that site.yml (its backup.yml) turns green.
PREFIX = ("SRV-", "BAK-")


def rows(results: dict[str, Any], subjects: set[str] | None = None) -> dict[tuple[str, str], Row]:
    """The server control results of one audit (``results.json``), of ``subjects`` if given."""
    out: dict[tuple[str, str], Row] = {}
    for control in results["controls"]:
        if not control["id"].startswith(PREFIX):
            continue
        for result in control["results"]:
            if result["status"] == "kapsam dışı":
                continue
            if subjects is not None and result["subject"] not in subjects:
                continue
            reasons = [f["tr"] for f in result["findings"] if f["outcome"] != "pass"]
            out[(control["id"], result["subject"])] = Row(
                control["id"], result["subject"], result["status"], "; ".join(reasons)
            )
    return out


def main(argv: Sequence[str] | None = None) -> int:
    args = list(sys.argv[1:] if argv is None else argv)
    if len(args) < 2:
        print("usage: python -m kentops.servers.demo_summary FIRST.json SECOND.json [HOST...]")
        return 2
    first, second = (json.loads(Path(a).read_text(encoding="utf-8")) for a in args[:2])
    subjects = set(args[2:]) or None
    before, after = rows(first, subjects), rows(second, subjects)
    print("Sunucu ve yedek sonuçları / server and backup results (SRV-*, BAK-*)")
    print(f"  oyun kitabından önce / before the playbooks: {_counts(before)}")
    print(f"  oyun kitabından sonra / after the playbooks: {_counts(after)}")
    for key in sorted(after):
        if key in before and before[key].status != after[key].status:
            print(f"  {key[0]:<14} {key[1]:<18} {before[key].status} -> {after[key].status}")
    for key in sorted(after):
        row = after[key]
        if row.status == "uyumsuz":
            print(f"  hâlâ / still {row.control:<14} {row.subject:<18} {row.reason[:100]}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
