"""Rendering the demo municipality: what each device gets, and that it is valid and stable."""

from __future__ import annotations

import json
import os
import re
import xml.etree.ElementTree as ET
from collections import Counter
from ipaddress import IPv4Address, IPv4Network

import pytest

from kentops.policy.zones import Site
from kentops.render import render_site
from kentops.render.validate import kea_binary, kea_check, validate, validate_kea
from tests.helpers import lab_prerequisite
from tests.unit.render.demo import POLICIES, demo_inputs, demo_report, text_of


def _block(text: str, header: str) -> list[str]:
    """The indented lines under one top-level line of an IOS/VRP configuration."""
    lines = text.splitlines()
    start = lines.index(header)
    out = []
    for line in lines[start + 1 :]:
        if not line.startswith(" "):
            break
        out.append(line.strip())
    return out


def test_demo_renders_every_device_kind_without_problems() -> None:
    report = demo_report()
    assert report.problems == []
    kinds = Counter(a.kind for a in report.artefacts)
    loaded, _ = demo_inputs()
    inv = loaded.inventory
    assert kinds["ios"] == len([s for s in inv.switches if s.platform == "cisco_ios"]) + len(
        [c for c in inv.wireless_controllers if c.platform == "cisco_ios"]
    )
    assert kinds["vrp"] == len([s for s in inv.switches if s.platform == "huawei_vrp"])
    assert kinds["fortios"] == len([r for r in inv.routers if r.platform == "fortios"])
    assert kinds["routeros"] == len([r for r in inv.routers if r.platform == "routeros"])
    assert kinds["kea"] == 1
    assert kinds["isapi"] == 10 * len(inv.cameras)
    assert kinds["yealink"] == len(inv.phones) + len(inv.pbxs)
    assert kinds["asterisk"] == 2 * len(inv.pbxs)
    paths = {a.path for a in report.artefacts}
    assert "ornek/hq-sw-core-01/intended.cfg" in paths
    assert "ornek/hq-tel-1000/805ec0bdf144.cfg" in paths


def test_render_is_deterministic_and_parallel_equals_serial() -> None:
    loaded, policies = demo_inputs()
    again = render_site(loaded, POLICIES, jobs=2, policies=policies)
    first = {a.path: a.sha256 for a in demo_report().artefacts}
    assert again.jobs == 2
    assert {a.path: a.sha256 for a in again.artefacts} == first
    assert not any(re.search(r"20\d\d-\d\d-\d\d[T ]\d\d:\d\d", a.text) for a in again.artefacts)


def test_host_selection_and_unknown_host() -> None:
    from kentops.yamlsource import InvalidInput

    loaded, policies = demo_inputs()
    only = render_site(loaded, POLICIES, hosts=["hq-cam-01"], policies=policies)
    assert {a.device_id for a in only.artefacts} == {"hq-cam-01"}
    with pytest.raises(InvalidInput, match="unknown host 'nope'"):
        render_site(loaded, POLICIES, hosts=["nope"], policies=policies)


# ---------------------------------------------------------------------------- switches


def test_access_ports_follow_what_is_plugged_in() -> None:
    text = text_of("hq-sw-k1-01", "intended.cfg")
    camera = _block(text, "interface GigabitEthernet1/0/2")  # hq-cam-04
    assert "switchport access vlan 40" in camera
    assert "switchport port-security maximum 1" in camera
    assert "spanning-tree bpduguard enable" in camera
    assert "spanning-tree portfast" in camera
    assert "storm-control broadcast level 1.00" in camera
    phone = _block(text, "interface GigabitEthernet1/0/4")  # hq-tel-1000
    assert "switchport access vlan 20" in phone
    assert "switchport voice vlan 30" in phone
    ap = _block(text, "interface GigabitEthernet1/0/1")  # hq-ap-01: mgmt + staff + guest SSIDs
    assert "switchport mode trunk" in ap
    assert "switchport trunk native vlan 10" in ap
    assert "switchport trunk allowed vlan 10,20,50" in ap
    uplink = _block(text, "interface GigabitEthernet1/1/1")
    assert "switchport mode trunk" in uplink
    assert "ip dhcp snooping trust" in uplink
    assert "ip arp inspection trust" in uplink
    assert "ip dhcp snooping trust" not in camera
    assert "ip dhcp snooping vlan 20,30,50" in text.splitlines()
    assert "ip arp inspection vlan 20,30,50" in text.splitlines()
    printer = _block(text_of("hq-sw-k2-01", "intended.cfg"), "interface GigabitEthernet1/0/11")
    assert "switchport access vlan 80" in printer


