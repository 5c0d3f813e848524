"""LOG-FILTER-01 reads a real filter out of FortiGate and RouterOS configurations.

The rendered demo configurations pass; each test then breaks one thing a filter needs (the
profile, its blocking categories, HTTPS inspection, DNS forcing, the DoT block, a second
unfiltered way out) and the check must name it.
"""

from __future__ import annotations

import pytest

from kentops.compliance.catalog import Catalogs
from kentops.compliance.engine import judge_subject
from kentops.compliance.model import Outcome, combine
from kentops.inventory.model import NetworkPlatform
from tests.unit.compliance.conftest import ContextFactory, running_item
from tests.unit.render.demo import demo_report, text_of

CONTROL = "LOG-FILTER-01"
FORTIGATE = ("kultur-fw-01", "intended.conf", "fortios")
ROUTEROS = ("nikah-rt-01", "intended.rsc", "routeros")


def judge(
    make_ctx: ContextFactory, catalogs: Catalogs, target: tuple[str, str, str], text: str
) -> tuple[Outcome, str]:
    """The configuration as read from the device (a running configuration), through the
    audit's evidence rule."""
    device, _artefact, _kind = target
    ctx = make_ctx([running_item(device, text)])
    decision = judge_subject(catalogs.controls[CONTROL], ctx, ctx.inventory.asset(device))
    return decision.outcome, " | ".join(f.en for f in decision.findings)


def replaced(text: str, old: str, new: str, count: int = -1) -> str:
    assert old in text, old
    return text.replace(old, new, count)


def without(text: str, *fragments: str) -> str:
    """The text without every line holding one of the fragments."""
    lines = text.splitlines(keepends=True)
    kept = [ln for ln in lines if not any(f in ln for f in fragments)]
    assert len(kept) < len(lines), fragments
    return "".join(kept)


def fortigate() -> str:
    return text_of(*FORTIGATE[:2])


def routeros() -> str:
    return text_of(*ROUTEROS[:2])


EDGE_DEVICES = [
    "hq-fw-01",
    "hq-fw-02",
    "kultur-fw-01",
    "spor-fw-01",
    "kutuphane-rt-01",
    "nikah-rt-01",
    "garaj-rt-01",
    "terfi-rt-01",
]


def test_the_demo_edge_devices_are_all_judged() -> None:
    rendered_edges = {
        a.device_id for a in demo_report().artefacts if a.kind in {"fortios", "routeros"}
    }
    assert rendered_edges == set(EDGE_DEVICES)


@pytest.mark.parametrize("device", EDGE_DEVICES)
def test_every_rendered_edge_device_filters(
    device: str, make_ctx: ContextFactory, catalogs: Catalogs
) -> None:
    artefact = next(a for a in demo_report().artefacts if a.device_id == device)
    target = (device, artefact.name, artefact.kind)
    outcome, text = judge(make_ctx, catalogs, target, artefact.text)
    assert outcome is Outcome.PASS, text


# ---------------------------------------------------------------- FortiGate


def test_fortigate_policy_without_utm_is_unfiltered(
    make_ctx: ContextFactory, catalogs: Catalogs
) -> None:
    text = without(fortigate(), "set utm-status enable")
    outcome, why = judge(make_ctx, catalogs, FORTIGATE, text)
    assert outcome is Outcome.FAIL
    assert "port4 (users) reaches the internet unfiltered" in why
    assert "port7 (guest)" in why
    assert "UTM off" in why


def test_fortigate_profile_that_only_monitors_is_no_filter(
    make_ctx: ContextFactory, catalogs: Catalogs
) -> None:
    text = replaced(fortigate(), "set action block", "set action monitor")
    outcome, why = judge(make_ctx, catalogs, FORTIGATE, text)
    assert outcome is Outcome.FAIL
    assert "profile 'kentops-5651' undefined or blocking no category" in why


def test_fortigate_profile_named_but_not_defined(
    make_ctx: ContextFactory, catalogs: Catalogs
) -> None:
    # the policies name a profile the configuration does not define
    text = replaced(fortigate(), '-profile "kentops-5651"', '-profile "baska-profil"')
    outcome, why = judge(make_ctx, catalogs, FORTIGATE, text)
    assert outcome is Outcome.FAIL
    assert "profile 'baska-profil' undefined or blocking no category" in why


