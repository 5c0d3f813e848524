# Ansible inventory plugin: the kentops model as Ansible hosts and groups.
from __future__ import annotations

DOCUMENTATION = r"""
name: kentops
short_description: Hosts and groups from a kentops inventory folder
description:
  - Reads the kentops inventory (site, buildings, VLANs, every asset) of the folder that holds
    the plugin file, validates it, and adds its hosts grouped by kind, building, platform and unit.
  - With the environment variable KENTOPS_LAB=1, hosts are taken from the running kentops lab
    (its state file maps every host to a lab address); hosts the lab does not run are left out.
options:
  plugin:
    description: Must be C(kentops).
    required: true
    choices: [kentops]
  lab:
    description: Use the lab mapping; overrides KENTOPS_LAB when set.
    type: bool
    required: false
"""

EXAMPLES = r"""
# inventories/demo/kentops.yml
plugin: kentops
"""

import os

from ansible.errors import AnsibleParserError
from ansible.plugins.inventory import BaseInventoryPlugin


class InventoryModule(BaseInventoryPlugin):
    NAME = "kentops"
    # The data comes from the repository's own reviewed inventory files.
    trusted_by_default = True

    def verify_file(self, path):
        return super().verify_file(path) and os.path.basename(path) in (
            "kentops.yml",
            "kentops.yaml",
        )

    def parse(self, inventory, loader, path, cache=True):
        super().parse(inventory, loader, path, cache)
        self._read_config_data(path)
        from pathlib import Path

        from kentops.inventory.adapters import LabNotRunning
        from kentops.inventory.adapters.ansible import ansible_inventory
        from kentops.inventory.loader import load_inventory
        from kentops.yamlsource import InvalidInput

        try:
            loaded = load_inventory(Path(path).resolve().parent)
            data = ansible_inventory(loaded, self.get_option("lab"))
        except InvalidInput as exc:
            raise AnsibleParserError("invalid kentops inventory:\n%s" % exc) from exc
        except LabNotRunning as exc:
            raise AnsibleParserError(str(exc)) from exc
        for group in sorted(data["groups"]):
            self.inventory.add_group(group)
        for host, host_vars in data["hosts"].items():
            self.inventory.add_host(host)
            for key, value in host_vars.items():
                self.inventory.set_variable(host, key, value)
        for group, hosts in data["groups"].items():
            for host in hosts:
                self.inventory.add_child(group, host)
