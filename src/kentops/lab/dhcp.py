"""The Law 5651 DHCP chain of the lab: real Kea on the DHCP server host, real DHCP clients.

``kentops lab up`` (part ``dhcp``, after ``hosts``) does what the site's network does:

* the DHCP server host (``site.services.dhcp``) runs Kea (``kea-dhcp4``, baked into the host
  image) from the rendered ``kea-dhcp4.conf``; only the global DNS and NTP options are given
  the lab addresses of those servers (or left out when the lab does not run them);
* a *gateway* network namespace stands in for the building firewalls: one interface per
  client VLAN holding the VLAN's gateway address, and a DHCP relay (:func:`relay`, what a
  FortiGate's or MikroTik's DHCP relay does: it sets ``giaddr`` and forwards to the server)
  to the DHCP host's lab address, because the rendered Kea uses UDP sockets, which serve
  relayed clients only;
* every lab client is a network namespace on its VLAN's segment running ISC ``dhclient``
  (from the host image, chrooted, with its lease file and script in the client's own folder):
  :func:`lease`, :func:`renew` and :func:`release` obtain, renew and give back its lease.

The firewalls' NAT records for the clients' traffic are syslog lines in the FortiGate and
RouterOS formats (:func:`nat_line`), sent over UDP to the collector's lab address
(:func:`send_nat`). Everything lives in the run's namespaces, links (aliases start with the
run id) and run folder, so ``kentops lab down`` removes it with the hosts.

    python -m kentops.lab.dhcp relay --server ADDR --segment IFACE=ADDR ... --uplink IFACE
"""

from __future__ import annotations

import argparse
import datetime as dt
import hashlib
import ipaddress
import json
import os
import selectors
import socket
import subprocess
import sys
import time
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from kentops.inventory.loader import LoadedInventory
from kentops.inventory.model import Router, Vlan, Zone

#: Host part (on the lab subnet) of the gateway namespace's address: above every lab host
#: (the host lab starts at most 200) and below the unanswered default gateway (.254).
GATEWAY_HOST_PART = 253
#: Clients the lab starts by default: (name, VLAN zone, router platform).
DEFAULT_CLIENTS = (
    ("lab-pc-1", "users", "fortios"),
    ("lab-pc-2", "users", "fortios"),
    ("lab-pc-3", "users", "routeros"),
)
#: The syslog facility/severity the firewalls' traffic logs use (local7.info = 23*8+6).
NAT_PRI = 190
#: A destination on the internet (TEST-NET-3, never routed) for the lab clients' sessions.
INTERNET_DESTINATION = "203.0.113.80"
DHCP_SERVER_PORT = 67
DHCP_CLIENT_PORT = 68
SO_BINDTODEVICE = getattr(socket, "SO_BINDTODEVICE", 25)
KEA_CONF = "/etc/kea/kea-dhcp4.conf"

_CLIENT_SCRIPT = """\
#!/bin/sh
# dhclient-script of a kentops lab client: a lease sets or removes the interface address
# and the default route (no resolver: the client's namespace has no /etc of its own).
case "$reason" in
BOUND|RENEW|REBIND|REBOOT)
    if [ -n "$old_ip_address" ] && [ "$old_ip_address" != "$new_ip_address" ]; then
        ip -4 addr flush dev "$interface"
    fi
    ip -4 addr replace "$new_ip_address/$new_subnet_mask" dev "$interface"
    for router in $new_routers; do
        ip -4 route replace default via "$router" dev "$interface"
        break
    done
    ;;
EXPIRE|FAIL|RELEASE)
    if [ -n "$old_ip_address" ]; then
        ip -4 addr del "$old_ip_address/$old_subnet_mask" dev "$interface"
    fi
    ;;
esac
printf '%s %s %s\\n' "$(date -u +%Y-%m-%dT%H:%M:%SZ)" "$reason" \\
    "${new_ip_address:-$old_ip_address}" >>/var/lib/dhcp/events.log
exit 0
"""


class DhcpLabError(RuntimeError):
    """The DHCP chain could not be set up, or a client operation failed."""


@dataclass
class Segment:
    """One client VLAN in the lab: a bridge and the gateway's interface on it."""

    vlan: str
    subnet: str
    gateway: str
    router: str
    platform: str
    wan_address: str
    bridge: str
    gateway_link: str


