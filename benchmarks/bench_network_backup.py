"""Network operations at scale, timed as a user runs them (whole commands, interpreter included).

1. ``kentops backup GEN --lab --json`` of a generated inventory's ~200 network devices running
   in the lab (``kentops lab generate --buildings 66 --devices 3300``, seed 1: 198 devices,
   130 Huawei VRP, 66 FortiOS, 2 Cisco IOS). Target <= 20 s on 2 cores.
2. The Ansible anchor in the same run: ``ansible-playbook playbooks/network_backup.yml`` (the
   kentops inventory plugin, network_cli, ``cisco.ios``) against the demo lab's Cisco IOS
   devices, and ``kentops backup --host ...`` of the same devices. Ansible's bundled
   collections cover only Cisco IOS among the lab's platforms, so the ratio is taken there,
   per the same devices. Target ratio >= 5x.
3. ``kentops drift GEN5000 --json`` of the 5,000-device generated inventory from stored
   backups (each network device's backup is its intended configuration with the secrets
   filled in as the lab fills them, masked and stored by the backup code in one commit
   beforehand). Target <= 10 s.

Standalone: ``uv run --frozen python benchmarks/bench_network_backup.py`` prints JSON. It
brings its own labs up and down in private folders (network part only).
"""

from __future__ import annotations

import datetime as dt
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
sys.path.insert(0, str(HERE))

from common import generated

BIN = Path(sys.executable).parent


def _run(args: list[str], env: dict[str, str], timeout: float = 900) -> tuple[float, Any]:
    started = time.perf_counter()
    done = subprocess.run(
        args, cwd=REPO, env=env, capture_output=True, text=True, timeout=timeout, check=False
    )
    seconds = time.perf_counter() - started
    if done.returncode not in (0, 1):
        raise RuntimeError(f"{' '.join(args[:3])}: exit {done.returncode}: {done.stderr[-2000:]}")
    return seconds, done


def _placed(inventory: Path, tmp: Path) -> Path:
    """The generated inventory as ``<tmp>/inventories/<name>`` beside links to the repository's
    policies, templates and filters: where kentops looks for them next to an inventory."""
    target = tmp / "inventories" / inventory.name
    if not target.exists():
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copytree(inventory, target)
        for name in ("policies", "templates", "filter_plugins"):
            (tmp / name).symlink_to(REPO / name)
    return target


def _lab(inventory: Path, env: dict[str, str]) -> None:
    _run([str(BIN / "kentops"), "lab", "up", str(inventory), "--only", "network"], env)


def _down(env: dict[str, str]) -> None:
    subprocess.run(
        [str(BIN / "kentops"), "lab", "down"], cwd=REPO, env=env, capture_output=True, check=False
    )


def backup_200(tmp: Path) -> dict[str, Any]:
    inventory = _placed(generated(devices=3300, buildings=66), tmp / "gen200")
    env = {
        **os.environ,
        "KENTOPS_LAB_DIR": str(tmp / "lab-gen"),
        "KENTOPS_BACKUP_ROOT": str(tmp / "backups-gen"),
    }
    _lab(inventory, env)
    try:
        runs = []
        for _ in range(2):
            seconds, done = _run(
                [str(BIN / "kentops"), "backup", str(inventory), "--lab", "--json"], env
            )
            report = json.loads(done.stdout)
            runs.append(
                {
                    "wall_s": round(seconds, 2),
                    "read": len(report["changed"]) + len(report["unchanged"]),
                    "failed": len(report["failed"]),
                    "in_process_s": report["elapsed_s"],
                }
            )
    finally:
        _down(env)
    return {"first_run": runs[0], "second_run": runs[1], "target": "<= 20 s"}