@pytest.mark.parametrize("device", ["hq-sw-core-01", "hq-sw-k1-01"])
def test_ios_management_plane_is_hardened(device: str) -> None:
    text = text_of(device, "intended.cfg")
    lines = text.splitlines()
    for wanted in (
        "ip ssh version 2",
        "no ip http server",
        "no ip http secure-server",
        "aaa new-model",
        "ntp server 10.10.60.11 prefer",
        "ntp server 10.10.60.12",
        "logging host 10.10.60.14",
    ):
        assert wanted in lines
    assert _block(text, "line vty 0 15")[:2] == [
        "access-class KENTOPS-MGMT in",
        "exec-timeout 10 0",
    ]
    assert "transport input ssh" in _block(text, "line vty 0 15")
    assert "telnet" not in text
    assert "snmp-server community" not in text
    assert any(
        line.startswith("snmp-server user kentops-snmp KENTOPS-RO v3 auth sha ") for line in lines
    )
    mgmt_acl = _block(text, "ip access-list standard KENTOPS-MGMT")
    assert mgmt_acl[-1] == "deny any log"
    assert sorted(mgmt_acl[:-1]) == sorted(
        f"permit 10.{b}.10.0 0.0.0.255" for b in (10, 20, 30, 40, 50, 60, 70)
    )
    assert "aaa authentication login default group KENTOPS-RADIUS local" in lines
    banner = text[text.index("banner login ^C") :]
    assert banner.splitlines()[1].startswith("YETKİSİZ ERİŞİM YASAKTIR")
    assert banner.index("YETKİSİZ") < banner.index("UNAUTHORIZED")


def test_core_routes_with_hsrp_and_filters_every_vlan() -> None:
    core1 = text_of("hq-sw-core-01", "intended.cfg")
    core2 = text_of("hq-sw-core-02", "intended.cfg")
    svi = _block(core1, "interface Vlan20")
    assert "ip address 10.10.20.2 255.255.255.0" in svi
    assert "standby 20 ip 10.10.20.1" in svi
    assert "standby 20 priority 110" in svi
    assert "ip helper-address 10.10.60.13" in svi
    assert "ip access-group KENTOPS-KULLANICI-IN in" in svi
    assert "ip policy route-map KENTOPS-PBR-KULLANICI" in svi
    assert "ip address 10.10.20.3 255.255.255.0" in _block(core2, "interface Vlan20")
    assert "standby 20 priority 100" in _block(core2, "interface Vlan20")
    for vlan in (10, 20, 30, 40, 50, 55, 60, 70, 80):
        assert any(
            line.startswith("ip access-group ") for line in _block(core1, f"interface Vlan{vlan}")
        )
    acl = _block(core1, "ip access-list extended KENTOPS-KAMERA-IN")
    aces = [a for a in acl if not a.startswith("remark")]
    # the core decides traffic inside the building; what leaves it goes on to the firewall
    assert aces[-1] == "permit ip 10.10.40.0 0.0.0.255 any"
    local = [
        f"deny ip any {v} 0.0.0.255 log"
        for v in (
            "10.10.10.0",
            "10.10.20.0",
            "10.10.30.0",
            "10.10.40.0",
            "172.16.10.0",
            "10.10.55.0",
            "10.10.60.0",
            "10.10.70.0",
            "10.10.80.0",
        )
    ]
    assert aces[-10:-1] == local
    # cameras may reach the time servers here and answer their recorder, nothing else
    assert "permit udp 10.10.40.0 0.0.0.255 host 10.10.60.11 eq 123" in aces
    assert not [
        a for a in aces[:-10] if a.startswith("permit") and "10.10.40.0 0.0.0.255 10.10.20.0" in a
    ]
    # towards staff only the recorder answers (users watch video on the NVR, never a camera)
    to_users = [a for a in aces if a.startswith("permit") and " 10.10.20.0 0.0.0.255" in a]
    assert to_users
    assert all(
        a.startswith("permit tcp host 10.10.40.5 eq ") and a.endswith(" established")
        for a in to_users
    )