@dataclass
class Client:
    """A lab DHCP client: its namespace, MAC and the folder holding its lease file."""

    name: str
    vlan: str
    mac: str
    netns: str
    link: str
    folder: str


def _sh(*argv: str, check: bool = True, input_text: str | None = None) -> str:
    proc = subprocess.run(
        list(argv), capture_output=True, text=True, check=False, input=input_text, timeout=120
    )
    if check and proc.returncode != 0:
        raise DhcpLabError(f"{' '.join(argv)}: {proc.stderr.strip() or proc.stdout.strip()}")
    return proc.stdout


def _mac(run_id: str, name: str) -> str:
    """A stable, locally administered MAC address for a client of this run."""
    digest = hashlib.sha256(f"{run_id}/{name}".encode()).digest()
    return "02:" + ":".join(f"{b:02x}" for b in digest[:5])


def _wan_address(router: Router, index: int) -> str:
    """The router's public address; a WAN leased from the provider (no address in the
    inventory) gets one of TEST-NET-2 in the lab."""
    for item in router.interfaces:
        if item.vlan is None and item.address is not None:
            return str(item.address.ip)
    return f"198.51.100.{10 + index}"


def _router_of(loaded: LoadedInventory, vlan: Vlan) -> Router | None:
    for router in loaded.inventory.routers:
        if router.building == vlan.building and any(i.vlan == vlan.id for i in router.interfaces):
            return router
    return None


def _pick_vlans(loaded: LoadedInventory) -> dict[str, tuple[Vlan, Router]]:
    """The VLAN each default client joins: the first leased users VLAN behind each kind of
    firewall (FortiGate, MikroTik), so both NAT log formats are exercised."""
    chosen: dict[str, tuple[Vlan, Router]] = {}
    for name, zone, platform in DEFAULT_CLIENTS:
        for vlan in loaded.inventory.vlans:
            router = _router_of(loaded, vlan)
            if (
                vlan.dhcp
                and vlan.zone == Zone(zone)
                and router is not None
                and str(router.platform) == platform
            ):
                chosen[name] = (vlan, router)
                break
    return chosen


def lab_kea_config(rendered: str, dns: list[str], ntp: list[str]) -> str:
    """The rendered Kea configuration with the lab's DNS and NTP server addresses."""
    config: dict[str, Any] = json.loads(rendered)
    dhcp4 = config["Dhcp4"]
    options = []
    for option in dhcp4.get("option-data", []):
        name = option.get("name")
        values = {"domain-name-servers": dns, "ntp-servers": ntp}.get(name)
        if values is None:
            options.append(option)
        elif values:
            options.append({**option, "data": ", ".join(values)})
    dhcp4["option-data"] = options
    return json.dumps(config, indent=2) + "\n"


def _host(state: Any, name: str) -> dict[str, Any]:
    lab = json.loads((Path(state.extra["hosts_dir"]) / "lab.json").read_text(encoding="utf-8"))
    for host in lab["hosts"]:
        if host["name"] == name:
            host["subnet"] = lab["subnet"]
            host["image"] = lab["image"]
            host["run_id"] = lab["run_id"]
            return dict(host)
    raise DhcpLabError(f"the lab runs no host {name!r}")


def in_host(state: Any, name: str, script: str, input_text: str | None = None) -> str:
    """Run a shell script as root inside a lab host (all of its namespaces)."""
    pid = str(_host(state, name)["pid"])
    return _sh("nsenter", "-t", pid, "-a", "-r", "-w", "sh", "-c", script, input_text=input_text)


