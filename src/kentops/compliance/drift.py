"""Difference between a running and an intended configuration, as remediation lines.

hier_config understands the indented dialects and FortiOS; RouterOS exports are compared as
sets of commands per menu path.
"""

from __future__ import annotations

from hier_config import Platform, get_hconfig

from kentops.compliance.configparse import parse_config

_HIER_PLATFORMS = {
    "cisco_ios": Platform.CISCO_IOS,
    "huawei_vrp": Platform.HUAWEI_VRP,
    "fortios": Platform.FORTINET_FORTIOS,
    "arista_eos": Platform.ARISTA_EOS,
    "aruba_aoscx": Platform.ARUBA_AOSCX,
}


def remediation(running: str, intended: str, platform: str) -> list[str] | None:
    """Lines that would turn ``running`` into ``intended``; None for an unknown dialect."""
    hier = _HIER_PLATFORMS.get(platform)
    if hier is not None:
        have = get_hconfig(hier, running)
        want = get_hconfig(hier, intended)
        return [line.strip() for line in have.config_to_get_to(want).dump_simple()]
    if platform == "routeros":
        have_cfg, want_cfg = parse_config(running, platform), parse_config(intended, platform)
        have_set = {(s.text, c.text) for s in have_cfg.lines for c in s.children}
        want_set = {(s.text, c.text) for s in want_cfg.lines for c in s.children}
        return [f"{path} {cmd}" for path, cmd in sorted(want_set - have_set)] + [
            f"# {path} {cmd} (not intended)" for path, cmd in sorted(have_set - want_set)
        ]
    return None