def test_vrp_access_switch() -> None:
    text = text_of("kultur-sw-01", "intended.cfg")
    lines = text.splitlines()
    for wanted in (
        "stelnet server enable",
        "undo telnet server enable",
        "undo http server enable",
        "snmp-agent sys-info version v3",
        "ntp-service unicast-server 10.10.60.11 preference",
        "ntp-service unicast-server 10.10.60.12",
        "info-center loghost 10.10.60.14 facility local7",
        "stp bpdu-protection",
        "dhcp snooping enable",
        "ip route-static 0.0.0.0 0.0.0.0 10.20.10.1",
    ):
        assert wanted in lines
    camera = _block(text, "interface GigabitEthernet0/0/4")  # kultur-cam-02
    assert camera[:2] == ["description kultur-cam-02 camera", "port link-type access"]
    assert "port default vlan 40" in camera
    assert "stp edged-port enable" in camera
    assert "port-security enable" in camera
    phone = _block(text, "interface GigabitEthernet0/0/6")
    assert "voice-vlan 30 enable" in phone
    assert "port hybrid tagged vlan 30" in phone
    assert "dhcp snooping trusted" in _block(text, "interface GigabitEthernet0/0/1")
    assert "acl name KENTOPS-MGMT inbound" in _block(text, "user-interface vty 0 4")
    assert any(line.startswith('header login information "YETKİSİZ') for line in lines)


# ---------------------------------------------------------------------------- firewalls


def test_fortigate_logs_nat_to_the_5651_collector_and_isolates_guests() -> None:
    text = text_of("kultur-fw-01", "intended.conf")
    assert 'config log syslogd setting\n    set status enable\n    set server "10.10.60.14"' in text
    policies = text[text.index("config firewall policy") :]
    blocks = policies.split("    edit ")[1:]
    nat = [b for b in blocks if "set nat enable" in b]
    assert nat, "no NAT policy"
    assert all("set logtraffic all" in b for b in nat)
    assert all('set dstintf "wan1"' in b for b in nat)
    guest = [b for b in blocks if 'set srcaddr "z-guest"' in b]
    assert {b.split("set dstaddr ")[1].split("\n")[0] for b in guest} <= {'"all"', '"s-dhcp"'}
    internet = [b for b in guest if 'set dstaddr "all"' in b]
    assert len(internet) == 1
    assert 'set service "k-http" "k-https" "k-dns"' in internet[0]
    assert "set logtraffic all" in internet[0]
    assert "set admin-telnet disable" in text
    assert 'set srcaddr "z-management"' in text[text.index("config firewall local-in-policy") :]


