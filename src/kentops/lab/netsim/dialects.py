"""The configuration dialects of Cisco IOS and Huawei VRP (see :mod:`.config`).

The tables below are what makes the simulator edit a configuration structurally: which
lines open a section, which commands hold one value, which defaults only show negated.
They cover what the lab's templates and the usual automation tools send; a word outside
the vocabulary is refused as the device would refuse it.
"""

from __future__ import annotations

import re
from collections.abc import Callable

from kentops.lab.netsim.config import ROOT, Dialect, ListMerge, SectionRule, parse_vlan_list
from kentops.lab.netsim.ifnames import canonical_interface
from kentops.lab.netsim.passwords import ios_after_change, ios_rewrite, vrp_rewrite


def _re(pattern: str) -> re.Pattern[str]:
    return re.compile(pattern)


def _fixed(label: str) -> Callable[[re.Match[str], str], str]:
    return lambda _match, _parent: label


def _vlan_expand(match: re.Match[str]) -> list[str] | None:
    try:
        return [f"vlan {v}" for v in sorted(parse_vlan_list([match.group(1)]))]
    except ValueError:
        return None


def _range_expand(platform: str) -> Callable[[re.Match[str]], list[str] | None]:
    def expand(match: re.Match[str]) -> list[str] | None:
        names: list[str] = []
        for raw in match.group(1).split(","):
            part = raw.strip()
            span = re.match(r"^(.*?)(\d+)\s*-\s*(\d+)$", part)
            items = (
                [f"{span.group(1)}{i}" for i in range(int(span.group(2)), int(span.group(3)) + 1)]
                if span
                else [part]
            )
            for item in items:
                name = canonical_interface(item, platform)
                if name is None:
                    return None
                names.append(f"interface {name}")
        return names or None

    return expand


# --------------------------------------------------------------------------------------
# Cisco IOS