def ansible_ratio(tmp: Path) -> dict[str, Any]:
    demo = REPO / "inventories" / "demo"
    env = {
        **os.environ,
        "KENTOPS_LAB_DIR": str(tmp / "lab-demo"),
        "KENTOPS_BACKUP_ROOT": str(tmp / "backups-demo"),
    }
    _lab(demo, env)
    try:
        sys.path.insert(0, str(REPO / "src"))
        from kentops.inventory.loader import load_inventory

        loaded = load_inventory(demo)
        hosts = sorted(
            d.id
            for d in (*loaded.inventory.switches, *loaded.inventory.routers)
            if str(getattr(d, "platform", "")) == "cisco_ios"
        )
        kentops_s, done = _run(
            [str(BIN / "kentops"), "backup", str(demo), "--lab", "--json"]
            + [arg for h in hosts for arg in ("--host", h)],
            env,
        )
        kentops_read = len(json.loads(done.stdout)["changed"])
        ansible_env = {
            **env,
            "KENTOPS_LAB": "1",
            "ANSIBLE_HOST_KEY_CHECKING": "False",  # the lab's devices have fresh host keys
            "ANSIBLE_LOCAL_TEMP": str(tmp / "ansible-tmp"),
            "ANSIBLE_PERSISTENT_CONTROL_PATH_DIR": str(tmp / "ansible-pc"),
        }
        ansible_s, done = _run(
            [
                str(BIN / "ansible-playbook"),
                "-i",
                str(demo / "kentops.yml"),
                "playbooks/network_backup.yml",
                "-e",
                f"backup_dir={tmp / 'ansible-backups'}",
                "--limit",
                ",".join(hosts),
            ],
            ansible_env,
        )
        written = len(list((tmp / "ansible-backups").glob("*.cfg")))
        if done.returncode != 0:
            raise RuntimeError(f"ansible-playbook failed: {done.stdout[-2000:]}")
    finally:
        _down(env)
    return {
        "devices": len(hosts),
        "kentops_wall_s": round(kentops_s, 2),
        "kentops_read": kentops_read,
        "ansible_wall_s": round(ansible_s, 2),
        "ansible_written": written,
        "ratio": round(ansible_s / kentops_s, 1),
        "target": "ratio >= 5",
    }


def drift_5000(tmp: Path) -> dict[str, Any]:
    sys.path.insert(0, str(REPO / "src"))
    from kentops.inventory.loader import load_inventory
    from kentops.lab.vault import fill_placeholders
    from kentops.network.backup import DeviceBackup, open_store, store_run
    from kentops.network.connect import network_device_ids
    from kentops.network.mask import clean_config
    from kentops.render import render_site

    inventory = _placed(generated(), tmp / "gen5000")
    loaded = load_inventory(inventory)
    devices = set(network_device_ids(loaded, False))
    now = dt.datetime.now(dt.UTC).replace(microsecond=0)
    site = loaded.inventory.site.id
    backups = []
    values: dict[str, str] = {}
    seen: set[str] = set()
    for artefact in render_site(loaded, REPO / "policies", out=None).artefacts:
        if artefact.device_id not in devices or artefact.device_id in seen:
            continue
        if artefact.kind not in {"ios", "vrp", "fortios", "routeros"}:
            continue
        seen.add(artefact.device_id)
        platform = str(loaded.inventory.index()[artefact.device_id].platform)  # type: ignore[attr-defined]
        # what a device configured from it runs: secrets filled in as the lab fills them,
        # then masked as a backup stores them
        running = clean_config(fill_placeholders(artefact.text, values), platform)
        backups.append(DeviceBackup(artefact.device_id, platform, running, None, now))
    root = tmp / "backups-5000"
    store_run(open_store(site, root), site, backups, {})
    env = {**os.environ, "KENTOPS_BACKUP_ROOT": str(root)}
    seconds, done = _run([str(BIN / "kentops"), "drift", str(inventory), "--json"], env)
    report = json.loads(done.stdout)
    return {
        "assets": 5000,
        "network_devices": len(backups),
        "wall_s": round(seconds, 2),
        "compared": len(report["devices"]),
        "drifted": len(report["drifted"]),
        "target": "<= 10 s",
    }


def run() -> dict[str, object]:
    with tempfile.TemporaryDirectory(prefix="kentops-bench-net-") as name:
        tmp = Path(name)
        return {
            "backup_200": backup_200(tmp),
            "ansible_ratio": ansible_ratio(tmp),
            "drift_5000": drift_5000(tmp),
        }


if __name__ == "__main__":
    part = sys.argv[1] if len(sys.argv) > 1 else None
    with tempfile.TemporaryDirectory(prefix="kentops-bench-net-") as name:
        parts = {"backup_200": backup_200, "ansible_ratio": ansible_ratio, "drift_5000": drift_5000}
        chosen = {part: parts[part]} if part else parts
        result = {key: fn(Path(name)) for key, fn in chosen.items()}
    json.dump(result, sys.stdout, indent=2)
    sys.stdout.write("\n")