def test_routeros_logs_nat_remotely() -> None:
    text = text_of("nikah-rt-01", "intended.rsc")
    lines = text.splitlines()
    assert (
        "add name=kentops5651 target=remote remote=10.10.60.14 remote-port=514 "
        "src-address=10.40.10.4 bsd-syslog=yes syslog-facility=local7"
    ) in lines
    assert "add topics=firewall action=kentops5651" in lines
    assert (
        "add chain=srcnat action=masquerade out-interface=ether1 ipsec-policy=out,none "
        'log=yes log-prefix="5651-nat"'
    ) in lines
    forward = [ln for ln in lines if ln.startswith("add chain=forward")]
    assert forward[-1] == 'add chain=forward action=drop log=yes log-prefix="kentops-deny"'
    guest = [ln for ln in lines if "src-address-list=z-guest" in ln]
    assert [ln for ln in guest if "!kentops-internal" in ln]
    assert all("log=yes" in ln for ln in guest if "!kentops-internal" in ln)
    assert "set telnet disabled=yes" in lines
    assert "remove [find name=admin]" in lines


def _fortios_edits(text: str, table: str) -> dict[str, str]:
    """The entries of one top-level FortiOS table: name -> its text up to 'next'."""
    start = text.index(f"config {table}\n")
    body = text[start : text.index("\nend\n", start)]
    entries = {}
    for chunk in body.split("\n    edit ")[1:]:
        name, _, rest = chunk.partition("\n")
        entries[name.strip('"')] = rest
    return entries


@pytest.mark.parametrize("firewall", ["kultur-fw-01", "hq-fw-01"])
def test_fortigate_filters_staff_guest_and_public_internet(firewall: str) -> None:
    text = text_of(firewall, "intended.conf")
    utm = (
        "        set utm-status enable\n"
        '        set ssl-ssh-profile "certificate-inspection"\n'
        '        set webfilter-profile "kentops-5651"\n'
        '        set dnsfilter-profile "kentops-5651"\n'
    )
    policies = _fortios_edits(text, "firewall policy")
    internet = [b for b in policies.values() if 'set dstintf "wan1"' in b and "set nat enable" in b]
    filtered_src = ('"z-users"', '"z-guest"', '"z-public"')
    staff_guest = [b for b in internet if b.split("set srcaddr ")[1].split("\n")[0] in filtered_src]
    assert {b.split("set srcaddr ")[1].split("\n")[0] for b in staff_guest} >= {
        '"z-users"',
        '"z-guest"',
    }
    assert all(utm in b for b in staff_guest)
    # servers, the DMZ and traffic that stays in the municipality are not web filtered
    others = [b for b in policies.values() if b not in staff_guest]
    assert not [b for b in others if "webfilter-profile" in b]
    # the site DNS servers (headquarters) resolve upstream through the DNS filter
    resolvers = [b for b in others if "utm-status" in b]
    assert bool(resolvers) == (firewall == "hq-fw-01")
    for block in resolvers:
        assert 'set srcaddr "z-servers"' in block and '"k-dns"' in block
        assert 'set utm-status enable\n        set dnsfilter-profile "kentops-5651"\n' in block
    # both profiles exist and block every category the municipality blocks, with logging
    for table in ("webfilter profile", "dnsfilter profile"):
        profile = _fortios_edits(text, table)["kentops-5651"]
        categories = re.findall(
            r"set category (\d+)\n\s+set action block\n\s+set log enable", profile
        )
        assert {"1", "11", "14", "26", "59", "61", "83"} <= set(categories), table
    # guests may not ask the domain controllers: the guest leg answers DNS, filtered
    interfaces = _fortios_edits(text, "system interface")
    guest_leg = next(n for n, b in interfaces.items() if 'set alias "MISAFIR"' in b)
    assert _fortios_edits(text, "system dns-server")[guest_leg] == (
        '        set mode forward-only\n        set dnsfilter-profile "kentops-5651"\n    next'
    )
    # LLDP is received on every inside leg, never on the internet side
    for name, block in interfaces.items():
        received = "set lldp-reception enable" in block
        assert received == ("set role lan" in block), name