_IOS_SECTIONS = [
    SectionRule("if", frozenset({ROOT}), _re(r"^interface (?!range\b)\S+$"), _fixed("config-if")),
    SectionRule(
        "if",
        frozenset({ROOT}),
        _re(r"^interface range (.+)$"),
        _fixed("config-if-range"),
        expand=_range_expand("cisco_ios"),
    ),
    SectionRule("line", frozenset({ROOT}), _re(r"^line \S+( \d+){1,2}$"), _fixed("config-line")),
    SectionRule(
        "vlan",
        frozenset({ROOT}),
        _re(r"^vlan (\d[\d,\-]*)$"),
        _fixed("config-vlan"),
        expand=_vlan_expand,
    ),
    SectionRule(
        "router",
        frozenset({ROOT}),
        _re(r"^router (ospf|ospfv3|bgp|eigrp|rip|isis)\b.*$"),
        _fixed("config-router"),
    ),
    SectionRule(
        "router-af", frozenset({"router"}), _re(r"^address-family .+$"), _fixed("config-router-af")
    ),
    SectionRule(
        "ext-nacl",
        frozenset({ROOT}),
        _re(r"^ip access-list extended \S+$"),
        _fixed("config-ext-nacl"),
    ),
    SectionRule(
        "std-nacl",
        frozenset({ROOT}),
        _re(r"^ip access-list standard \S+$"),
        _fixed("config-std-nacl"),
    ),
    SectionRule(
        "ipv6-acl", frozenset({ROOT}), _re(r"^ipv6 access-list \S+$"), _fixed("config-ipv6-acl")
    ),
    SectionRule(
        "cmap", frozenset({ROOT}), _re(r"^class-map( match-(any|all))? \S+$"), _fixed("config-cmap")
    ),
    SectionRule(
        "pmap", frozenset({ROOT}), _re(r"^policy-map( type \S+)? \S+$"), _fixed("config-pmap")
    ),
    SectionRule("pmap-c", frozenset({"pmap"}), _re(r"^class \S+( .*)?$"), _fixed("config-pmap-c")),
    SectionRule(
        "route-map",
        frozenset({ROOT}),
        _re(r"^route-map \S+( (permit|deny))?( \d+)?$"),
        _fixed("config-route-map"),
    ),
    SectionRule("dhcp", frozenset({ROOT}), _re(r"^ip dhcp pool \S+$"), _fixed("dhcp-config")),
    SectionRule("vrf", frozenset({ROOT}), _re(r"^vrf definition \S+$"), _fixed("config-vrf")),
    SectionRule("vrf", frozenset({ROOT}), _re(r"^ip vrf \S+$"), _fixed("config-vrf")),
    SectionRule(
        "vrf-af", frozenset({"vrf"}), _re(r"^address-family \S+( \S+)?$"), _fixed("config-vrf-af")
    ),
    SectionRule("keychain", frozenset({ROOT}), _re(r"^key chain \S+$"), _fixed("config-keychain")),
    SectionRule(
        "keychain-key", frozenset({"keychain"}), _re(r"^key \d+$"), _fixed("config-keychain-key")
    ),
    SectionRule("archive", frozenset({ROOT}), _re(r"^archive$"), _fixed("config-archive")),
    SectionRule("cp", frozenset({ROOT}), _re(r"^control-plane$"), _fixed("config-cp")),
    SectionRule(
        "sg",
        frozenset({ROOT}),
        _re(r"^aaa group server (tacacs\+|radius) \S+$"),
        lambda m, _p: f"config-sg-{m.group(1)}",
    ),
    SectionRule(
        "server-tacacs",
        frozenset({ROOT}),
        _re(r"^tacacs server \S+$"),
        _fixed("config-server-tacacs"),
    ),
    SectionRule(
        "radius-server",
        frozenset({ROOT}),
        _re(r"^radius server \S+$"),
        _fixed("config-radius-server"),
    ),
    SectionRule("ip-sla", frozenset({ROOT}), _re(r"^ip sla \d+$"), _fixed("config-ip-sla")),
    SectionRule(
        "ip-sla-echo", frozenset({"ip-sla"}), _re(r"^icmp-echo .+$"), _fixed("config-ip-sla-echo")
    ),
    SectionRule(
        "trustpoint",
        frozenset({ROOT}),
        _re(r"^crypto pki trustpoint \S+$"),
        _fixed("ca-trustpoint"),
    ),
    SectionRule(
        "mst", frozenset({ROOT}), _re(r"^spanning-tree mst configuration$"), _fixed("config-mst")
    ),
    SectionRule(
        "netgroup",
        frozenset({ROOT}),
        _re(r"^object-group network \S+$"),
        _fixed("config-network-group"),
    ),
    SectionRule("track", frozenset({ROOT}), _re(r"^track \d+ .+$"), _fixed("config-track")),
    SectionRule("red", frozenset({ROOT}), _re(r"^redundancy$"), _fixed("config-red")),
    SectionRule(
        "applet", frozenset({ROOT}), _re(r"^event manager applet \S+.*$"), _fixed("config-applet")
    ),
    SectionRule(
        "access-map",
        frozenset({ROOT}),
        _re(r"^vlan access-map \S+( \d+)?$"),
        _fixed("config-access-map"),
    ),
    SectionRule(
        "vlan-config",
        frozenset({ROOT}),
        _re(r"^vlan configuration \S+$"),
        _fixed("config-vlan-config"),
    ),
]