def setup(loaded: LoadedInventory, state: Any, rendered_kea: dict[str, str]) -> dict[str, Any]:
    """Start Kea, the gateway with its relay and the clients; return what the state keeps."""
    from kentops.lab.hosts.lab import _tag

    inv = loaded.inventory
    servers = list(inv.site.services.dhcp)
    server = next((s for s in servers if s in state.endpoints), None)
    if server is None:
        raise DhcpLabError("the lab runs none of the site's DHCP servers (site.services.dhcp)")
    if server not in rendered_kea:
        raise DhcpLabError(f"no rendered kea-dhcp4.conf for {server}")
    collector = inv.site.services.syslog
    host = _host(state, server)
    run_id = str(host["run_id"])
    subnet = ipaddress.IPv4Network(host["subnet"])
    tag = _tag(run_id)
    addresses = {k: v.address for k, v in state.endpoints.items() if v.service == "ssh"}
    conf = lab_kea_config(
        rendered_kea[server],
        [addresses[s] for s in inv.site.services.dns if s in addresses],
        [addresses[s] for s in inv.site.services.ntp if s in addresses],
    )
    picked = _pick_vlans(loaded)
    segments: dict[str, Segment] = {}
    for vlan, router in picked.values():
        if vlan.id in segments:
            continue
        if vlan.subnet.overlaps(subnet):
            raise DhcpLabError(f"VLAN {vlan.id} ({vlan.subnet}) overlaps the lab subnet {subnet}")
        i = len(segments)
        segments[vlan.id] = Segment(
            vlan=vlan.id,
            subnet=str(vlan.subnet),
            gateway=str(vlan.gateway),
            router=router.id,
            platform=str(router.platform),
            wan_address=_wan_address(router, i),
            bridge=f"kt{tag}s{i}",
            gateway_link=f"kt{tag}g{i}",
        )
    gateway_ns = f"{run_id}_dhcp-gw"
    gateway_address = str(subnet.network_address + GATEWAY_HOST_PART)
    lab_bridge = f"kt{tag}br"
    uplink = f"kt{tag}gu"
    batch = [
        f"netns add {gateway_ns}",
        f"link add name {uplink} type veth peer name uplink netns {gateway_ns}",
        f"link set dev {uplink} alias {gateway_ns}",
        f"link set dev {uplink} master {lab_bridge} up",
    ]
    for seg in segments.values():
        batch += [
            f"link add name {seg.bridge} type bridge",
            f"link set dev {seg.bridge} alias {run_id}_dhcp-{seg.vlan}",
            f"link set dev {seg.bridge} up",
            f"link add name {seg.gateway_link} type veth peer name {seg.vlan[:15]} "
            f"netns {gateway_ns}",
            f"link set dev {seg.gateway_link} alias {gateway_ns}-{seg.vlan}",
            f"link set dev {seg.gateway_link} master {seg.bridge} up",
        ]
    clients: list[Client] = []
    run_dir = Path(state.extra["run_dir"]) / "dhcp"
    for i, (name, (vlan, _router)) in enumerate(sorted(picked.items())):
        client = Client(
            name=name,
            vlan=vlan.id,
            mac=_mac(run_id, name),
            netns=f"{run_id}_{name}",
            link=f"kt{tag}c{i}",
            folder=str(run_dir / name),
        )
        clients.append(client)
        batch += [
            f"netns add {client.netns}",
            f"link add name {client.link} type veth peer name eth0 netns {client.netns}",
            f"link set dev {client.link} alias {client.netns}",
            f"link set dev {client.link} master {segments[vlan.id].bridge} up",
        ]
    bridges = [seg.bridge for seg in segments.values()]
    relay_pid = 0
    try:
        _sh("ip", "-batch", "-", input_text="\n".join(batch) + "\n")
        gw = ["ip", "-n", gateway_ns]
        _sh(*gw, "addr", "add", f"{gateway_address}/{subnet.prefixlen}", "dev", "uplink")
        _sh(*gw, "link", "set", "lo", "up")
        _sh(*gw, "link", "set", "uplink", "up")
        for seg in segments.values():
            net = ipaddress.IPv4Network(seg.subnet)
            _sh(*gw, "addr", "add", f"{seg.gateway}/{net.prefixlen}", "dev", seg.vlan[:15])
            _sh(*gw, "link", "set", seg.vlan[:15], "up")
        _sh("ip", "netns", "exec", gateway_ns, "sysctl", "-q", "-w", "net.ipv4.ip_forward=1")
        for client in clients:
            cl = ["ip", "-n", client.netns]
            _sh(*cl, "link", "set", "eth0", "address", client.mac)
            _sh(*cl, "link", "set", "lo", "up")
            _sh(*cl, "link", "set", "eth0", "up")
            folder = Path(client.folder)
            (folder / "state").mkdir(parents=True, exist_ok=True)
            (folder / "run").mkdir(parents=True, exist_ok=True)
            script = folder / "run" / "dhclient-script"
            script.write_text(_CLIENT_SCRIPT, encoding="utf-8")
            script.chmod(0o755)
            (folder / "run" / "dhclient.conf").write_text(
                f'timeout 20;\nretry 5;\nsend host-name "{client.name}";\n'
                "request subnet-mask, routers, domain-name-servers, domain-name, ntp-servers;\n",
                encoding="utf-8",
            )
        # The DHCP server reaches the client VLANs through the gateway, as through the firewall.
        routes = "\n".join(
            f"ip route replace {seg.subnet} via {gateway_address}" for seg in segments.values()
        )
        in_host(
            state,
            server,
            f"set -e\ncat >{KEA_CONF}.new\nkea-dhcp4 -t {KEA_CONF}.new >/dev/null\n"
            f"mv {KEA_CONF}.new {KEA_CONF}\n"
            "install -d -m 0750 /var/lib/kea /run/kea /run/lock/kea\ninstall -d /var/log/kea\n"
            "update-rc.d kea-dhcp4-server defaults >/dev/null 2>&1\n"
            "/etc/init.d/kea-dhcp4-server restart >/dev/null\n"
            f"{routes}\n",
            input_text=conf,
        )
        relay_argv = [
            "ip",
            "netns",
            "exec",
            gateway_ns,
            sys.executable,
            "-m",
            "kentops.lab.dhcp",
            "relay",
            "--server",
            host["address"],
            "--uplink",
            "uplink",
            *[x for seg in segments.values() for x in ("--segment", seg.vlan[:15])],
        ]
        log = (Path(state.extra["run_dir"]) / "dhcp-relay.log").open("ab")
        relay_pid = subprocess.Popen(
            relay_argv, stdout=log, stderr=subprocess.STDOUT, start_new_session=True
        ).pid
        _wait_kea(state, server)
        return {
            "server": server,
            "server_address": host["address"],
            "timezone": inv.site.timezone,
            "collector": collector,
            "collector_address": addresses.get(collector),
            "gateway_netns": gateway_ns,
            "gateway_address": gateway_address,
            "uplink": uplink,
            "relay_pid": relay_pid,
            "image": host["image"],
            "segments": [asdict(s) for s in segments.values()],
            "clients": [asdict(c) for c in clients],
        }
    except BaseException:
        _remove(relay_pid, [gateway_ns, *(c.netns for c in clients)], [uplink, *bridges])
        raise