def test_routeros_forces_dns_to_the_filtering_resolvers_and_blocks_dot() -> None:
    lines = text_of("nikah-rt-01", "intended.rsc").splitlines()
    for protocol in ("udp", "tcp"):
        # staff may ask the domain controllers: other resolvers are replaced by the first one
        assert (
            f"add chain=dstnat action=dst-nat protocol={protocol} dst-port=53 in-interface=vlan20 "
            "dst-address-list=!kentops-dns to-addresses=10.10.60.11 to-ports=53 log=yes "
            'log-prefix="5651-dns"'
        ) in [ln.split(" comment=")[0] for ln in lines]
        # guests may not: the router's own resolver answers them
        assert (
            f"add chain=dstnat action=redirect protocol={protocol} dst-port=53 in-interface=vlan50 "
            'dst-address-type=!local to-ports=53 log=yes log-prefix="5651-dns"'
        ) in [ln.split(" comment=")[0] for ln in lines]
        assert (
            f"add chain=input action=accept protocol={protocol} dst-port=53 in-interface=vlan50"
        ) in [ln.split(" comment=")[0] for ln in lines]
    assert "add list=kentops-dns address=10.10.60.11" in lines
    assert "add list=kentops-dns address=10.10.60.12" in lines
    assert "set servers=10.10.60.11,10.10.60.12 allow-remote-requests=yes" in lines
    forward = [ln for ln in lines if ln.startswith("add chain=forward")]
    dot = [i for i, ln in enumerate(forward) if "dst-port=853" in ln]
    assert len(dot) == 4 and all("action=drop" in forward[i] for i in dot)
    assert all("log=yes" in forward[i] for i in dot)
    first_policy_rule = next(i for i, ln in enumerate(forward) if "address-list=" in ln)
    assert max(dot) < first_policy_rule  # before anything the zone policy accepts
    # neighbours are discovered on the LAN trunk only
    assert "set discover-interface-list=kentops-lan" in lines
    assert "add list=kentops-lan interface=bridge-lan" in lines
    # a router without guests keeps its resolver closed
    garaj = text_of("garaj-rt-01", "intended.rsc").splitlines()
    assert "set servers=10.10.60.11,10.10.60.12 allow-remote-requests=no" in garaj
    assert not [ln for ln in garaj if "action=redirect" in ln]


def test_wireless_controller_serves_the_inventory_ssids() -> None:
    text = text_of("hq-wlc-01", "intended.cfg")
    lines = text.splitlines()
    loaded, _ = demo_inputs()
    inv = loaded.inventory
    wlc = inv.asset("hq-wlc-01")
    for wanted in (
        "hostname hq-wlc-01",
        "ip ssh version 2",
        "no ip http server",
        "ip http secure-server",
        "ip http access-class ipv4 KENTOPS-MGMT",
        "aaa authentication login default group KENTOPS-RADIUS local",
        "aaa authentication dot1x KENTOPS-DOT1X group KENTOPS-RADIUS",
        "aaa accounting identity KENTOPS-ACCT start-stop group KENTOPS-RADIUS",
        "wireless management interface Vlan10",
        "logging host 10.10.60.14",
        "ntp server 10.10.60.11 prefer",
    ):
        assert wanted in lines, wanted
    assert "transport input ssh" in _block(text, "line vty 0 15")
    assert "telnet" not in text
    assert "address ipv4 10.10.60.15 auth-port 1812 acct-port 1813" in _block(
        text, "radius server HQ-SRV-RADIUS-01"
    )
    staff = _block(text, "wlan personel 1 ORNEK-PERSONEL")
    assert "security dot1x authentication-list KENTOPS-DOT1X" in staff
    assert "security web-auth" not in staff
    guest = _block(text, "wlan misafir 2 ORNEK-MISAFIR")
    assert "no security wpa" in guest
    assert "security web-auth authentication-list KENTOPS-WEBAUTH" in guest
    assert "peer-blocking drop" in guest
    assert "vlan users" in _block(text, "wireless profile policy KENTOPS-PERSONEL")
    assert "vlan guest" in _block(text, "wireless profile policy KENTOPS-MISAFIR")
    # every building with access points maps the SSID zones to its own VLAN ids
    aps = [ap for ap in inv.access_points if ap.controller == wlc.id]
    for building in {ap.building for ap in aps}:
        flex = _block(text, f"wireless profile flex KENTOPS-{building.upper()}")
        for zone in ("users", "guest"):
            vlan = next(v for v in inv.vlans if v.building == building and v.zone == zone)
            at = flex.index(f"vlan-name {zone}")
            assert flex[at + 1] == f"vlan-id {vlan.vlan_id}"
    for ap in aps:
        mac = ap.mac.replace(":", "")
        tags = _block(text, f"ap {mac[:4]}.{mac[4:8]}.{mac[8:]}")
        assert tags == [
            f"policy-tag KENTOPS-{ap.building.upper()}",
            f"site-tag KENTOPS-{ap.building.upper()}",
        ]
    # the core's trunk to the controller carries its management VLAN only
    core = _block(text_of("hq-sw-core-01", "intended.cfg"), "interface TenGigabitEthernet1/0/6")
    assert "switchport trunk allowed vlan 10" in core