_IOS_KEYS = [
    r"hostname\b",
    r"enable secret\b",
    r"enable password\b",
    r"ip domain[ -]name\b",
    r"ip default-gateway\b",
    r"ip ssh version\b",
    r"ip ssh time-out\b",
    r"ip ssh authentication-retries\b",
    r"ip ssh source-interface\b",
    r"ip ssh dh min size\b",
    r"ip http authentication\b",
    r"ip tftp source-interface\b",
    r"spanning-tree mode\b",
    r"vtp mode\b",
    r"vtp domain\b",
    r"vtp version\b",
    r"clock timezone\b",
    r"clock summer-time\b",
    r"logging buffered\b",
    r"logging trap\b",
    r"logging console\b",
    r"logging monitor\b",
    r"logging source-interface\b",
    r"logging facility\b",
    r"logging origin-id\b",
    r"logging host (?:vrf \S+ )?(\S+)",
    r"snmp-server location\b",
    r"snmp-server contact\b",
    r"snmp-server chassis-id\b",
    r"snmp-server community (\S+)",
    r"snmp-server trap-source\b",
    r"username (\S+)",
    r"ntp source\b",
    r"ntp master\b",
    r"ntp server (?:vrf \S+ )?(\S+)",
    r"aaa authentication login (\S+)",
    r"aaa authentication enable (\S+)",
    r"aaa authorization (exec|network|console|config-commands) ?(\S*)",
    r"aaa authorization commands (\d+) (\S+)",
    r"aaa accounting (exec|network|connection|system) (\S+)",
    r"aaa accounting commands (\d+) (\S+)",
    r"banner (\S+)",
    r"version\b",
    r"login block-for\b",
    r"login on-failure\b",
    r"login on-success\b",
    r"system mtu\b",
    # interface children
    r"description\b",
    r"ip address(?!.* secondary$)\b",
    r"switchport mode\b",
    r"switchport access vlan\b",
    r"switchport trunk native vlan\b",
    r"switchport trunk encapsulation\b",
    r"switchport voice vlan\b",
    r"switchport port-security maximum\b",
    r"switchport port-security violation\b",
    r"switchport port-security aging time\b",
    r"speed\b",
    r"duplex\b",
    r"mtu\b",
    r"ip mtu\b",
    r"bandwidth\b",
    r"delay\b",
    r"encapsulation\b",
    r"channel-group\b",
    r"spanning-tree portfast\b",
    r"spanning-tree bpduguard\b",
    r"spanning-tree guard\b",
    r"spanning-tree cost\b",
    r"spanning-tree port-priority\b",
    r"storm-control (broadcast|multicast|unicast) level\b",
    r"storm-control action\b",
    r"service-policy (input|output)\b",
    r"ip access-group \S+ (in|out)$",
    r"ipv6 traffic-filter \S+ (in|out)$",
    r"load-interval\b",
    r"vrf forwarding\b",
    r"ip vrf forwarding\b",
    r"power inline\b",
    r"media-type\b",
    r"standby (\d+) priority\b",
    r"standby (\d+) ip(?!.* secondary$)\b",
    r"authentication port-control\b",
    r"dot1x pae\b",
    r"ip ospf cost\b",
    r"ip ospf (\d+) area\b",
    # line children
    r"exec-timeout\b",
    r"transport input\b",
    r"transport output\b",
    r"transport preferred\b",
    r"login(?: local| authentication \S+)?$",
    r"password\b",
    r"access-class \S+ (in|out)\b",
    r"ipv6 access-class \S+ (in|out)\b",
    r"privilege level\b",
    r"session-timeout\b",
    r"length\b",
    r"width\b",
    r"history size\b",
    r"stopbits\b",
    r"absolute-timeout\b",
    r"authorization exec\b",
    r"accounting exec\b",
    r"accounting commands (\d+)\b",
    # vlan, routing, key chain
    r"name\b",
    r"state\b",
    r"router-id\b",
    r"bgp router-id\b",
    r"auto-cost reference-bandwidth\b",
    r"default-information originate\b",
    r"neighbor (\S+) remote-as\b",
    r"neighbor (\S+) description\b",
    r"neighbor (\S+) update-source\b",
    r"maximum-paths\b",
    r"key-string\b",
    r"cryptographic-algorithm\b",
    r"path\b",
    r"maximum\b",
    r"rd\b",
]

_IOS_GLOBAL_ONLY = [
    r"hostname\b",
    r"enable (secret|password)\b",
    r"username\b",
    r"ip route\b",
    r"ipv6 route\b",
    r"ip domain\b",
    r"ip domain-(name|lookup)\b",
    r"ip name-server\b",
    r"ip default-gateway\b",
    r"ip ssh\b",
    r"ip scp\b",
    r"ip http\b",
    r"ip routing\b",
    r"ip cef\b",
    r"ip forward-protocol\b",
    r"ip dhcp (snooping$|snooping vlan|excluded-address|relay)\b",
    r"ip tacacs\b",
    r"ip radius\b",
    r"ip tftp\b",
    r"ip ftp\b",
    r"ipv6 unicast-routing\b",
    r"snmp-server\b",
    r"ntp (server|peer|source|authenticate|authentication-key|trusted-key|master"
    r"|update-calendar|access-group|logging)\b",
    r"logging (host|buffered|console|monitor|trap|source-interface|facility|origin-id|on"
    r"|\d)\b",
    r"service\b",
    r"aaa\b",
    r"banner\b",
    r"spanning-tree (mode|extend|vlan|loopguard default|portfast (edge )?default"
    r"|portfast (edge )?bpduguard default|logging|etherchannel)\b",
    r"vtp\b",
    r"clock\b",
    r"boot\b",
    r"cdp run\b",
    r"lldp (run|timer|holdtime|reinit)\b",
    r"errdisable\b",
    r"access-list\b",
    r"version\b",
    r"login (block-for|on-failure|on-success|delay|quiet-mode)\b",
    r"file\b",
    r"vlan internal\b",
    r"system mtu\b",
    r"mac address-table\b",
    r"license\b",
    r"tacacs-server\b",
    r"radius-server\b",
    r"udld (enable|aggressive|message)\b",
    r"port-channel load-balance\b",
    r"alias\b",
    r"privilege\b",
    r"crypto key\b",
    r"memory\b",
    r"process\b",
    r"scheduler\b",
    r"monitor session\b",
]

