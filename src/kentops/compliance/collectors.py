"""The static collectors: evidence that needs no device, host or network.

inventory (the files and their validation), policies (policy files and catalogs, loaded),
attestations (the dated statements kept in the inventory), rendered configurations (the
intended configuration engine) and the static policy check over those configurations.
"""

from __future__ import annotations

import importlib
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from kentops import policy
from kentops.compliance.evidence import (
    CollectContext,
    EvidenceItem,
    NotCollected,
    json_text,
    to_jsonable,
)
from kentops.inventory.loader import LoadedInventory
from kentops.yamlsource import display_path

#: Policy files the policies collector records (those present), besides the catalogs.
POLICY_FILES: tuple[str, ...] = (
    policy.ACCESS_FILE,
    policy.BACKUP_FILE,
    policy.PATCHING_FILE,
    "logging.yml",
)


def _optional_module(name: str, purpose: str) -> Any:
    """Import a module of another part of kentops; NotCollected when it is not there yet."""
    try:
        return importlib.import_module(name)
    except ModuleNotFoundError as exc:
        if exc.name is not None and name.startswith(exc.name):
            raise NotCollected(f"{purpose}: module {name} is not available") from None
        raise


class InventoryCollector:
    """The inventory files as read, and the result of validating them."""

    name = "inventory"
    kinds: tuple[str, ...] = ("inventory",)

    def collect(self, ctx: CollectContext) -> list[EvidenceItem]:
        loaded = ctx.loaded
        items = [
            EvidenceItem(
                kind="inventory",
                name=f"inventory/{file.name}",
                content=file.read_bytes(),
                source=display_path(file),
                subject=None,
            )
            for file in loaded.files
        ]
        inv = loaded.inventory
        summary = {
            "valid": True,
            "problems": [],
            "site": inv.site.id,
            "files": [display_path(f) for f in loaded.files],
            "buildings": len(inv.buildings),
            "vlans": len(inv.vlans),
            "assets": len(inv.index()),
        }
        items.append(
            EvidenceItem(
                kind="inventory",
                name="inventory/validation.json",
                content=json_text(summary),
                source=f"kentops.inventory.load_inventory({display_path(loaded.root)})",
                subject=None,
                data=loaded,
            )
        )
        return items


class PolicyCollector:
    """Policy files and catalogs as read; the policies loaded where the policy engine exists."""

    name = "policies"
    kinds: tuple[str, ...] = ("policies",)

    def collect(self, ctx: CollectContext) -> list[EvidenceItem]:
        items: list[EvidenceItem] = []
        files = [ctx.policy_dir / n for n in POLICY_FILES if (ctx.policy_dir / n).is_file()]
        for sub in ("controls", "regulations"):
            folder = ctx.policy_dir / sub
            if folder.is_dir():
                files.extend(sorted(folder.glob("*.yml")))
        for file in files:
            items.append(
                EvidenceItem(
                    kind="policies",
                    name=f"policies/{file.relative_to(ctx.policy_dir)}",
                    content=file.read_bytes(),
                    source=display_path(file),
                )
            )
        loaded = load_policies(ctx.policy_dir, ctx.loaded)
        items.append(
            EvidenceItem(
                kind="policies",
                name="policies/loaded.json",
                content=json_text({k: to_jsonable(v) for k, v in loaded.items()}),
                source=f"kentops.policy ({display_path(ctx.policy_dir)})",
                data=loaded,
            )
        )
        return items


def load_policies(policy_dir: Path, loaded: LoadedInventory) -> dict[str, Any]:
    """The policies of ``policy_dir`` by name (access, backup, patching), cross-checked
    against the inventory; raises InvalidInput (exit 2) when one is invalid or missing."""
    policies = policy.load_policies(policy_dir, loaded)
    out = {name: getattr(policies, name) for name in ("access", "backup", "patching")}
    if (policy_dir / "logging.yml").is_file():  # the Law 5651 policy, where there is one
        from kentops.log5651.policy import load_logging_policy

        out["logging"] = load_logging_policy(policy_dir / "logging.yml", loaded)
    return out


class AttestationCollector:
    """The dated attestations kept in the inventory (attestations: collection)."""

    name = "attestations"
    kinds: tuple[str, ...] = ("attestation",)

    def collect(self, ctx: CollectContext) -> list[EvidenceItem]:
        items = []
        for index, attestation in enumerate(ctx.loaded.inventory.attestations):
            origin = ctx.loaded.origin("attestations", index)
            items.append(
                EvidenceItem(
                    kind="attestation",
                    name=f"attestations/{attestation.id}.json",
                    content=json_text(attestation),
                    source=f"{display_path(origin.doc.file)}:{origin.line()}",
                    subject=attestation.subject,
                    data=attestation,
                )
            )
        return items