# ---------------------------------------------------------------------------- DHCP


def test_kea_serves_every_dhcp_vlan_and_logs_leases() -> None:
    text = text_of("hq-srv-dhcp-01", "kea-dhcp4.conf")
    assert validate_kea(text) == []
    config = json.loads(text)["Dhcp4"]
    loaded, _ = demo_inputs()
    inv = loaded.inventory
    dhcp_vlans = {str(v.subnet): v for v in inv.vlans if v.dhcp}
    subnets = {s["subnet"]: s for s in config["subnet4"]}
    assert set(subnets) == set(dhcp_vlans)
    used = {a.address for a in inv.assets() if a.address}
    site = Site(inv)
    for subnet, entry in subnets.items():
        assert entry["reservations"] == []
        vlan = dhcp_vlans[subnet]
        options = [{"name": "routers", "data": str(vlan.gateway)}]
        if vlan.zone == "guest":
            # guests may not ask the domain controllers: their firewall/router leg answers
            leg = site.buildings[vlan.building].legs[vlan.id].address
            options.insert(0, {"name": "domain-name-servers", "data": str(leg)})
        assert entry["option-data"] == options
        low, high = (IPv4Address(x) for x in entry["pools"][0]["pool"].split(" - "))
        assert low in IPv4Network(subnet) and high in IPv4Network(subnet)
        assert not [a for a in used if low <= a <= high], f"pool of {subnet} holds an asset"
    leases = next(x for x in config["loggers"] if x["name"] == "kea-dhcp4.leases")
    assert leases["severity"] == "INFO"
    assert {o["output"] for o in leases["output_options"]} >= {"syslog:kea-leases"}
    options = {o["name"]: o["data"] for o in config["option-data"]}
    assert options["ntp-servers"] == "10.10.60.11, 10.10.60.12"


def test_kea_accepts_the_configuration() -> None:
    binary = kea_binary()
    lab_prerequisite(None if binary else "kea-dhcp4 not installed (scripts/install-system-deps)")
    assert binary is not None
    text = text_of("hq-srv-dhcp-01", "kea-dhcp4.conf")
    assert kea_check(text, binary) == []
    broken = text.replace('"subnet": "10.10.20.0/24"', '"subnet": "10.10.20.0/33"')
    assert kea_check(broken, binary)


# ---------------------------------------------------------------------------- cameras

NS = "{http://www.hikvision.com/ver20/XMLSchema}"


