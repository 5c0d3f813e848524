"""Masking and volatile-line removal on configurations in the shape real devices print.

Each fixture under ``fixtures/mask/<platform>/`` is a raw configuration (``.cfg``, ``.conf``
or ``.rsc``) next to what a backup must store (``.masked``) and every secret value the raw
text holds (``.secrets``, one per line). Adding a vendor format means adding three files.
"""

from __future__ import annotations

import base64
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from kentops.network.mask import (
    FORTIOS_ENC_MARKER,
    MASKED_RE,
    canonical_platform,
    clean_config,
    decode_type7,
    mask_config,
    placeholder,
    secret_digest,
    secret_matches,
    strip_volatile,
)
from tests.helpers import REPO

FIXTURES = Path(__file__).parent / "fixtures" / "mask"
RAW_SUFFIXES = (".cfg", ".conf", ".rsc")


def _cases() -> list[tuple[str, Path]]:
    return [
        (platform.name, raw)
        for platform in sorted(FIXTURES.iterdir())
        for raw in sorted(platform.iterdir())
        if raw.suffix in RAW_SUFFIXES
    ]


def _secrets(raw: Path) -> list[str]:
    lines = raw.with_suffix(".secrets").read_text(encoding="utf-8").splitlines()
    return [line for line in lines if line and not line.startswith("#")]


CASES = _cases()
IDS = [f"{p}/{raw.name}" for p, raw in CASES]


def test_every_platform_has_fixtures() -> None:
    assert {p for p, _ in CASES} == {"cisco_ios", "huawei_vrp", "fortios", "routeros"}


@pytest.mark.parametrize(("platform", "raw"), CASES, ids=IDS)
def test_fixture_masks_to_what_a_backup_stores(platform: str, raw: Path) -> None:
    expected = raw.with_suffix(".masked").read_text(encoding="utf-8")
    assert clean_config(raw.read_text(encoding="utf-8"), platform) == expected


@pytest.mark.parametrize(("platform", "raw"), CASES, ids=IDS)
def test_no_secret_of_the_fixture_survives(platform: str, raw: Path) -> None:
    text = raw.read_text(encoding="utf-8")
    masked = clean_config(text, platform)
    secrets = _secrets(raw)
    assert secrets, "a fixture lists its secrets"
    for secret in secrets:
        assert secret in text or secret == decode_type7_any(text, secret), secret
        assert secret not in masked, f"{secret!r} left in the masked text"


def decode_type7_any(text: str, secret: str) -> str | None:
    """``secret`` when it is the clear form of a type 7 value in ``text``."""
    for value in re.findall(r"\b7 ([0-9A-F]{4,})\b", text):
        if decode_type7(value) == secret:
            return secret
    return None


@pytest.mark.parametrize(("platform", "raw"), CASES, ids=IDS)
def test_masking_twice_changes_nothing(platform: str, raw: Path) -> None:
    once = clean_config(raw.read_text(encoding="utf-8"), platform)
    assert clean_config(once, platform) == once


def test_a_changed_secret_shows_as_a_change_and_the_same_one_does_not() -> None:
    base = "hostname x\nsnmp-server community Old-Comm RO\nend\n"
    same = mask_config(base, "cisco_ios")
    changed = mask_config(base.replace("Old-Comm", "New-Comm"), "cisco_ios")
    assert same == mask_config(base, "cisco_ios")
    assert same != changed
    assert f"snmp-server community {placeholder('New-Comm')} RO" in changed


def test_type7_hashes_the_decoded_value_so_a_re_encoding_is_no_change() -> None:
    # the same password "LineVty7" encoded with seeds 9 and 2 (IOS picks one at random)
    a = mask_config("line vty 0 4\n password 7 096047071C33030B5C\n", "cisco_ios")
    b = mask_config("line vty 0 4\n password 7 022A0D550E301B381B\n", "cisco_ios")
    assert decode_type7("022A0D550E301B381B") == "LineVty7"
    assert a == b
    masked = MASKED_RE.search(a)
    assert masked is not None
    assert secret_matches(masked.group(0), "LineVty7") is True
    assert secret_matches(masked.group(0), "something-else") is False


