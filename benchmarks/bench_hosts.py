"""Benchmark: bring 10 Debian lab hosts up (until every sshd answers) and down again; then,
on the demo's Linux lab hosts, the whole commands a user runs: facts with pyinfra
(`kentops servers facts --lab --json`) against the same facts with Ansible (`setup` plus the
same read-only script, `ansible-playbook`), in the same run, and the ratio; and
`playbooks/site.yml` converging fresh hosts, then the second run that changes nothing.

The image is built first if the cache lacks it (reported separately, not timed as up).
Run standalone as root: `uv run --frozen python benchmarks/bench_hosts.py` prints JSON
(`--servers-only` for the second part alone).
Cache directory: $KENTOPS_LAB_CACHE, default ~/.cache/kentops/lab.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from kentops.lab.hosts import HostLab, HostSpec, ensure_image, prerequisites, run_leftovers
from kentops.lab.hosts.image import image_info
from kentops.lab.hosts.system import netns_id, processes

HOSTS = 10


def _pss_kib(pids: list[int]) -> int:
    total = 0
    for pid in pids:
        try:
            text = Path(f"/proc/{pid}/smaps_rollup").read_text()
        except OSError:
            continue
        for line in text.splitlines():
            if line.startswith("Pss:"):
                total += int(line.split()[1])
    return total


def hosts_up_down(hosts: int = HOSTS) -> dict[str, object]:
    problems = prerequisites()
    if problems:
        return {"name": "lab_hosts_up_down", "skipped": "; ".join(problems)}
    cache = Path(os.environ.get("KENTOPS_LAB_CACHE", "~/.cache/kentops/lab")).expanduser()
    started = time.monotonic()
    ensure_image(cache)
    ensure_seconds = time.monotonic() - started
    info = image_info(cache) or {}

    with tempfile.TemporaryDirectory(prefix="kentops-bench-") as state:
        lab = HostLab(Path(state), cache)
        specs = [HostSpec(f"bench-{i:02d}", f"bench{i:02d}") for i in range(hosts)]
        t0 = time.monotonic()
        try:
            lab.up(specs)
            up_seconds = time.monotonic() - t0
            ids = {i for h in lab.status() if (i := netns_id(h.netns)) is not None}
            pids = [p.pid for p in processes(with_env=False) if p.netns in ids]
            pss_kib = _pss_kib(pids)
            uppers = list((Path(state) / "hosts").glob("*/upper"))
            upper_kib = sum(
                f.lstat().st_size for u in uppers for f in u.rglob("*") if f.is_file()
            ) // (1024 * hosts)
        finally:
            t1 = time.monotonic()
            lab.down()
            down_seconds = time.monotonic() - t1
        left = run_leftovers(lab.run_id)

    return {
        "name": "lab_hosts_up_down",
        "hosts": hosts,
        "up_seconds": round(up_seconds, 2),
        "down_seconds": round(down_seconds, 2),
        "pss_mib_per_host": round(pss_kib / 1024 / hosts, 1),
        "overlay_kib_per_host_after_boot": upper_kib,
        "processes_per_host": round(len(pids) / hosts, 1),
        "leftovers": len(left),
        "image_key": info.get("key"),
        "image_build_seconds": info.get("build_seconds"),
        "image_ready_seconds": round(ensure_seconds, 2),
    }


REPO = Path(__file__).resolve().parent.parent
DEMO = REPO / "inventories" / "demo"
BIN = Path(sys.executable).parent
#: Ansible's side of the facts comparison: gather facts, then the very script pyinfra runs.
ANSIBLE_FACTS_PLAY = """---
- name: Facts as kentops reads them, through Ansible.
  hosts: linux
  become: true
  gather_facts: true
  tasks:
    - name: Run the read-only facts script.
      ansible.builtin.script: {script}
      changed_when: false
"""


def _timed(argv: list[str], env: dict[str, str]) -> tuple[float, subprocess.CompletedProcess[str]]:
    started = time.monotonic()
    done = subprocess.run(
        argv, cwd=REPO, env=env, capture_output=True, text=True, check=False, timeout=3600
    )
    return time.monotonic() - started, done


def _changed(output: str) -> int:
    recap = output.rsplit("PLAY RECAP", maxsplit=1)[-1]
    return sum(int(n) for n in re.findall(r"changed=(\d+)", recap))


def servers(
    hosts: str | None = None,
) -> dict[str, object]:
    """pyinfra vs Ansible facts, and site.yml converge / second run, on the demo's lab hosts."""
    from kentops.servers.facts import FACTS_SCRIPT

    problems = prerequisites()
    if problems:
        return {"name": "servers_facts_and_site", "skipped": "; ".join(problems)}
    with tempfile.TemporaryDirectory(prefix="kentops-bench-servers-") as tmp:
        env = {**os.environ, "KENTOPS_LAB_DIR": str(Path(tmp) / "lab"), "KENTOPS_LAB": "1"}
        up = ["lab", "up", str(DEMO), "--only", "hosts", *(["--hosts", hosts] if hosts else [])]
        started = subprocess.run(
            [str(BIN / "kentops"), *up],
            cwd=REPO,
            env=env,
            capture_output=True,
            text=True,
            check=False,
        )
        if started.returncode != 0:
            return {"name": "servers_facts_and_site", "error": started.stdout + started.stderr}
        try:
            script = Path(tmp) / "facts.sh"
            script.write_text(FACTS_SCRIPT, encoding="utf-8")
            play = Path(tmp) / "facts.yml"
            play.write_text(ANSIBLE_FACTS_PLAY.format(script=script), encoding="utf-8")
            kentops_facts = [str(BIN / "kentops"), "servers", "facts", str(DEMO), "--lab", "--json"]
            pyinfra_s, pyinfra_run = _timed(kentops_facts, env)
            read = json.loads(pyinfra_run.stdout) if pyinfra_run.stdout.strip() else {}
            ansible_s, ansible_run = _timed(
                [str(BIN / "ansible-playbook"), "-i", str(DEMO), str(play)], env
            )
            site = [str(BIN / "ansible-playbook"), "-i", str(DEMO), "playbooks/site.yml"]
            first_s, first = _timed(site, env)
            second_s, second = _timed(site, env)
        finally:
            subprocess.run(
                [str(BIN / "kentops"), "lab", "down"],
                cwd=REPO,
                env=env,
                capture_output=True,
                check=False,
            )
    return {
        "name": "servers_facts_and_site",
        "hosts": len(read.get("hosts", read)) if isinstance(read, dict) else None,
        "pyinfra_facts_seconds": round(pyinfra_s, 1),
        "pyinfra_exit": pyinfra_run.returncode,
        "ansible_setup_and_script_seconds": round(ansible_s, 1),
        "ansible_exit": ansible_run.returncode,
        "ansible_over_pyinfra": round(ansible_s / pyinfra_s, 1) if pyinfra_s else None,
        "site_first_run_seconds": round(first_s, 1),
        "site_first_run_changed": _changed(first.stdout),
        "site_first_run_exit": first.returncode,
        "site_second_run_seconds": round(second_s, 1),
        "site_second_run_changed": _changed(second.stdout),
        "site_second_run_exit": second.returncode,
    }


def run() -> dict[str, object]:
    """Both parts, for benchmarks/run.py (`make bench`)."""
    return {**hosts_up_down(), "servers": servers()}


if __name__ == "__main__":
    print(json.dumps(servers() if "--servers-only" in sys.argv else run(), indent=2))