class RenderedConfigCollector:
    """The intended configuration of every device, from the render engine."""

    name = "rendered_config"
    kinds: tuple[str, ...] = ("rendered_config",)

    def collect(self, ctx: CollectContext) -> list[EvidenceItem]:
        render = _optional_module("kentops.render", "intended configuration engine")
        report = render.render_site(ctx.loaded, ctx.policy_dir, out=None, hosts=ctx.hosts)
        items = []
        for artefact in report.artefacts:
            items.append(
                EvidenceItem(
                    kind="rendered_config",
                    name=f"rendered_config/{artefact.device_id}/{Path(str(artefact.path)).name}",
                    content=artefact.text,
                    source=f"kentops.render.render_site: {artefact.path}",
                    subject=artefact.device_id,
                    data=artefact,
                )
            )
        items.append(
            EvidenceItem(
                kind="rendered_config",
                name="rendered_config/report.json",
                content=json_text(
                    {
                        "artefacts": [
                            {
                                "device_id": a.device_id,
                                "kind": a.kind,
                                "path": str(a.path),
                                "sha256": a.sha256,
                            }
                            for a in report.artefacts
                        ],
                        "problems": [str(p) for p in report.problems],
                    }
                ),
                source="kentops.render.render_site",
                subject=None,
                data=report,
            )
        )
        return items


class PolicyCheckCollector:
    """The static proof that the rendered rules carry exactly the access policy's flows."""

    name = "policy_check"
    kinds: tuple[str, ...] = ("policy_check",)

    def collect(self, ctx: CollectContext) -> list[EvidenceItem]:
        policycheck = _optional_module("kentops.policycheck", "static policy check")
        report_item = ctx.evidence.first("rendered_config", None)
        if report_item is None:
            raise NotCollected("static policy check: no rendered configurations in this run")
        access = load_policies(ctx.policy_dir, ctx.loaded)["access"]
        result = policycheck.check_policy(ctx.loaded, report_item.data, access)
        return [
            EvidenceItem(
                kind="policy_check",
                name="policy_check/result.json",
                content=json_text(result),
                source="kentops.policycheck.check_policy",
                subject=None,
                data=result,
            )
        ]


@dataclass(frozen=True)
class RunningPolicyCheck:
    """The static proof run again over the running configurations read from the devices.

    ``read`` maps each enforcement point whose running configuration was read to its
    evidence reference; ``missing`` lists the enforcement points (as the intended
    configurations have them) that were not read, so their paths stay unproven.
    """

    result: Any
    read: dict[str, str]
    missing: list[str]


class RunningPolicyCheckCollector:
    """The access policy proven on what the devices really run, not on what kentops rendered."""

    name = "running_policy_check"
    kinds: tuple[str, ...] = ("running_policy_check",)
    after: tuple[str, ...] = ("rendered_config", "running_config", "policy_check")

    def collect(self, ctx: CollectContext) -> list[EvidenceItem]:
        policycheck = _optional_module("kentops.policycheck", "static policy check")
        render = _optional_module("kentops.render", "intended configuration engine")
        from kentops.compliance.checks import CONFIG_ARTEFACTS

        if not ctx.evidence.collected("running_config"):
            raise NotCollected("no running configuration was read in this run")
        report_item = ctx.evidence.first("rendered_config", None)
        design = ctx.evidence.first("policy_check", None)
        if report_item is None or design is None:
            raise NotCollected("the enforcement points are not known (no rendered policy check)")
        running = {
            s.subject: s for s in ctx.evidence.of_kind("running_config") if s.subject is not None
        }
        artefacts = [
            replace(a, text=running[a.device_id].text, sha256=running[a.device_id].sha256)
            for a in report_item.data.artefacts
            if a.kind in CONFIG_ARTEFACTS and a.device_id in running
        ]
        points = list(design.data.devices)
        read = {d: running[d].ref for d in points if d in running}
        missing = [d for d in points if d not in running]
        access = load_policies(ctx.policy_dir, ctx.loaded)["access"]
        report = render.RenderReport(site=report_item.data.site, artefacts=artefacts)
        result = policycheck.check_policy(ctx.loaded, report, access, devices=list(read))
        return [
            EvidenceItem(
                kind="running_policy_check",
                name="policy_check/running.json",
                content=json_text({"read": read, "missing": missing, "result": result}),
                source="kentops.policycheck.check_policy over the running configurations",
                subject=None,
                data=RunningPolicyCheck(result, read, missing),
            )
        ]