def test_fortios_enc_values_of_two_exports_mask_to_the_same_text() -> None:
    """FortiOS re-encrypts ENC values on every export: the mask must not be noisy."""
    raw = (FIXTURES / "fortios" / "fortigate-branch.conf").read_text(encoding="utf-8")

    def reencrypted(match: re.Match[str]) -> str:
        return "ENC " + base64.b64encode(os.urandom(len(match.group(1)))).decode()

    second = re.sub(r"ENC (\S+)", reencrypted, raw)
    assert second != raw
    assert clean_config(second, "fortios") == clean_config(raw, "fortios")
    assert f"set psksecret ENC {FORTIOS_ENC_MARKER}" in clean_config(raw, "fortios")
    assert secret_matches(FORTIOS_ENC_MARKER, "anything") is None


def test_certificate_bodies_become_one_hash_line() -> None:
    masked = clean_config(
        (FIXTURES / "cisco_ios" / "catalyst-edge.cfg").read_text(encoding="utf-8"), "cisco_ios"
    )
    block = masked.split("certificate self-signed 01\n", 1)[1].split("quit", 1)[0]
    assert re.fullmatch(r"  <masked:sha256:[0-9a-f]{12}>\n  \t", block)


@pytest.mark.parametrize(
    ("platform", "volatile"),
    [
        ("cisco_ios", "Building configuration..."),
        ("cisco_ios", "Current configuration : 9718 bytes"),
        ("cisco_ios", "! Last configuration change at 14:02:11 TRT Tue Nov 18 2025 by netadmin"),
        ("cisco_ios", "! NVRAM config last updated at 14:02:15 TRT Tue Nov 18 2025 by netadmin"),
        ("cisco_ios", "ntp clock-period 36029055"),
        ("cisco_ios", "Using 27724 out of 524288 bytes"),
        ("huawei_vrp", "!Last configuration was updated at 2025-11-18 14:20:31+03:00 by x"),
        ("fortios", "#conf_file_ver=1872364918273645"),
        ("routeros", "# 2025-11-18 14:30:11 by RouterOS 7.13.5"),
        ("routeros", "# nov/18/2025 14:31:40 by RouterOS 6.49.10"),
    ],
)
def test_volatile_lines_are_dropped(platform: str, volatile: str) -> None:
    text = f"{volatile}\nhostname keep-me\n"
    assert strip_volatile(text, platform) == "hostname keep-me\n"


def test_secret_digest_is_the_documented_form() -> None:
    assert re.fullmatch(r"sha256:[0-9a-f]{12}", secret_digest("x"))
    assert placeholder("x") == f"<masked:{secret_digest('x')}>"


def test_unknown_platform_names_the_choices() -> None:
    assert canonical_platform("FortiGate") == "fortios"
    with pytest.raises(ValueError, match="cisco_ios, huawei_vrp, fortios, routeros"):
        canonical_platform("junos")


def test_backup_mask_command_reads_stdin_and_a_file() -> None:
    raw = FIXTURES / "cisco_ios" / "catalyst-edge.cfg"
    kentops = str(Path(sys.executable).parent / "kentops")
    from_stdin = subprocess.run(
        [kentops, "backup", "mask", "--platform", "ios", "-"],
        input=raw.read_text(encoding="utf-8"),
        capture_output=True,
        text=True,
        cwd=REPO,
        check=False,
    )
    assert from_stdin.returncode == 0, from_stdin.stderr
    assert from_stdin.stdout == mask_config(raw.read_text(encoding="utf-8"), "cisco_ios")
    for secret in _secrets(raw):
        assert secret not in from_stdin.stdout
    bad = subprocess.run(
        [kentops, "backup", "mask", "--platform", "junos", str(raw)],
        capture_output=True,
        text=True,
        cwd=REPO,
        check=False,
    )
    assert bad.returncode == 2
    assert "unknown platform" in bad.stderr