def _remove(relay_pid: int, namespaces: list[str], links: list[str]) -> None:
    """Undo a setup that failed half-way, so that ``lab dhcp up`` can be run again."""
    if relay_pid:
        subprocess.run(["kill", "-KILL", f"-{relay_pid}"], check=False, capture_output=True)
    batch = [f"link del dev {name}" for name in links] + [f"netns del {ns}" for ns in namespaces]
    subprocess.run(
        ["ip", "-force", "-batch", "-"],
        input="\n".join(batch) + "\n",
        text=True,
        check=False,
        capture_output=True,
    )


def _wait_kea(state: Any, server: str, timeout_s: float = 20.0) -> None:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        out = in_host(state, server, "ss -Hulpn 'sport = :67' || true")
        if "kea-dhcp4" in out:
            return
        time.sleep(0.2)
    log = in_host(state, server, "tail -n 20 /var/log/syslog || true")
    raise DhcpLabError(f"Kea did not start on {server}:\n{log}")


# ------------------------------------------------------------------ clients


def _client(state: Any, name: str) -> Client:
    for item in state.extra.get("dhcp", {}).get("clients", []):
        if item["name"] == name:
            return Client(**item)
    known = ", ".join(c["name"] for c in state.extra.get("dhcp", {}).get("clients", []))
    raise DhcpLabError(f"no lab DHCP client {name!r} (known: {known or 'none'})")


