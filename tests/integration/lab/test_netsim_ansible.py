"""Ansible ``network_cli`` with the ``cisco.ios`` collection against a simulated switch.

The playbook runs twice: the first run changes the device, the second must change nothing
(the idempotence users expect from ``ios_config``). Everything Ansible writes stays in
``tmp_path``; the device listens on 127.0.0.1.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from kentops.lab.netsim import SimulatorPool
from tests.integration.lab.conftest_netsim import PASSWORD, SECRET, USER, ios_device

pytestmark = [pytest.mark.lab, pytest.mark.slow]

ANSIBLE_PLAYBOOK = Path(sys.executable).with_name("ansible-playbook")

PLAYBOOK = """\
- name: Configure the simulated core switch
  hosts: switches
  gather_facts: false
  tasks:
    - name: Read the software version
      cisco.ios.ios_command:
        commands:
          - show version
      register: version

    - name: Check the version reported by the switch
      ansible.builtin.assert:
        that:
          - "'Version 15.2(7)E4' in version.stdout[0]"
          - "'Processor board ID FOC2101X0AB' in version.stdout[0]"

    - name: Describe the uplink
      cisco.ios.ios_config:
        parents: interface GigabitEthernet1/0/1
        lines:
          - description uplink managed by kentops

    - name: Set the global services
      cisco.ios.ios_config:
        lines:
          - ip domain name ornek.bel.tr
          - ntp server 10.0.0.5
          - logging host 10.0.0.6
        save_when: modified
"""


def _run(tmp_path: Path, port: int) -> dict[str, Any]:
    inventory = tmp_path / "inventory.ini"
    inventory.write_text(
        "[switches]\n"
        f"core ansible_host=127.0.0.1 ansible_port={port}\n\n"
        "[switches:vars]\n"
        "ansible_connection=ansible.netcommon.network_cli\n"
        "ansible_network_os=cisco.ios.ios\n"
        f"ansible_user={USER}\n"
        f"ansible_password={PASSWORD}\n"
        "ansible_become=true\n"
        "ansible_become_method=enable\n"
        f"ansible_become_password={SECRET}\n"
        "ansible_buffer_read_timeout=0.05\n",
        encoding="utf-8",
    )
    playbook = tmp_path / "site.yml"
    playbook.write_text(PLAYBOOK, encoding="utf-8")
    config = tmp_path / "ansible.cfg"
    config.write_text("[defaults]\n", encoding="utf-8")
    env = {key: value for key, value in os.environ.items() if not key.startswith("ANSIBLE_")} | {
        "ANSIBLE_CONFIG": str(config),
        "ANSIBLE_HOST_KEY_CHECKING": "False",
        "ANSIBLE_LOCAL_TEMP": str(tmp_path / "tmp"),
        "ANSIBLE_PERSISTENT_CONTROL_PATH_DIR": str(tmp_path / "pc"),
        "ANSIBLE_PERSISTENT_COMMAND_TIMEOUT": "20",
        "ANSIBLE_PERSISTENT_CONNECT_TIMEOUT": "20",
        "ANSIBLE_STDOUT_CALLBACK": "ansible.posix.json",
        "ANSIBLE_DEPRECATION_WARNINGS": "False",
        "ANSIBLE_PYTHON_INTERPRETER": sys.executable,
        "ANSIBLE_NOCOLOR": "1",
    }
    result = subprocess.run(
        [str(ANSIBLE_PLAYBOOK), "-i", str(inventory), str(playbook)],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    report: dict[str, Any] = json.loads(result.stdout)
    return report


def test_ansible_ios_config_changes_then_is_idempotent(tmp_path: Path) -> None:
    device = ios_device("hq-sw-core-01")
    with SimulatorPool(tmp_path / "host_key") as pool:
        port = pool.start([device])[device.name]
        first = _run(tmp_path, port)
        second = _run(tmp_path, port)
        running = pool.running_config(device.name)
        startup = pool.startup_config(device.name)

    assert first["stats"]["core"]["failures"] == 0
    assert first["stats"]["core"]["changed"] == 2
    assert second["stats"]["core"]["changed"] == 0
    assert second["stats"]["core"]["failures"] == 0
    assert "interface GigabitEthernet1/0/1\n description uplink managed by kentops\n" in running
    for line in ("ip domain name ornek.bel.tr", "ntp server 10.0.0.5", "logging host 10.0.0.6"):
        assert f"\n{line}\n" in running
        assert f"\n{line}\n" in startup  # save_when: modified wrote the startup config
