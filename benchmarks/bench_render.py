"""Render a generated 5,000-device inventory, and the same templates through Ansible.

Target: <= 3 s wall for the 5,000-device render on 2 cores (render + validation of every
artefact). The Ansible figure renders 100 hosts (connection local, one artefact each) with
``ansible.builtin.template`` and the variables kentops computes; the ratio compares the time
per artefact. Standalone: ``uv run --frozen python benchmarks/bench_render.py`` prints JSON.
"""

from __future__ import annotations

import json
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import generated

REPO = Path(__file__).resolve().parent.parent
ANSIBLE_HOSTS = 100

PLAYBOOK = """\
- name: Render intended configurations like kentops does
  hosts: all
  gather_facts: false
  tasks:
    - name: Render the template with the variables kentops computed.
      ansible.builtin.template:
        src: "{{ kentops_template }}"
        dest: "{{ kentops_dest }}"
        mode: "0600"
"""


def _cpu() -> float:
    own = resource.getrusage(resource.RUSAGE_SELF)
    kids = resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + kids.ru_utime + kids.ru_stime


def _render(loaded: Any, policies: Any, jobs: int) -> dict[str, Any]:
    from kentops.render import render_site

    cpu, start = _cpu(), time.perf_counter()
    report = render_site(loaded, REPO / "policies", jobs=jobs, policies=policies)
    wall = time.perf_counter() - start
    return {
        "jobs": report.jobs,
        "wall_s": round(wall, 3),
        "cpu_s": round(_cpu() - cpu, 3),
        "devices": report.devices,
        "artefacts": len(report.artefacts),
        "problems": len(report.problems),
        "per_artefact_ms": round(1000 * wall / max(len(report.artefacts), 1), 4),
    }


def _ansible(loaded: Any, policies: Any, hosts: int) -> dict[str, Any]:
    from kentops.render import device_jobs

    playbook_bin = shutil.which("ansible-playbook", path=str(Path(sys.executable).parent))
    if playbook_bin is None:
        return {"skipped": "ansible-playbook not found"}
    inv = loaded.inventory
    picked = []
    for asset in sorted(inv.assets(), key=lambda a: (a.kind, a.id)):
        jobs = device_jobs(loaded, policies, asset.id)
        if jobs:
            picked.append(jobs[0])
    # a fair mix: every kind that renders, round robin, up to `hosts`
    by_kind: dict[str, list[Any]] = {}
    for job in picked:
        by_kind.setdefault(job.kind, []).append(job)
    mix: list[Any] = []
    while len(mix) < hosts and any(by_kind.values()):
        for kind in sorted(by_kind):
            if by_kind[kind] and len(mix) < hosts:
                mix.append(by_kind[kind].pop(0))
    with tempfile.TemporaryDirectory(prefix="kentops-bench-") as tmp:
        root = Path(tmp)
        (root / "host_vars").mkdir()
        lines = ["[all]"]
        for n, job in enumerate(mix):
            host = f"h{n:03d}"
            lines.append(
                f"{host} ansible_connection=local ansible_python_interpreter={sys.executable}"
            )
            data = dict(job.context)
            data["kentops_template"] = str(REPO / "templates" / job.template)
            data["kentops_dest"] = str(root / "out" / f"{host}-{job.artefact}")
            (root / "host_vars" / f"{host}.json").write_text(json.dumps(data, ensure_ascii=False))
        (root / "out").mkdir()
        (root / "hosts.ini").write_text("\n".join(lines) + "\n")
        (root / "render.yml").write_text(PLAYBOOK)
        env = {
            **os.environ,
            "ANSIBLE_CONFIG": str(REPO / "ansible.cfg"),
            "ANSIBLE_LOCAL_TEMP": str(root / "tmp"),
            "ANSIBLE_NOCOLOR": "1",
        }
        start = time.perf_counter()
        result = subprocess.run(
            [playbook_bin, "-i", str(root / "hosts.ini"), str(root / "render.yml")],
            cwd=root,
            env=env,
            capture_output=True,
            text=True,
            check=False,
        )
        wall = time.perf_counter() - start
        rendered = len(list((root / "out").iterdir()))
    if result.returncode != 0:
        return {"error": (result.stdout + result.stderr)[-2000:]}
    return {
        "hosts": len(mix),
        "rendered": rendered,
        "kinds": sorted({j.kind for j in mix}),
        "wall_s": round(wall, 3),
        "per_artefact_ms": round(1000 * wall / max(len(mix), 1), 2),
    }


def _cli(args: list[str]) -> dict[str, Any]:
    """``kentops render`` as a user runs it: a new process (interpreter start, imports, loading
    the inventory and policies, rendering, writing), its wall time and CPU (user + system)."""
    kentops = Path(sys.executable).parent / "kentops"
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    result = subprocess.run(
        [str(kentops), "render", *args], cwd=REPO, capture_output=True, text=True, check=False
    )
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    return {
        "command": "kentops render " + " ".join(args),
        "exit": result.returncode,
        "wall_s": round(wall, 3),
        "user_s": round(after.ru_utime - before.ru_utime, 3),
        "system_s": round(after.ru_stime - before.ru_stime, 3),
    }


def cli_figures(path: Path) -> dict[str, Any]:
    """--check, and --out into a fresh folder on disk (not tmpfs: benchmarks/out/)."""
    fresh = REPO / "benchmarks" / "out" / "render-fresh"
    shutil.rmtree(fresh, ignore_errors=True)
    out = {
        "check": _cli([str(path), "--check"]),
        "out_fresh": _cli([str(path), "--out", str(fresh)]),
    }
    out["out_again"] = _cli([str(path), "--out", str(fresh)])  # unchanged files are not rewritten
    shutil.rmtree(fresh, ignore_errors=True)
    return out


def run() -> dict[str, Any]:
    from kentops.inventory import load_inventory
    from kentops.policy import load_policies

    path = generated()
    loaded = load_inventory(path)
    policies = load_policies(REPO / "policies", loaded)
    serial = _render(loaded, policies, jobs=1)
    parallel = _render(loaded, policies, jobs=os.cpu_count() or 1)
    ansible = _ansible(loaded, policies, ANSIBLE_HOSTS)
    cli = cli_figures(path)
    best = min(serial["wall_s"], parallel["wall_s"])
    out: dict[str, Any] = {
        "name": "render 5,000-device inventory (render + validate every artefact)",
        "cpus": os.cpu_count(),
        "load_average": os.getloadavg()[0],
        "serial": serial,
        "parallel": parallel,
        "target_s": 3.0,
        "best_wall_s": best,
        "cli": cli,
        "ansible_template_100_hosts": ansible,
    }
    if "per_artefact_ms" in ansible:
        kentops_ms = min(serial["per_artefact_ms"], parallel["per_artefact_ms"])
        out["ansible_to_kentops_per_artefact"] = round(
            float(ansible["per_artefact_ms"]) / float(kentops_ms), 1
        )
    return out


if __name__ == "__main__":
    if sys.argv[1:] == ["--cli"]:  # only the whole-process figures
        print(json.dumps(cli_figures(generated()), indent=2))
    else:
        print(json.dumps(run(), indent=2, ensure_ascii=False))