def _dhclient(state: Any, client: Client, *args: str) -> str:
    """Run the image's dhclient in the client's namespace, with the client's own files."""
    root = state.extra["dhcp"]["image"]
    folder = client.folder
    script = (
        f"mount --bind {folder}/state {root}/var/lib/dhcp && "
        f"mount --bind {folder}/run {root}/run && "
        f"mount --rbind /dev {root}/dev && mount -t proc proc {root}/proc && "
        f"exec chroot {root} dhclient -4 -cf /run/dhclient.conf -sf /run/dhclient-script "
        f"-lf /var/lib/dhcp/dhclient.leases -pf /run/dhclient.pid {' '.join(args)} eth0"
    )
    proc = subprocess.run(
        ["ip", "netns", "exec", client.netns, "unshare", "--mount", "--fork", "sh", "-c", script],
        capture_output=True,
        text=True,
        check=False,
        timeout=60,
    )
    if proc.returncode != 0:
        raise DhcpLabError(f"dhclient {' '.join(args)} on {client.name}: {proc.stderr.strip()}")
    return proc.stderr


def address(state: Any, name: str) -> str | None:
    """The IPv4 address the client holds now, as its interface shows."""
    client = _client(state, name)
    out = _sh("ip", "-n", client.netns, "-j", "-4", "addr", "show", "dev", "eth0")
    for link in json.loads(out or "[]"):
        for info in link.get("addr_info", []):
            return str(info["local"])
    return None


def _bound(state: Any, name: str, *runs: tuple[str, ...]) -> str:
    """Run dhclient once per argument tuple, then return the address the client holds."""
    client = _client(state, name)
    for args in runs:
        _dhclient(state, client, *args)
    got = address(state, name)
    if got is None:
        raise DhcpLabError(f"{name} holds no address after dhclient {' '.join(runs[-1])}")
    return got


def lease(state: Any, name: str) -> str:
    """Obtain a lease (DHCPDISCOVER/OFFER/REQUEST/ACK); dhclient then keeps it running."""
    return _bound(state, name, ("-1",))


def renew(state: Any, name: str) -> str:
    """Renew the lease: the running client stops and asks again for the address it holds
    (DHCPREQUEST, INIT-REBOOT), which the server acknowledges as a renewal."""
    return _bound(state, name, ("-x",), ("-1",))


def release(state: Any, name: str) -> None:
    """Give the lease back (DHCPRELEASE) and stop the client."""
    client = _client(state, name)
    _dhclient(state, client, "-r")


# ------------------------------------------------------------------ NAT logs


def nat_line(
    platform: str,
    device: str,
    when: dt.datetime,
    inside: tuple[str, int],
    outside: tuple[str, int],
    destination: tuple[str, int],
    mac: str,
    session: int,
    timezone: str = "Europe/Istanbul",
) -> str:
    """A firewall's syslog message for one translated session, as the device writes it:
    a FortiGate traffic log (FortiOS Log Message Reference, logid 0000000013) or a RouterOS
    ``firewall,info`` line of the template's ``log-prefix="5651-nat"`` srcnat rule, in the
    device's (the site's) time zone."""
    local = when.astimezone(ZoneInfo(timezone))
    offset = local.strftime("%z")
    if platform == "fortios":
        body = (
            f'date={local:%Y-%m-%d} time={local:%H:%M:%S} devname="{device}" '
            f'eventtime={int(when.timestamp() * 1e9)} tz="{offset}" logid="0000000013" '
            f'type="traffic" subtype="forward" level="notice" vd="root" '
            f'srcip={inside[0]} srcport={inside[1]} srcintf="lan" srcintfrole="lan" '
            f'dstip={destination[0]} dstport={destination[1]} dstintf="wan1" '
            f'dstintfrole="wan" sessionid={session} proto=6 action="close" policyid=1 '
            f'service="HTTPS" trandisp="snat" transip={outside[0]} transport={outside[1]} '
            f'duration=5 sentbyte=1200 rcvdbyte=5400 srcmac="{mac}"'
        )
    elif platform == "routeros":
        body = (
            f"firewall,info 5651-nat srcnat: in:bridge-lan out:ether1, connection-state:new "
            f"src-mac {mac}, proto TCP (SYN), {inside[0]}:{inside[1]}->"
            f"{destination[0]}:{destination[1]}, NAT ({inside[0]}:{inside[1]}->"
            f"{outside[0]}:{outside[1]})->{destination[0]}:{destination[1]}, len 60"
        )
    else:
        raise DhcpLabError(f"no NAT log format for platform {platform!r}")
    return f"<{NAT_PRI}>{local:%b} {local.day:2d} {local:%H:%M:%S} {device} {body}"