@pytest.mark.parametrize("camera", ["hq-cam-01", "garaj-cam-03"])
def test_camera_isapi_documents(camera: str) -> None:
    report = demo_report()
    docs = {a.name: a.text for a in report.for_device(camera)}
    assert set(docs) == {
        "time.xml",
        "ntpServers.xml",
        "ipAddress.xml",
        "users.xml",
        "onvifUsers.xml",
        "upnp.xml",
        "ezviz.xml",
        "telnetd.xml",
        "ssh.xml",
        "integrate.xml",
    }
    roots = {name: ET.fromstring(text) for name, text in docs.items()}
    assert all(r.get("version") == "2.0" and r.tag.startswith(NS) for r in roots.values())
    assert roots["time.xml"].findtext(f"{NS}timeMode") == "NTP"
    assert roots["time.xml"].findtext(f"{NS}timeZone") == "CST-3:00:00"
    assert roots["ntpServers.xml"].findtext(f"{NS}NTPServer/{NS}ipAddress") == "10.10.60.11"
    loaded, _ = demo_inputs()
    asset = loaded.inventory.asset(camera)
    assert roots["ipAddress.xml"].findtext(f"{NS}ipAddress") == str(asset.address)
    for name in ("upnp.xml", "ezviz.xml", "telnetd.xml", "ssh.xml"):
        assert roots[name].findtext(f"{NS}enabled") == "false"
    assert roots["integrate.xml"].findtext(f"{NS}ONVIF/{NS}enable") == "true"
    users = roots["users.xml"].findall(f"{NS}User")
    assert [(u.findtext(f"{NS}userName"), u.findtext(f"{NS}userLevel")) for u in users] == [
        ("admin", "Administrator"),
        ("izleme", "Operator"),
    ]
    assert users[0].findtext(f"{NS}password") == "{{ vault_camera_admin_password }}"
    assert "12345" not in docs["users.xml"]
    onvif = roots["onvifUsers.xml"].find(f"{NS}User")
    assert onvif is not None and onvif.findtext(f"{NS}userType") == "mediaUser"


# ---------------------------------------------------------------------------- telephony


def test_asterisk_pbx_is_tls_srtp_without_anonymous_endpoints() -> None:
    pjsip = text_of("hq-pbx-01", "pjsip.conf")
    lines = pjsip.splitlines()
    assert "protocol=tls" in lines and "bind=10.10.30.5:5061" in lines
    assert "media_encryption=sdes" in lines
    assert "media_encryption_optimistic=no" in lines
    assert (
        "[anonymous]" not in pjsip
        and "anonymous" not in pjsip.split("[global]")[1].split("\n\n")[0]
    )
    loaded, _ = demo_inputs()
    extensions = [e.number for e in loaded.inventory.pbxs[0].extensions]
    for number in extensions:
        assert f"[{number}](kentops-phone)" in lines
        assert f"password={{{{ vault_sip_password_{number} }}}}" in lines
    dialplan = text_of("hq-pbx-01", "extensions.conf").splitlines()
    assert [ln.split(",")[0] for ln in dialplan if ln.startswith("exten => 1")] == [
        f"exten => {n}" for n in extensions
    ]
    assert [ln for ln in dialplan if "Dial(" in ln] == [
        f" same => n,Dial(PJSIP/{n},30,tT)" for n in extensions
    ]


@pytest.mark.parametrize(
    ("phone", "mac", "vid"),
    [("hq-tel-1000", "805ec0bdf144", 30), ("kultur-tel-1022", "805ec043b866", 30)],
)
def test_yealink_phone_file(phone: str, mac: str, vid: int) -> None:
    text = text_of(phone, f"{mac}.cfg")
    assert validate("yealink", text, f"{mac}.cfg") == []
    settings = dict(
        line.split(" = ", 1) for line in text.splitlines() if line and not line.startswith("#")
    )
    loaded, _ = demo_inputs()
    extension = loaded.inventory.asset(phone).extension  # type: ignore[attr-defined]
    assert settings["account.1.user_name"] == extension
    assert settings["account.1.sip_server.1.address"] == "10.10.30.5"
    assert settings["account.1.sip_server.1.transport_type"] == "2"  # TLS
    assert settings["account.1.srtp_encryption"] == "2"  # compulsory
    assert settings["network.vlan.internet_port_enable"] == "1"
    assert settings["network.vlan.internet_port_vid"] == str(vid)
    assert settings["local_time.ntp_server1"] == "10.10.60.11"
    assert settings["static.auto_provision.server.url"] == "https://10.10.30.5/provisioning/"
    assert settings["static.security.user_password"] == "admin:{{ vault_phone_admin_password }}"