_IOS_VOCABULARY = """
aaa absolute-timeout accept-lifetime access-class access-list accounting address
address-family alias archive area arp authentication authorization auto-cost auto-summary
autocommand banner bandwidth bgp boot bridge call-home carrier-delay cdp channel-group
channel-protocol class class-map clock compatible continue control-plane crypto
cryptographic-algorithm cts databits default default-information default-metric
default-router delay deny description device-sensor device-tracking diagnostic distance
distribute-list dns-server domain-name dot1x duplex eigrp enable encapsulation energywise
enrollment epm errdisable escape-character evaluate event exception exec exec-banner
exec-timeout exit-address-family fair-queue file flow flowcontrol frequency group-object
hardware-address history hold-queue host hostname hw-module icmp-echo identity import
instance interface ip ipv6 key key-string keepalive lease length license line lldp
load-interval log log-adjacency-changes logging login mab mac macro management match
maximum maximum-paths max-metric media-type memory metric mls monitor motd-banner mpls
mtu name negotiation neighbor netbios-name-server network network-policy no nsf ntp
object-group offset-list option parity passive-interface password path permit platform
police policy-map port port-channel power priority priority-queue privilege process
qos queue-limit radius radius-server random-detect range rd redistribute redundancy
remark remote-span revision revocation-check rmon route-map route-target router router-id
rsakeypair sampler scheduler send-lifetime serial-number server server-private service
service-policy session-timeout set shape shutdown snmp snmp-server source source-interface
source-ip spanning-tree speed srr-queue stackwise-virtual standby state stopbits
storm-control subject-name subscriber summary-address switch switchport synchronization
system table-map tacacs tacacs-server template threshold time-period timeout timers track
transceiver transport trust udld udp-jitter username vacant-message variance version vlan
vpn vrf vrrp vtp width write-memory
"""

IOS_DIALECT = Dialect(
    platform="cisco_ios",
    negation="no",
    comment="!",
    trailer="end",
    sections=_IOS_SECTIONS,
    keys=[_re("^" + k) for k in _IOS_KEYS],
    global_only=[_re("^" + g) for g in _IOS_GLOBAL_ONLY],
    shown_negations=frozenset(
        {
            "ip domain lookup",
            "ip domain-lookup",
            "service pad",
            "cdp run",
            "ip source-route",
            "ip bootp server",
            "service dhcp",
            "ip gratuitous-arps",
            "cdp enable",
            "ip redirects",
            "ip proxy-arp",
            "ip unreachables",
            "snmp trap link-status",
            "logging event link-status",
            "lldp transmit",
            "lldp receive",
            "keepalive",
            "mop enabled",
            "ip route-cache",
            "switchport",
        }
    ),
    both_shown=frozenset({"ip http server", "ip http secure-server", "lldp run"}),
    vocabulary=frozenset(_IOS_VOCABULARY.split()),
    aliases={"int": "interface", "sh": "shutdown", "desc": "description", "sw": "switchport"},
    tail_words=frozenset({"line"}),
    virtual_types=frozenset({"Vlan", "Loopback", "Port-channel", "Tunnel", "BDI", "Null"}),
    merges=[ListMerge("switchport trunk allowed vlan", "ios")],
    sequenced_kinds=frozenset({"ext-nacl", "std-nacl", "ipv6-acl"}),
    hostname_command="hostname",
    default_hostname="Router",
    rewrite=ios_rewrite,
    after_change=ios_after_change,
)


