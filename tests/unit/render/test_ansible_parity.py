"""Ansible's template module and kentops render the same bytes from the same variables."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from kentops.render import device_jobs
from tests.helpers import REPO
from tests.unit.render.demo import demo_inputs, text_of

PLAYBOOK = """\
- name: Render like kentops does
  hosts: localhost
  connection: local
  gather_facts: false
  tasks:
    - name: Render the template with the variables kentops computed.
      ansible.builtin.template:
        src: "{{ kentops_template }}"
        dest: "{{ kentops_dest }}"
        mode: "0600"
"""


def _ansible_playbook() -> str:
    found = shutil.which("ansible-playbook", path=str(Path(sys.executable).parent))
    assert found is not None, "ansible-playbook is part of the locked dependencies"
    return found


def _run(args: list[str], tmp_path: Path) -> None:
    env = {
        **os.environ,
        "ANSIBLE_CONFIG": str(REPO / "ansible.cfg"),
        "ANSIBLE_LOCAL_TEMP": str(tmp_path / "ansible-tmp"),
        "ANSIBLE_NOCOLOR": "1",
        "ANSIBLE_RETRY_FILES_ENABLED": "0",
    }
    python = f"ansible_python_interpreter={sys.executable}"
    result = subprocess.run(
        [_ansible_playbook(), "-i", "localhost,", "-e", python, *args],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_ansible_template_renders_the_core_switch_byte_identically(tmp_path: Path) -> None:
    loaded, policies = demo_inputs()
    job = device_jobs(loaded, policies, "hq-sw-core-01")[0]
    extra = tmp_path / "vars.json"
    extra.write_text(json.dumps(job.context, ensure_ascii=False), encoding="utf-8")
    playbook = tmp_path / "render.yml"
    playbook.write_text(PLAYBOOK, encoding="utf-8")
    dest = tmp_path / "ansible.cfg.out"
    _run(
        [
            str(playbook),
            "-e",
            f"@{extra}",
            "-e",
            f"kentops_template={REPO / 'templates' / job.template}",
            "-e",
            f"kentops_dest={dest}",
        ],
        tmp_path,
    )
    ours = text_of("hq-sw-core-01", "intended.cfg").encode("utf-8")
    assert dest.read_bytes() == ours
    assert b"{{ vault_network_aaa_shared_secret }}" in ours  # placeholders survive Ansible too


@pytest.mark.slow
def test_every_template_renders_identically_under_ansible(tmp_path: Path) -> None:
    loaded, policies = demo_inputs()
    devices = [
        "kultur-sw-01",
        "kultur-fw-01",
        "nikah-rt-01",
        "hq-wlc-01",
        "hq-srv-dhcp-01",
        "hq-cam-01",
        "hq-pbx-01",
        "hq-tel-1000",
    ]
    plays = []
    expected: dict[Path, bytes] = {}
    for device in devices:
        for n, job in enumerate(device_jobs(loaded, policies, device)):
            vars_file = tmp_path / f"{device}-{n}.json"
            vars_file.write_text(json.dumps(job.context, ensure_ascii=False), encoding="utf-8")
            dest = tmp_path / "out" / device / job.artefact
            dest.parent.mkdir(parents=True, exist_ok=True)
            expected[dest] = text_of(device, job.artefact).encode("utf-8")
            plays.append(
                {
                    "name": f"{device} {job.artefact}",
                    "hosts": "localhost",
                    "connection": "local",
                    "gather_facts": False,
                    "vars_files": [str(vars_file)],
                    "tasks": [
                        {
                            "name": "Render the template.",
                            "ansible.builtin.template": {
                                "src": str(REPO / "templates" / job.template),
                                "dest": str(dest),
                                "mode": "0600",
                            },
                        }
                    ],
                }
            )
    playbook = tmp_path / "all.yml"
    playbook.write_text(yaml.safe_dump(plays, allow_unicode=True), encoding="utf-8")
    _run([str(playbook)], tmp_path)
    for dest, ours in expected.items():
        assert dest.read_bytes() == ours, dest