def test_fortigate_web_filter_without_https_inspection(
    make_ctx: ContextFactory, catalogs: Catalogs
) -> None:
    text = without(fortigate(), "set ssl-ssh-profile", 'set dnsfilter-profile "kentops-5651"')
    outcome, why = judge(make_ctx, catalogs, FORTIGATE, text)
    assert outcome is Outcome.FAIL
    assert "HTTPS not inspected" in why
    # the DNS filter alone is a filter: HTTPS uninspected then still passes
    text = without(fortigate(), "set ssl-ssh-profile")
    assert judge(make_ctx, catalogs, FORTIGATE, text)[0] is Outcome.PASS


def test_fortigate_second_unfiltered_way_out_is_found(
    make_ctx: ContextFactory, catalogs: Catalogs
) -> None:
    # one filtered policy from the staff port used to be enough; another one bypasses it
    extra = (
        "    edit 99\n"
        '        set name "users-any"\n'
        '        set srcintf "port4"\n'
        '        set dstintf "wan1"\n'
        "        set action accept\n"
        '        set srcaddr "z-users"\n'
        '        set dstaddr "all"\n'
        '        set schedule "always"\n'
        '        set service "ALL"\n'
        "        set utm-status enable\n"
        "        set nat enable\n"
        "    next\n"
    )
    text = replaced(fortigate(), "config firewall policy\n", "config firewall policy\n" + extra, 1)
    outcome, why = judge(make_ctx, catalogs, FORTIGATE, text)
    assert outcome is Outcome.FAIL
    assert (
        "port4 (users) reaches the internet unfiltered: policy 99: no web/DNS filter profile" in why
    )
    assert "port7" not in why
    # switched off, it opens nothing
    disabled = text.replace(
        'set name "users-any"\n', 'set name "users-any"\n        set status disable\n'
    )
    assert judge(make_ctx, catalogs, FORTIGATE, disabled)[0] is Outcome.PASS


def test_fortigate_policies_into_the_tunnel_need_no_filter(
    make_ctx: ContextFactory, catalogs: Catalogs
) -> None:
    text = fortigate()
    tunnel = [b for b in text.split("    edit ")[1:] if 'set dstintf "merkez"' in b]
    assert tunnel and not [b for b in tunnel if "utm-status" in b]
    assert judge(make_ctx, catalogs, FORTIGATE, text)[0] is Outcome.PASS


# ---------------------------------------------------------------- RouterOS


def test_routeros_without_dns_forcing_fails(make_ctx: ContextFactory, catalogs: Catalogs) -> None:
    text = without(routeros(), "chain=dstnat")
    outcome, why = judge(make_ctx, catalogs, ROUTEROS, text)
    assert outcome is Outcome.FAIL
    for label in ("vlan20 (users)", "vlan50 (guest)"):
        assert f"{label}: udp 53 not forced to the site DNS servers" in why
        assert f"{label}: tcp 53 not forced to the site DNS servers" in why


def test_routeros_udp_only_leaves_tcp_open(make_ctx: ContextFactory, catalogs: Catalogs) -> None:
    text = without(routeros(), "chain=dstnat action=dst-nat protocol=tcp")
    outcome, why = judge(make_ctx, catalogs, ROUTEROS, text)
    assert outcome is Outcome.FAIL
    assert why.count("not forced") == 1
    assert "vlan20 (users): tcp 53 not forced" in why


def test_routeros_dns_sent_elsewhere_is_no_filter(
    make_ctx: ContextFactory, catalogs: Catalogs
) -> None:
    text = replaced(routeros(), "to-addresses=10.10.60.11", "to-addresses=8.8.8.8")
    outcome, why = judge(make_ctx, catalogs, ROUTEROS, text)
    assert outcome is Outcome.FAIL
    assert "vlan20 (users): udp 53 not forced" in why
    # a rule that only catches queries to one public resolver forces nothing
    text = replaced(routeros(), "dst-address-list=!kentops-dns", "dst-address=8.8.8.8")
    assert "vlan20 (users): udp 53 not forced" in judge(make_ctx, catalogs, ROUTEROS, text)[1]