# --------------------------------------------------------------------------------------
# Huawei VRP


def _dotted_area(area: str) -> str:
    if area.isdigit():
        value = int(area)
        return ".".join(str((value >> s) & 0xFF) for s in (24, 16, 8, 0))
    return area


def _acl_label(match: re.Match[str], _parent: str) -> str:
    ident = match.group(1)
    if ident.isdigit():
        number = int(ident)
        if 2000 <= number < 3000:
            return f"acl-basic-{number}"
        if 4000 <= number < 5000:
            return f"acl-L2-{number}"
    return f"acl-adv-{ident}"


def _ui_label(match: re.Match[str], _parent: str) -> str:
    kind = "console" if match.group(1) in ("con", "console") else match.group(1)
    first = match.group(2)
    last = match.group(3)
    return f"ui-{kind}{first}" + (f"-{last}" if last else "")


_VRP_SECTIONS = [
    SectionRule("if", frozenset({ROOT}), _re(r"^interface (\S+)$"), lambda m, _p: m.group(1)),
    SectionRule("vlan", frozenset({ROOT}), _re(r"^vlan (\d+)$"), lambda m, _p: f"vlan{m.group(1)}"),
    SectionRule(
        "ui",
        frozenset({ROOT}),
        _re(r"^user-interface (vty|con|console) (\d+)(?: (\d+))?$"),
        _ui_label,
    ),
    SectionRule("aaa", frozenset({ROOT}), _re(r"^aaa$"), _fixed("aaa")),
    SectionRule(
        "aaa-scheme",
        frozenset({"aaa"}),
        _re(r"^authentication-scheme (\S+)$"),
        lambda m, _p: f"aaa-authen-{m.group(1)}",
    ),
    SectionRule(
        "aaa-scheme",
        frozenset({"aaa"}),
        _re(r"^authorization-scheme (\S+)$"),
        lambda m, _p: f"aaa-author-{m.group(1)}",
    ),
    SectionRule(
        "aaa-scheme",
        frozenset({"aaa"}),
        _re(r"^accounting-scheme (\S+)$"),
        lambda m, _p: f"aaa-accounting-{m.group(1)}",
    ),
    SectionRule(
        "aaa-domain",
        frozenset({"aaa"}),
        _re(r"^domain (\S+)$"),
        lambda m, _p: f"aaa-domain-{m.group(1)}",
    ),
    SectionRule(
        "ospf",
        frozenset({ROOT}),
        _re(r"^ospf (\d+)(?: .*)?$"),
        lambda m, _p: f"ospf-{m.group(1)}",
        identity=_re(r"^ospf \d+"),
    ),
    SectionRule(
        "ospf-area",
        frozenset({"ospf"}),
        _re(r"^area (\S+)$"),
        lambda m, p: f"{p}-area-{_dotted_area(m.group(1))}",
        expand=lambda m: [f"area {_dotted_area(m.group(1))}"],
    ),
    SectionRule("bgp", frozenset({ROOT}), _re(r"^bgp (\S+)$"), _fixed("bgp")),
    SectionRule(
        "bgp-af",
        frozenset({"bgp"}),
        _re(r"^(ipv4|ipv6)-family( .+)?$"),
        lambda m, _p: f"bgp-af-{m.group(1)}",
    ),
    SectionRule(
        "acl",
        frozenset({ROOT}),
        _re(r"^acl (?:number |name )?(?!ipv6\b)(\S+)(?: (?!inbound|outbound)\S.*)?$"),
        _acl_label,
        identity=_re(r"^acl (?:number |name )?\S+"),
        expand=lambda m: [m.group(0) if not m.group(1).isdigit() else f"acl number {m.group(1)}"],
    ),
    SectionRule(
        "classifier",
        frozenset({ROOT}),
        _re(r"^traffic classifier (\S+)(?: .*)?$"),
        lambda m, _p: f"classifier-{m.group(1)}",
        identity=_re(r"^traffic classifier \S+"),
    ),
    SectionRule(
        "behavior",
        frozenset({ROOT}),
        _re(r"^traffic behavior (\S+)$"),
        lambda m, _p: f"behavior-{m.group(1)}",
    ),
    SectionRule(
        "trafficpolicy",
        frozenset({ROOT}),
        _re(r"^traffic policy (\S+)(?: .*)?$"),
        lambda m, _p: f"trafficpolicy-{m.group(1)}",
        identity=_re(r"^traffic policy \S+"),
    ),
    SectionRule(
        "ip-pool", frozenset({ROOT}), _re(r"^ip pool (\S+)$"), lambda m, _p: f"ip-pool-{m.group(1)}"
    ),
    SectionRule(
        "route-policy",
        frozenset({ROOT}),
        _re(r"^route-policy \S+ (permit|deny) node \d+$"),
        _fixed("route-policy"),
    ),
    SectionRule(
        "hwtacacs",
        frozenset({ROOT}),
        _re(r"^hwtacacs-server template (\S+)$"),
        lambda m, _p: f"hwtacacs-{m.group(1)}",
    ),
    SectionRule(
        "radius",
        frozenset({ROOT}),
        _re(r"^radius-server template (\S+)$"),
        lambda m, _p: f"radius-{m.group(1)}",
    ),
    SectionRule(
        "port-group",
        frozenset({ROOT}),
        _re(r"^port-group (\S+)$"),
        lambda m, _p: f"port-group-{m.group(1)}",
    ),
    SectionRule(
        "vpn-instance",
        frozenset({ROOT}),
        _re(r"^ip vpn-instance (\S+)$"),
        lambda m, _p: f"vpn-instance-{m.group(1)}",
    ),
]

