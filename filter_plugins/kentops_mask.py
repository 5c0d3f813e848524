"""Ansible filter ``kentops_mask``: a device configuration with its secrets masked and its
volatile lines dropped, by the rules ``kentops backup`` uses (``kentops.network.mask``).

``{{ running.stdout[0] | kentops_mask('cisco_ios') }}`` (platforms: cisco_ios, huawei_vrp,
fortios, routeros, or their aliases). Used by ``playbooks/network_backup.yml`` so an Ansible
backup stores no secret either.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any


def kentops_mask(text: str, platform: str) -> str:
    from kentops.network.mask import canonical_platform, clean_config

    return clean_config(str(text), canonical_platform(platform))


class FilterModule:
    def filters(self) -> dict[str, Callable[..., Any]]:
        return {"kentops_mask": kentops_mask}
