"""The lab's own secret values: what ``vault:NAME`` and ``env:NAME`` stand for in the lab.

Rendered configurations hold placeholders (``{{ vault_NAME }}``, ``{{ lookup('ansible.builtin.env',
'NAME') }}``), never values. A real device holds real secrets, so the lab fills the
placeholders of each device's starting configuration with values made for this lab run and
records them in the state file (``extra["secrets"]``, keyed by reference, mode 0600). Drift
and deploy resolve references through the same values (``kentops.network.connect``), and the
leak tests know every secret the lab holds.

A vault entry named ``..._hash_<platform>`` holds a password already in that platform's stored
form (IOS type 9, VRP irreversible-cipher, FortiOS ENC), as the real vault would.
"""

from __future__ import annotations

import base64
import re
import secrets

from kentops.lab.netsim.passwords import cisco_type9, huawei_irreversible

PLACEHOLDER_RE = re.compile(
    r"\{\{ (?:vault_(?P<vault>[A-Za-z0-9_]+)"
    r"|lookup\('ansible\.builtin\.env', '(?P<env>[A-Za-z_][A-Za-z0-9_]*)'\)) \}\}"
)


def reference_of(match: re.Match[str]) -> str:
    vault = match.group("vault")
    return f"vault:{vault}" if vault else f"env:{match.group('env')}"


def lab_value(reference: str) -> str:
    """A fresh value for ``reference``, in the stored form its name asks for."""
    clear = secrets.token_urlsafe(12)
    if reference.endswith("_hash_cisco_ios"):
        return cisco_type9(clear)
    if reference.endswith("_hash_huawei_vrp"):
        return huawei_irreversible(clear)
    if reference.endswith("_hash_fortios"):
        return "SH2" + base64.b64encode(secrets.token_bytes(45)).decode()
    return clear


def fill_placeholders(text: str, values: dict[str, str]) -> str:
    """``text`` with every secret placeholder replaced; new references get a value in
    ``values`` (which the caller records)."""

    def replace(match: re.Match[str]) -> str:
        reference = reference_of(match)
        if reference not in values:
            values[reference] = lab_value(reference)
        return values[reference]

    return PLACEHOLDER_RE.sub(replace, text)