_VRP_KEYS = [
    r"sysname\b",
    r"clock timezone\b",
    r"stp mode\b",
    r"stp priority\b",
    r"snmp-agent sys-info contact\b",
    r"snmp-agent sys-info location\b",
    r"snmp-agent sys-info version\b",
    r"snmp-agent community (?:read|write) (?:cipher )?(\S+)",
    r"info-center loghost (\S+)",
    r"ntp-service unicast-server (\S+)",
    r"ntp-service source-interface\b",
    r"ssh user (\S+) authentication-type\b",
    r"ssh user (\S+) service-type\b",
    r"dns domain-name\b",
    r"header (login|shell) information\b",
    r"user-interface maximum-vty\b",
    r"router id\b",
    # interface children
    r"description\b",
    r"ip address(?!.* sub$)\b",
    r"port link-type\b",
    r"port default vlan\b",
    r"port trunk pvid vlan\b",
    r"mtu\b",
    r"speed\b",
    r"duplex\b",
    r"eth-trunk\b",
    r"stp edged-port\b",
    r"stp bpdu-filter\b",
    r"traffic-policy \S+ (inbound|outbound)$",
    r"traffic-filter (inbound|outbound)\b",
    r"port-security max-mac-num\b",
    # aaa
    r"local-user (\S+) password\b",
    r"local-user (\S+) privilege level\b",
    r"local-user (\S+) service-type\b",
    r"local-user (\S+) state\b",
    r"authentication-mode\b",
    r"authorization-mode\b",
    r"accounting-mode\b",
    r"authentication-scheme\b",
    r"authorization-scheme\b",
    r"accounting-scheme\b",
    # user-interface
    r"protocol inbound\b",
    r"user privilege level\b",
    r"idle-timeout\b",
    r"acl (?:ipv6 )?\S+ (inbound|outbound)$",
    r"screen-length\b",
    r"history-command max-size\b",
    # vlan, acl
    r"name\b",
    r"rule (\d+)\b",
]

_VRP_GLOBAL_ONLY = [
    r"sysname\b",
    r"vlan batch\b",
    r"stp (mode|enable|priority|instance|region-configuration|bpdu-protection)\b",
    r"lldp enable\b",
    r"snmp-agent\b",
    r"info-center\b",
    r"ntp-service\b",
    r"ssh (server|user|client|authentication-type|server-source)\b",
    r"stelnet\b",
    r"telnet server\b",
    r"http\b",
    r"dhcp enable\b",
    r"ip route-static\b",
    r"ipv6 route-static\b",
    r"clock\b",
    r"header\b",
    r"dns\b",
    r"user-interface maximum-vty\b",
    r"rsa\b",
    r"ftp server\b",
    r"sftp server\b",
    r"scp server\b",
    r"router id\b",
]