def test_routeros_redirect_needs_a_resolver_asking_the_site_servers(
    make_ctx: ContextFactory, catalogs: Catalogs
) -> None:
    line = "set servers=10.10.60.11,10.10.60.12 allow-remote-requests=yes"
    text = replaced(routeros(), line, "set servers=8.8.8.8 allow-remote-requests=yes")
    outcome, why = judge(make_ctx, catalogs, ROUTEROS, text)
    assert outcome is Outcome.FAIL
    assert "vlan50 (guest): udp 53 goes to the router's resolver" in why
    assert "(8.8.8.8)" in why
    assert "vlan20" not in why  # staff DNS goes straight to the site servers
    text = replaced(routeros(), line, line.replace("=yes", "=no"))
    assert (
        "vlan50 (guest): tcp 53 goes to the router's resolver"
        in judge(make_ctx, catalogs, ROUTEROS, text)[1]
    )


def test_routeros_disabled_rule_does_not_count(
    make_ctx: ContextFactory, catalogs: Catalogs
) -> None:
    text = replaced(
        routeros(),
        "add chain=dstnat action=dst-nat protocol=udp",
        "add disabled=yes chain=dstnat action=dst-nat protocol=udp",
    )
    outcome, why = judge(make_ctx, catalogs, ROUTEROS, text)
    assert outcome is Outcome.FAIL
    assert "vlan20 (users): udp 53 not forced" in why


def test_routeros_interface_lists_are_understood(
    make_ctx: ContextFactory, catalogs: Catalogs
) -> None:
    text = replaced(routeros(), "in-interface=vlan20", "in-interface-list=kentops-staff")
    text = replaced(
        text,
        "/interface list member\n",
        "/interface list member\nadd list=kentops-staff interface=vlan20\n",
    )
    assert judge(make_ctx, catalogs, ROUTEROS, text)[0] is Outcome.PASS
    # a list without the staff VLAN leaves it unfiltered
    text = text.replace("add list=kentops-staff interface=vlan20\n", "")
    assert "vlan20 (users): udp 53 not forced" in judge(make_ctx, catalogs, ROUTEROS, text)[1]


def test_routeros_dns_over_tls_must_end_in_a_drop(
    make_ctx: ContextFactory, catalogs: Catalogs
) -> None:
    # without the explicit (logged) DoT drops, the zone policy's final drop still blocks it
    text = without(routeros(), "dst-port=853")
    assert judge(make_ctx, catalogs, ROUTEROS, text)[0] is Outcome.PASS
    # without that either, RouterOS accepts what no rule decides
    text = without(text, 'log-prefix="kentops-deny"')
    outcome, why = judge(make_ctx, catalogs, ROUTEROS, text)
    assert outcome is Outcome.FAIL
    assert "vlan20 (users): DNS over TLS (TCP 853) not blocked" in why
    assert "vlan50 (guest): DNS over TLS (TCP 853) not blocked" in why


def test_routeros_accept_before_the_dot_drop_opens_it(
    make_ctx: ContextFactory, catalogs: Catalogs
) -> None:
    first_dot = "add chain=forward action=drop protocol=tcp dst-port=853 in-interface=vlan20"
    text = replaced(
        routeros(),
        first_dot,
        "add chain=forward action=accept src-address-list=z-guest "
        "dst-address-list=!kentops-internal\n" + first_dot,
    )
    outcome, why = judge(make_ctx, catalogs, ROUTEROS, text)
    assert outcome is Outcome.FAIL
    assert "vlan50 (guest): DNS over TLS (TCP 853) not blocked" in why
    assert "vlan20 (users): DNS over TLS" not in why  # staff are not in z-guest


# ---------------------------------------------------------------- scope


def test_other_dialects_and_subjects(make_ctx: ContextFactory, catalogs: Catalogs) -> None:
    ctx = make_ctx([running_item(FORTIGATE[0], fortigate())])
    router = ctx.inventory.asset("kultur-fw-01")
    cisco = router.model_copy(update={"platform": NetworkPlatform.CISCO_IOS})
    findings = catalogs.controls.checks[CONTROL](ctx, cisco)
    assert combine(findings) is Outcome.NOT_ASSESSED
    assert "cisco_ios not supported" in findings[0].en
    switch = ctx.inventory.asset("kultur-sw-01")
    assert combine(catalogs.controls.checks[CONTROL](ctx, switch)) is Outcome.NOT_APPLICABLE
    # no running configuration collected: not assessed, never a pass
    empty = make_ctx(collected=[])
    assert combine(catalogs.controls.checks[CONTROL](empty, router)) is Outcome.NOT_ASSESSED