def send_nat(state: Any, name: str, destination_port: int = 443) -> str:
    """The client opens a session to the internet: its firewall logs the translation to the
    collector over syslog (UDP 514). Returns the line sent."""
    chain = state.extra["dhcp"]
    client = _client(state, name)
    inside_ip = address(state, name)
    if inside_ip is None:
        raise DhcpLabError(f"{name} holds no address: lease one first")
    segment = next(s for s in chain["segments"] if s["vlan"] == client.vlan)
    collector = chain.get("collector_address")
    if not collector:
        raise DhcpLabError("the lab runs no log collector (site.services.syslog)")
    when = dt.datetime.now(dt.UTC)
    port = 40000 + int.from_bytes(os.urandom(2), "big") % 20000
    line = nat_line(
        segment["platform"],
        segment["router"],
        when,
        (inside_ip, port),
        (segment["wan_address"], port),
        (INTERNET_DESTINATION, destination_port),
        client.mac,
        int.from_bytes(os.urandom(3), "big"),
        chain.get("timezone", "Europe/Istanbul"),
    )
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sock:
        sock.sendto(line.encode(), (collector, 514))
    return line


# ------------------------------------------------------------------ the relay


def _bound_socket(device: str) -> socket.socket:
    sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_BROADCAST, 1)
    sock.setsockopt(socket.SOL_SOCKET, SO_BINDTODEVICE, device.encode())
    sock.bind(("0.0.0.0", DHCP_SERVER_PORT))
    return sock


def _interface_address(device: str) -> str:
    out = _sh("ip", "-j", "-4", "addr", "show", "dev", device)
    return str(json.loads(out)[0]["addr_info"][0]["local"])


def relay(server: str, uplink: str, segments: list[str]) -> None:
    """A DHCP relay agent (RFC 1542): client broadcasts on a segment go to ``server`` with
    ``giaddr`` set to the segment's gateway address; the server's replies go back to the
    segment whose address is their ``giaddr``, broadcast when the client has no address."""
    sel = selectors.DefaultSelector()
    by_address: dict[str, socket.socket] = {}
    up = _bound_socket(uplink)
    sel.register(up, selectors.EVENT_READ, "uplink")
    for device in segments:
        sock = _bound_socket(device)
        giaddr = _interface_address(device)
        by_address[giaddr] = sock
        sel.register(sock, selectors.EVENT_READ, giaddr)
    print(f"relay to {server}: {', '.join(by_address)}", flush=True)
    while True:
        for key, _mask in sel.select():
            received = key.fileobj
            if not isinstance(received, socket.socket):
                continue
            data, _peer = received.recvfrom(4096)
            if len(data) < 240:
                continue
            packet = bytearray(data)
            if key.data == "uplink":
                if packet[0] != 2:  # BOOTREPLY only
                    continue
                gi = socket.inet_ntoa(bytes(packet[24:28]))
                out = by_address.get(gi)
                if out is None:
                    continue
                ciaddr = socket.inet_ntoa(bytes(packet[12:16]))
                target = "255.255.255.255" if ciaddr == "0.0.0.0" else ciaddr
                out.sendto(bytes(packet), (target, DHCP_CLIENT_PORT))
            elif packet[0] == 1:  # BOOTREQUEST from a client
                if packet[24:28] == b"\0\0\0\0":
                    packet[24:28] = socket.inet_aton(str(key.data))
                packet[3] = min(packet[3] + 1, 255)
                up.sendto(bytes(packet), (server, DHCP_SERVER_PORT))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m kentops.lab.dhcp")
    sub = parser.add_subparsers(dest="command", required=True)
    cmd = sub.add_parser("relay", help="relay DHCP between client segments and a server")
    cmd.add_argument("--server", required=True)
    cmd.add_argument("--uplink", required=True)
    cmd.add_argument("--segment", action="append", default=[])
    args = parser.parse_args(argv)
    relay(args.server, args.uplink, args.segment)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