# ---------------------------------------------------------------------------- secrets


def test_rendered_output_holds_references_never_secret_values(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    sentinel = "Sentinel-SNMP-Auth-9f3c"
    monkeypatch.setenv("KENTOPS_SNMP_AUTH", sentinel)
    loaded, policies = demo_inputs()
    hosts = ["hq-sw-core-01", "kultur-sw-01", "kultur-fw-01", "nikah-rt-01"]
    default = render_site(loaded, POLICIES, hosts=hosts, policies=policies)
    assert default.problems == []
    for artefact in default.artefacts:
        assert sentinel not in artefact.text
        assert "vault:" not in artefact.text and "env:" not in artefact.text
        assert "{{ lookup('ansible.builtin.env', 'KENTOPS_SNMP_AUTH') }}" in artefact.text
        assert "{{ vault_network_aaa_shared_secret }}" in artefact.text
    # the whole demo: every {{ }} is a placeholder, never a value
    for artefact in demo_report().artefacts:
        assert sentinel not in artefact.text
        assert validate(artefact.kind, artefact.text, artefact.name) == []
    resolved = render_site(loaded, POLICIES, hosts=hosts[:1], policies=policies, resolve_env=True)
    assert sentinel in resolved.artefacts[0].text  # only when the deploy step asks for it
    assert "{{ vault_network_aaa_shared_secret }}" in resolved.artefacts[0].text


def test_unset_env_reference_stays_a_placeholder(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("KENTOPS_SNMP_PRIV", raising=False)
    loaded, policies = demo_inputs()
    report = render_site(
        loaded, POLICIES, hosts=["hq-sw-k1-01"], policies=policies, resolve_env=True
    )
    assert "{{ lookup('ansible.builtin.env', 'KENTOPS_SNMP_PRIV') }}" in report.artefacts[0].text
    assert os.environ.get("KENTOPS_SNMP_PRIV") is None


# ---------------------------------------------------------------------------- LLDP in the lab


def test_edge_devices_started_from_their_configuration_see_their_lan_neighbours() -> None:
    """The lab's FortiOS and RouterOS simulators honour the LLDP settings as the devices do:
    started from the rendered configuration, each edge device hears the switch it is cabled to
    (FortiOS listens on WAN ports only unless told; RouterOS discovery was off)."""
    from kentops.lab.netsim.fortios import FortiosState
    from kentops.lab.netsim.routeros import RouterosState
    from kentops.lab.orchestrate import network_specs, rendered_artefacts
    from kentops.lab.vault import fill_placeholders

    loaded, _ = demo_inputs()
    values: dict[str, str] = {}
    artefacts = rendered_artefacts(loaded)
    specs = {s.name: s for s in network_specs(loaded, "lab", {}, [], artefacts, values)}
    for router in loaded.inventory.routers:
        spec = specs[router.id]
        # started from the rendered text, the lab's own secret values in the placeholders
        assert spec.running_config == fill_placeholders(
            text_of(router.id, _artefact(router)), values
        )
        assert "{{" not in spec.running_config, router.id
        assert spec.neighbors, router.id
        if router.platform == "fortios":
            forti = FortiosState(spec)
            assert forti.load_errors == [], router.id
            assert all(forti.lldp_receives(n.local_interface) for n in spec.neighbors), router.id
        else:
            ros = RouterosState(spec)
            assert ros.load_errors == [], router.id
            assert ros.lldp_enabled(), router.id


def _artefact(router: object) -> str:
    return "intended.conf" if getattr(router, "platform", "") == "fortios" else "intended.rsc"
