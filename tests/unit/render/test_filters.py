"""The Jinja filters: one module, loaded by Ansible (FilterModule) and by kentops (by path)."""

from __future__ import annotations

import os

import pytest

from kentops.render.filters import load_filters
from tests.helpers import REPO

F = load_filters(REPO)


def test_ansible_and_kentops_see_the_same_filters() -> None:
    import importlib.util

    spec = importlib.util.spec_from_file_location(
        "plugin", REPO / "filter_plugins" / "kentops_filters.py"
    )
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    assert set(module.FilterModule().filters()) == set(F)
    assert "filter_plugins = filter_plugins" in (REPO / "ansible.cfg").read_text()


@pytest.mark.parametrize(
    ("name", "args", "expected"),
    [
        ("netmask", ("10.10.20.0/24",), "255.255.255.0"),
        ("wildcard", ("10.10.20.0/23",), "0.0.1.255"),
        ("network", ("10.10.20.7/24",), "10.10.20.0"),
        ("prefixlen", ("172.16.0.0/12",), 12),
        ("host_at", ("10.10.20.0/24", 1), "10.10.20.1"),
        ("host_at", ("10.10.20.0/24", -1), "10.10.20.254"),
        ("with_prefix", ("10.10.20.2", "10.10.20.0/24"), "10.10.20.2/24"),
        ("ip_only", ("195.175.10.10/30",), "195.175.10.10"),
        ("fortios_subnet", ("10.0.0.0/8",), "10.0.0.0 255.0.0.0"),
        ("ios_addr", ("0.0.0.0/0",), "any"),
        ("ios_addr", ("10.1.1.1/32",), "host 10.1.1.1"),
        ("ios_addr", ("10.1.0.0/16",), "10.1.0.0 0.0.255.255"),
        ("vrp_addr", ("10.1.1.1/32",), "10.1.1.1 0.0.0.0"),
        ("vlan_ranges", ([30, 10, 20, 31, 32, 20],), "10,20,30-32"),
        ("vrp_vlan_ranges", ([30, 10, 31, 32],), "10 30 to 32"),
        ("port_list", ([[443, 443], [10000, 20000]],), "443,10000-20000"),
        ("quoted", (["port3", "wan1"],), '"port3" "wan1"'),
        ("ascii_text", ('Çekirdek bağlantısı: "İŞ"',), "Cekirdek baglantisi: IS"),
        ("safe_name", ("Yönetim ağı / 1. kat",), "Yonetim-agi-1-kat"),
        ("mac_plain", ("80:5E:C0:BD:F1:44",), "805ec0bdf144"),
        ("json_value", ("Örnek",), '"Örnek"'),
        ("ini_value", ("a;b\nc",), "a b c"),
    ],
)
def test_filter(name: str, args: tuple[object, ...], expected: object) -> None:
    assert F[name](*args) == expected


def test_acl_rule_formats() -> None:
    rule = {
        "action": "permit",
        "protocol": "tcp",
        "src": "10.10.20.0/24",
        "dst": "10.10.60.11/32",
        "sport": None,
        "dport": [443, 443],
        "established": False,
        "icmp": None,
        "log": True,
    }
    assert F["ios_ace"](rule) == "permit tcp 10.10.20.0 0.0.0.255 host 10.10.60.11 eq 443 log"
    assert F["vrp_rule"](rule, 5) == (
        "rule 5 permit tcp source 10.10.20.0 0.0.0.255 destination 10.10.60.11 0.0.0.0 "
        "destination-port eq 443 logging"
    )
    reply = {
        **rule,
        "src": "10.10.60.11/32",
        "dst": "0.0.0.0/0",
        "sport": [10000, 20000],
        "dport": None,
        "established": True,
        "log": False,
    }
    assert F["ios_ace"](reply) == "permit tcp host 10.10.60.11 range 10000 20000 any established"
    ros = {
        "chain": "forward",
        "action": "accept",
        "protocol": "udp",
        "src_address_list": "z-guest",
        "dst_address_list": "!kentops-internal",
        "dst_ports": [[53, 53]],
        "log": True,
        "log_prefix": "kentops-guest",
        "comment": "misafir çıkışı",
    }
    assert F["routeros_rule"](ros) == (
        "chain=forward action=accept protocol=udp src-address-list=z-guest "
        'dst-address-list=!kentops-internal dst-port=53 log=yes log-prefix="kentops-guest" '
        'comment="misafir cikisi"'
    )


def test_secret_references_become_placeholders(monkeypatch: pytest.MonkeyPatch) -> None:
    secret = F["secret"]
    assert secret("vault:network_aaa_shared_secret") == "{{ vault_network_aaa_shared_secret }}"
    assert secret("vault:network_local_fallback_hash", False, "cisco_ios") == (
        "{{ vault_network_local_fallback_hash_cisco_ios }}"
    )
    assert secret("vault:sip_password_{extension}", extension="1000") == (
        "{{ vault_sip_password_1000 }}"
    )
    monkeypatch.setenv("KENTOPS_TEST_SECRET", "s3cret-value")
    assert secret("env:KENTOPS_TEST_SECRET") == (
        "{{ lookup('ansible.builtin.env', 'KENTOPS_TEST_SECRET') }}"
    )
    assert secret("env:KENTOPS_TEST_SECRET", True) == os.environ["KENTOPS_TEST_SECRET"]
    with pytest.raises(ValueError, match="not a secret reference"):
        secret("hunter2")
    with pytest.raises(ValueError, match="needs an extension"):
        secret("vault:sip_password_{extension}")