_VRP_VOCABULARY = """
aaa abr-summary accounting-mode accounting-scheme acl aggregate alarm anti-attack apply
area arp asbr-summary authentication authentication-mode authentication-scheme
authorization-mode authorization-scheme bandwidth-reference behavior bfd bgp
broadcast-suppression capwap car classifier clock cpu-defend default-route-advertise
deny description dhcp dns dns-list domain dot1x drop-profile dsa duplex ecc eth-trunk
excluded-ip-address filter-policy ftp gateway-list group header history-command http
hwtacacs-server icmp idle-timeout if-match import-route info-center interface ip ipv4-family
ipv6 ipv6-family isis jumboframe lacp lease lldp local-user loopback-detect mac-address
mac-authen management-port max mode mpls mtu multicast-suppression name negotiation network
nssa ntp-service option ospf ospfv3 peer permit pki poe port port-group port-isolate
port-security preference protocol qos radius-server redirect region-id remark rip route-policy
router rsa rule scp screen-length secondary set sftp shared-key shutdown silent-interface
snmp-agent speed spf-schedule-interval ssh ssl statistic stelnet storm-control stp stub
summary super sysname telnet timer traffic traffic-filter traffic-policy traffic-secure
unicast-suppression user user-bind user-interface user-name vlan voice-vlan vrrp web
"""

VRP_DIALECT = Dialect(
    platform="huawei_vrp",
    negation="undo",
    comment="#",
    trailer="return",
    sections=_VRP_SECTIONS,
    keys=[_re("^" + k) for k in _VRP_KEYS],
    global_only=[_re("^" + g) for g in _VRP_GLOBAL_ONLY],
    shown_negations=frozenset({"lldp enable", "http server enable", "http secure-server enable"}),
    both_shown=frozenset(),
    vocabulary=frozenset(_VRP_VOCABULARY.split()),
    aliases={"int": "interface", "desc": "description", "shut": "shutdown"},
    tail_words=frozenset({"user-interface"}),
    virtual_types=frozenset({"Vlanif", "LoopBack", "Eth-Trunk", "Tunnel", "NULL"}),
    merges=[
        ListMerge("port trunk allow-pass vlan", "vrp"),
        ListMerge("vlan batch", "vrp"),
        ListMerge("port hybrid tagged vlan", "vrp"),
        ListMerge("port hybrid untagged vlan", "vrp"),
    ],
    rule_kinds=frozenset({"acl"}),
    hostname_command="sysname",
    default_hostname="HUAWEI",
    rewrite=vrp_rewrite,
)


# --------------------------------------------------------------------------------------
# FortiOS and RouterOS
#
# Their configurations are not indented line trees: FortiOS nests ``config``/``edit`` blocks
# closed by ``next``/``end``, RouterOS holds items and settings per menu path. The modules
# :mod:`.fortios` and :mod:`.routeros` keep their own models; these dialects only name the
# platform's comment character and hostname command for the shared device state.


def _model_dialect(platform: str, negation: str, hostname_command: str, default: str) -> Dialect:
    return Dialect(
        platform=platform,
        negation=negation,
        comment="#",
        trailer="",
        sections=[],
        keys=[],
        global_only=[],
        shown_negations=frozenset(),
        both_shown=frozenset(),
        vocabulary=frozenset(),
        aliases={},
        tail_words=frozenset(),
        virtual_types=frozenset(),
        merges=[],
        hostname_command=hostname_command,
        default_hostname=default,
    )


FORTIOS_DIALECT = _model_dialect("fortios", "unset", "set hostname", "FortiGate")
ROUTEROS_DIALECT = _model_dialect("routeros", "remove", "/system identity set name=", "MikroTik")

_DIALECTS = {
    "cisco_ios": IOS_DIALECT,
    "huawei_vrp": VRP_DIALECT,
    "fortios": FORTIOS_DIALECT,
    "routeros": ROUTEROS_DIALECT,
}


def dialect_for(platform: str) -> Dialect:
    """The dialect of a platform name (``cisco_ios``, ``huawei_vrp``, ``fortios``, ``routeros``)."""
    return _DIALECTS.get(platform, IOS_DIALECT)
