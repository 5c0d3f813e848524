"""The Cisco IOS command line: user and privileged EXEC, configuration modes, show commands.

Outputs follow the shapes that NAPALM's ``ios`` driver, Netmiko's ``cisco_ios`` driver and
Ansible's ``cisco.ios`` plugins parse (``show version``, ``show interfaces``,
``show lldp neighbors detail``, ``show running-config``...).
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable

from kentops.lab.netsim.commands import (
    CommandTree,
)
from kentops.lab.netsim.config import Frame, banner_text
from kentops.lab.netsim.device import DeviceState, InterfaceView
from kentops.lab.netsim.ifnames import (
    canonical_interface,
    derived_mac,
    format_mac,
    interface_type,
    short_interface,
)
from kentops.lab.netsim.model import SimNeighbor
from kentops.lab.netsim.shell import CliSession

IosHandler = Callable[["IosSession", list[str]], str]

PLATFORM = "cisco_ios"
MAX_ENABLE_TRIES = 3


def _uptime_text(seconds: int) -> str:
    minutes, _ = divmod(seconds, 60)
    hours, minutes = divmod(minutes, 60)
    days, hours = divmod(hours, 24)
    weeks, days = divmod(days, 7)
    years, weeks = divmod(weeks, 52)
    parts: list[str] = []
    for value, unit in ((years, "year"), (weeks, "week"), (days, "day")):
        if value or parts:
            parts.append(f"{value} {unit}{'' if value == 1 else 's'}")
    parts.append(f"{hours} hour{'' if hours == 1 else 's'}")
    parts.append(f"{minutes} minute{'' if minutes == 1 else 's'}")
    return ", ".join(parts)


def _family(model: str) -> str:
    match = re.search(r"(C\d{4}[A-Z]?|ISR\d{4}|ASR\d{3,4}|IE\d{4})", model.upper())
    return match.group(1) if match else model.split("-", maxsplit=1)[0].upper()


class IosSession(CliSession):
    """A vty session on a simulated Cisco IOS device."""

    def __init__(self, device: DeviceState, user: str, peer: str) -> None:
        super().__init__(device, user, peer)
        self.level = "user"  # user | priv | config
        self.frames: list[Frame] = [device.configurator.root_frame()]
        self._pending: Callable[[str], str] | None = None
        self._banner: tuple[str, str, list[str]] | None = None  # kind, delimiter, lines

    # -- prompts -----------------------------------------------------------------------

    def prompt(self) -> str:
        if self._pending is not None or self._banner is not None:
            return ""
        host = self.device.hostname
        if self.level == "user":
            return f"{host}>"
        if self.level == "priv":
            return f"{host}#"
        label = "config" if len(self.frames) == 1 else self.frames[-1].label
        return f"{host[:20]}({label})#"

    def banner(self) -> str:
        for node in self.device.root.children:
            if node.text.startswith("banner motd ") or node.text.startswith("banner login "):
                return _banner_body(node.text)
        return ""

    # -- input -------------------------------------------------------------------------

    def handle_line(self, line: str) -> str:
        if self._pending is not None:
            pending, self._pending = self._pending, None
            return pending(line)
        if self._banner is not None:
            return self._banner_line(line)
        if not line.strip():
            return ""
        if self.rejected(line):
            return self.error(line, "invalid", len(line) - len(line.lstrip()))
        if self.level == "config":
            return self._config_line(line)
        return self.exec_line(line, privileged=self.level == "priv")

    def run_exec(self, command: str) -> str:
        if self.rejected(command):
            return self.error(command, "invalid", 0)
        return self.exec_line(command, privileged=True)

    def ctrl_z(self) -> str:
        if self.level == "config":
            self._leave_config()
        return ""

    def ctrl_c(self) -> str:
        self._pending = None
        self._banner = None
        return self.ctrl_z()

    def error(self, line: str, kind: str, column: int, detail: str = "") -> str:
        if kind == "invalid":
            return f"{self.caret(line, column)}\n% Invalid input detected at '^' marker.\n\n"
        if kind == "incomplete":
            return "% Incomplete command.\n\n"
        if kind == "ambiguous":
            return f'% Ambiguous command:  "{line.strip()}"\n'
        if kind == "physical":
            return "% Removal of physical interfaces is not permitted\n"
        return f"{detail}\n"

    # -- EXEC --------------------------------------------------------------------------

    def exec_line(self, line: str, *, privileged: bool) -> str:
        return self.run_command(PRIV_TREE if privileged else USER_TREE, line)

    def _leave_config(self) -> None:
        self.level = "priv"
        self.frames = [self.device.configurator.root_frame()]

    # -- configuration mode --------------------------------------------------------------

    def _config_line(self, line: str) -> str:
        text = " ".join(line.split())
        lowered = text.lower()
        if lowered == "end":
            self._leave_config()
            return ""
        if lowered == "exit":
            if len(self.frames) > 1:
                self.frames.pop()
            else:
                self._leave_config()
            return ""
        if lowered == "exit-address-family":
            if self.frames[-1].kind.endswith("-af"):
                self.frames.pop()
            return ""
        if lowered.startswith("do "):
            return self.exec_line(line.split("do", 1)[1], privileged=True)
        banner = re.match(r"^banner (motd|login|exec|incoming) (\S)(.*)$", text)
        if banner:
            return self._start_banner(banner)
        self.frames, output = self.apply_config(self.frames, line, text)
        return output

    def _start_banner(self, match: re.Match[str]) -> str:
        kind, delimiter, rest = match.group(1), match.group(2), match.group(3)
        if delimiter in rest:
            self._store_banner(kind, [rest.split(delimiter, 1)[0]])
            return ""
        self._banner = (kind, delimiter, [rest] if rest else [])
        return f"Enter TEXT message.  End with the character '{delimiter}'.\n"

    def _banner_line(self, line: str) -> str:
        assert self._banner is not None
        kind, delimiter, lines = self._banner
        if delimiter in line:
            before = line.split(delimiter, 1)[0]
            if before:
                lines.append(before)
            self._banner = None
            self._store_banner(kind, lines)
        else:
            lines.append(line)
        return ""

    def _store_banner(self, kind: str, lines: list[str]) -> None:
        root = self.device.root
        text = banner_text(kind, lines)
        prefix = f"banner {kind} "
        for index, node in enumerate(root.children):
            if node.text.startswith(prefix):
                if node.text != text:
                    root.children[index].text = text
                    self.device.changed(self.user)
                return
        self.device.configurator.apply(self.frames[:1], f"banner {kind} x")
        for node in root.children:
            if node.text.startswith(prefix):
                node.text = text
        self.device.changed(self.user)

    # -- questions ---------------------------------------------------------------------

    def ask(self, question: str, answer: Callable[[str], str], *, secret: bool = False) -> str:
        self._pending = answer
        if secret:
            self.echo = False
        return question


def _banner_body(text: str) -> str:
    body = text.split(" ", 2)[2]
    return body.replace("^C", "").strip("\n") + "\n"


# ------------------------------------------------------------------------------------------
# Commands


def _enable(session: IosSession, _args: list[str]) -> str:
    if session.level != "user":
        return ""
    secret = session.device.spec.enable_secret
    if not secret:
        session.level = "priv"
        return ""
    tries = [0]

    def check(answer: str) -> str:
        session.echo = True
        if answer == secret:
            session.level = "priv"
            return ""
        tries[0] += 1
        if tries[0] >= MAX_ENABLE_TRIES:
            return "% Bad secrets\n\n"
        return session.ask("Password: ", check, secret=True)

    return session.ask("Password: ", check, secret=True)


def _disable(session: IosSession, _args: list[str]) -> str:
    session.level = "user"
    return ""


def _exit(session: IosSession, _args: list[str]) -> str:
    session.closed = True
    return ""


def _terminal(session: IosSession, args: list[str]) -> str:
    words = [w.lower() for w in args]
    if not words:
        return "% Incomplete command.\n\n"
    negated = words[0] == "no"
    if negated:
        words = words[1:]
    keywords = ("length", "width", "monitor")
    match = [k for k in keywords if words and k.startswith(words[0])]
    line = "terminal " + " ".join(args)
    if len(match) != 1:
        return session.error(line, "invalid", len("terminal ") + (3 if negated else 0))
    keyword = match[0]
    if keyword == "monitor" or negated:
        return ""
    if len(words) < 2:
        return "% Incomplete command.\n\n"
    if not words[1].isdigit() or int(words[1]) > 512:
        return session.error(line, "invalid", len(line) - len(args[-1]))
    return ""


def _configure(session: IosSession, args: list[str]) -> str:
    def enter(answer: str) -> str:
        if answer.strip() and not "terminal".startswith(answer.strip().lower()):
            return '?Must be "terminal", "memory" or "network"\n'
        session.level = "config"
        session.frames = [session.device.configurator.root_frame()]
        return "Enter configuration commands, one per line.  End with CNTL/Z.\n"

    if not args:
        return session.ask("Configuring from terminal, memory, or network [terminal]? ", enter)
    if not "terminal".startswith(args[0].lower()):
        return session.error("configure " + " ".join(args), "invalid", len("configure "))
    return enter("terminal")


def _write(session: IosSession, args: list[str]) -> str:
    target = args[0].lower() if args else "memory"
    if "memory".startswith(target):
        session.device.save(session.user)
        return "Building configuration...\n[OK]\n"
    if "terminal".startswith(target):
        return _show_running(session, [])
    return session.error("write " + " ".join(args), "invalid", len("write "))


def _copy(session: IosSession, args: list[str]) -> str:
    line = "copy " + " ".join(args)
    if len(args) != 2:
        return "% Incomplete command.\n\n" if len(args) < 2 else session.error(line, "invalid", 0)
    source, target = args[0].lower(), args[1].lower()
    if not ("running-config".startswith(source) and len(source) >= 2):
        return session.error(line, "invalid", len("copy "))
    if not ("startup-config".startswith(target) and len(target) >= 2):
        return session.error(line, "invalid", len("copy ") + len(args[0]) + 1)

    def confirm(answer: str) -> str:
        if answer.strip() and answer.strip() != "startup-config":
            return "%Error opening " + answer.strip() + " (Permission denied)\n"
        session.device.save(session.user)
        return "Building configuration...\n[OK]\n"

    return session.ask("Destination filename [startup-config]? ", confirm)


def _timestamp(when: dt.datetime) -> str:
    return when.strftime("%H:%M:%S UTC %a %b %-d %Y")


def _running_header(session: IosSession, body: str) -> str:
    change = session.device.last_change
    if change is not None and body.startswith("!\n"):
        when, user = change
        body = f"!\n! Last configuration change at {_timestamp(when)} by {user}\n" + body
    return f"Building configuration...\n\nCurrent configuration : {len(body)} bytes\n{body}"


def _show_running(session: IosSession, args: list[str]) -> str:
    words = [w.lower() for w in args]
    if words and "interface".startswith(words[0]) and len(words[0]) >= 2:
        name = canonical_interface(" ".join(args[1:]), PLATFORM)
        node = None
        for child in session.device.root.children:
            if name and child.text == f"interface {name}":
                node = child
        if node is None:
            line = "show running-config " + " ".join(args)
            return session.error(line, "invalid", len("show running-config ") + len(args[0]) + 1)
        body = "!\n" + "\n".join([node.text, *node.lines(1)]) + "\nend\n"
        return f"Building configuration...\n\nCurrent configuration : {len(body)} bytes\n{body}"
    if words and words[0] not in ("all", "full", "brief", "view"):
        line = "show running-config " + " ".join(args)
        return session.error(line, "invalid", len("show running-config "))
    return _running_header(session, session.device.running_text())


def _show_startup(session: IosSession, _args: list[str]) -> str:
    body = session.device.startup_text
    saved = session.device.last_save
    if saved is not None and body.startswith("!\n"):
        when, user = saved
        body = f"!\n! NVRAM config last updated at {_timestamp(when)} by {user}\n" + body
    return f"Using {len(body)} out of 524288 bytes\n{body}"


def _show_version(session: IosSession, _args: list[str]) -> str:
    spec = session.device.spec
    family = _family(spec.model)
    version = spec.os_version
    image_version = re.sub(r"[^0-9A-Za-z]", "", version).lower()
    image = f"{family.lower()}-universalk9-mz.{image_version}.bin"
    uptime = _uptime_text(session.device.uptime_seconds())
    gig = sum(1 for name in session.device.interfaces_spec if name.startswith("GigabitEthernet"))
    ten = sum(1 for name in session.device.interfaces_spec if name.startswith("TenGigabit"))
    base_mac = ":".join(session.device.base_mac()[i : i + 2] for i in range(0, 12, 2))
    ports = len(session.device.interfaces_spec)
    lines = [
        f"Cisco IOS Software, {family} Software ({family}-UNIVERSALK9-M), Version {version}, "
        "RELEASE SOFTWARE (fc1)",
        "Technical Support: http://www.cisco.com/techsupport",
        "Copyright (c) 1986-2024 by Cisco Systems, Inc.",
        "Compiled Mon 01-Jan-24 00:00 by prod_rel_team",
        "",
        f"ROM: Bootstrap program is {family} boot loader",
        f"BOOTLDR: {family} Boot Loader ({family}-HBOOT-M) Version {version}, "
        "RELEASE SOFTWARE (fc1)",
        "",
        f"{session.device.hostname} uptime is {uptime}",
        "System returned to ROM by power-on",
        f'System image file is "flash:{image}"',
        "Last reload reason: power-on",
        "",
        "",
        f"cisco {spec.model} (APM86XXX) processor (revision A0) with 524288K bytes of memory.",
        f"Processor board ID {spec.serial}",
        "Last reset from power-on",
    ]
    if gig:
        lines.append(f"{gig} Gigabit Ethernet interfaces")
    if ten:
        lines.append(f"{ten} Ten Gigabit Ethernet interfaces")
    lines += [
        "The password-recovery mechanism is enabled.",
        "",
        "512K bytes of flash-simulated non-volatile configuration memory.",
        f"Base ethernet MAC Address       : {base_mac}",
        "Motherboard assembly number     : 73-00000-00",
        f"Model number                    : {spec.model}",
        f"System serial number            : {spec.serial}",
        "",
        "",
        "Switch Ports Model                     SW Version            SW Image",
        "------ ----- -----                     ----------            ----------",
        f"*    1 {ports:<5} {spec.model:<25} {version:<21} {family}-UNIVERSALK9-M",
        "",
        "",
        "Configuration register is 0xF",
        "",
    ]
    return "\n".join(lines)


def _show_inventory(session: IosSession, _args: list[str]) -> str:
    spec = session.device.spec
    return (
        f'NAME: "1", DESCR: "{spec.vendor} {spec.model}"\n'
        f"PID: {spec.model:<19}, VID: V01  , SN: {spec.serial}\n\n"
    )


def _show_privilege(session: IosSession, _args: list[str]) -> str:
    level = 1 if session.level == "user" else 15
    return f"Current privilege level is {level}\n"


def _show_clock(_session: IosSession, _args: list[str]) -> str:
    now = dt.datetime.now(dt.UTC)
    return (
        now.strftime("*%H:%M:%S.")
        + f"{now.microsecond // 1000:03d}"
        + now.strftime(" UTC %a %b %-d %Y\n")
    )


def _show_hosts(session: IosSession, _args: list[str]) -> str:
    domain = "not set"
    servers = "255.255.255.255"
    for node in session.device.root.children:
        match = re.match(r"^ip domain[ -]name (\S+)$", node.text)
        if match:
            domain = match.group(1)
        match = re.match(r"^ip name-server (.+)$", node.text)
        if match:
            servers = match.group(1)
    lookup = (
        "domain service"
        if session.device.root.child("no ip domain lookup") is None
        else ("static mappings only")
    )
    return (
        f"Default domain is {domain}\n"
        f"Name/address lookup uses {lookup}\n"
        f"Name servers are {servers}\n\n"
        "Codes: UN - unknown, EX - expired, OK - OK, ?? - revalidate\n"
        "       temp - temporary, perm - permanent\n"
        "       NA - Not Applicable None - Not defined\n\n"
        "Host                      Port  Flags      Age Type   Address(es)\n"
    )


def _status(view: InterfaceView) -> tuple[str, str]:
    if not view.enabled:
        return "administratively down", "down"
    return ("up", "up") if view.up else ("down", "down")


def _show_ip_int_brief(session: IosSession, _args: list[str]) -> str:
    lines = ["Interface              IP-Address      OK? Method Status                Protocol"]
    for view in session.device.interfaces():
        address = str(view.ipv4.ip) if view.ipv4 else "unassigned"
        method = "NVRAM" if view.ipv4 else "unset"
        status, protocol = _status(view)
        lines.append(f"{view.name:<23}{address:<16}YES {method:<7}{status:<22}{protocol}")
    return "\n".join(lines) + "\n"


def _show_ip_interface(session: IosSession, args: list[str]) -> str:
    views = session.named_interfaces("show ip interface", args)
    if isinstance(views, str):
        return views
    blocks = []
    for view in views:
        status, protocol = _status(view)
        lines = [f"{view.name} is {status}, line protocol is {protocol}"]
        if view.ipv4:
            lines.append(f"  Internet address is {view.ipv4.with_prefixlen}")
            lines.append("  Broadcast address is 255.255.255.255")
            lines.append("  MTU is 1500 bytes")
        else:
            lines.append("  Internet protocol processing disabled")
        blocks.append("\n".join(lines))
    return "\n".join(blocks) + "\n"


_HARDWARE = {
    "GigabitEthernet": "Gigabit Ethernet",
    "FastEthernet": "Fast Ethernet",
    "TenGigabitEthernet": "Ten Gigabit Ethernet",
    "TwentyFiveGigE": "Twenty Five Gigabit Ethernet",
    "FortyGigabitEthernet": "Forty Gigabit Ethernet",
    "HundredGigE": "Hundred Gigabit Ethernet",
    "Ethernet": "Ethernet",
    "Port-channel": "EtherChannel",
    "Vlan": "EtherSVI",
    "Loopback": "Loopback",
    "Tunnel": "Tunnel",
}


def _interface_block(view: InterfaceView) -> str:
    status, protocol = _status(view)
    reason = ""
    if view.physical:
        reason = (
            " (connected)" if view.up else (" (disabled)" if not view.enabled else " (notconnect)")
        )
    kind = interface_type(view.name, PLATFORM)
    hardware = _HARDWARE.get(kind, kind)
    lines = [f"{view.name} is {status}, line protocol is {protocol}{reason} "]
    if view.mac:
        mac = format_mac(view.mac, PLATFORM)
        lines.append(f"  Hardware is {hardware}, address is {mac} (bia {mac})")
    else:
        lines.append(f"  Hardware is {hardware}")
    if view.description:
        lines.append(f"  Description: {view.description}")
    if view.ipv4:
        lines.append(f"  Internet address is {view.ipv4.with_prefixlen}")
    mtu = 1514 if kind == "Loopback" else 1500
    delay = 5000 if kind == "Loopback" else 10
    lines += [
        f"  MTU {mtu} bytes, BW {view.speed_mbps * 1000} Kbit/sec, DLY {delay} usec, ",
        "     reliability 255/255, txload 1/255, rxload 1/255",
        "  Encapsulation ARPA, loopback not set",
        "  Keepalive set (10 sec)",
    ]
    if view.physical:
        duplex = "Full-duplex" if view.up else "Auto-duplex"
        speed = f"{view.speed_mbps}Mb/s" if view.up else "Auto-speed"
        lines.append(f"  {duplex}, {speed}, media type is 10/100/1000BaseTX")
        lines.append("  input flow-control is off, output flow-control is unsupported ")
    lines += [
        "  ARP type: ARPA, ARP Timeout 04:00:00",
        "  Last input never, output never, output hang never",
        '  Last clearing of "show interface" counters never',
        "  Input queue: 0/75/0/0 (size/max/drops/flushes); Total output drops: 0",
        "  Queueing strategy: fifo",
        "  Output queue: 0/40 (size/max)",
        "  5 minute input rate 0 bits/sec, 0 packets/sec",
        "  5 minute output rate 0 bits/sec, 0 packets/sec",
        "     0 packets input, 0 bytes, 0 no buffer",
        "     Received 0 broadcasts (0 multicasts)",
        "     0 runts, 0 giants, 0 throttles ",
        "     0 input errors, 0 CRC, 0 frame, 0 overrun, 0 ignored",
        "     0 packets output, 0 bytes, 0 underruns",
        "     0 output errors, 0 collisions, 0 interface resets",
    ]
    return "\n".join(lines)


def _show_interfaces(session: IosSession, args: list[str]) -> str:
    words = [w.lower() for w in args]
    if words and len(words) == 1 and "description".startswith(words[0]) and len(words[0]) >= 2:
        return _show_int_description(session)
    if words and len(words) == 1 and "status".startswith(words[0]) and len(words[0]) >= 2:
        return _show_int_status(session)
    views = session.named_interfaces("show interfaces", args)
    if isinstance(views, str):
        return views
    return "\n".join(_interface_block(v) for v in views) + "\n"


def _show_int_description(session: IosSession) -> str:
    lines = ["Interface                      Status         Protocol Description"]
    for view in session.device.interfaces():
        status, protocol = _status(view)
        status = "admin down" if status.startswith("admin") else status
        name = short_interface(view.name, PLATFORM)
        lines.append(f"{name:<31}{status:<15}{protocol:<9}{view.description}".rstrip())
    return "\n".join(lines) + "\n"


def _show_int_status(session: IosSession) -> str:
    lines = ["", "Port         Name               Status       Vlan       Duplex  Speed Type "]
    for view in session.device.interfaces():
        if not view.physical:
            continue
        status = "connected" if view.up else ("disabled" if not view.enabled else "notconnect")
        vlan = {"trunk": "trunk", "routed": "routed"}.get(view.mode, "1")
        duplex = "a-full" if view.up else "auto"
        speed = f"a-{view.speed_mbps}" if view.up else "auto"
        name = short_interface(view.name, PLATFORM)
        lines.append(
            f"{name:<13}{view.description[:18]:<19}{status:<13}{vlan:<11}{duplex:<8}{speed:<7}"
            "10/100/1000BaseTX"
        )
    return "\n".join(lines) + "\n"


def _show_lldp(session: IosSession, args: list[str]) -> str:
    words = [w.lower() for w in args]
    detail = bool(words) and "detail".startswith(words[-1]) and len(words[-1]) >= 1
    if detail:
        words = words[:-1]
        args = args[:-1]
    only: str | None = None
    if args:
        only = canonical_interface(" ".join(args), PLATFORM)
        if only is None:
            line = "show lldp neighbors " + " ".join(args)
            return session.error(line, "invalid", len("show lldp neighbors "))
    if not session.device.lldp_enabled():
        return "% LLDP is not enabled\n"
    neighbors = [
        n
        for n in session.device.spec.neighbors
        if only is None or canonical_interface(n.local_interface, PLATFORM) == only
    ]
    if detail:
        return _lldp_detail(session, neighbors)
    lines = [
        "Capability codes:",
        "    (R) Router, (B) Bridge, (T) Telephone, (C) DOCSIS Cable Device",
        "    (W) WLAN Access Point, (P) Repeater, (S) Station, (O) Other",
        "",
        "Device ID           Local Intf     Hold-time  Capability      Port ID",
    ]
    for neighbor in neighbors:
        local = short_interface(
            canonical_interface(neighbor.local_interface, PLATFORM) or neighbor.local_interface,
            PLATFORM,
        )
        lines.append(
            f"{neighbor.remote_hostname[:20]:<20}{local:<15}{120:<11}{'B,R':<16}"
            f"{neighbor.remote_port}"
        )
    lines += ["", f"Total entries displayed: {len(neighbors)}", ""]
    return "\n".join(lines)


def _lldp_detail(session: IosSession, neighbors: list[SimNeighbor]) -> str:
    blocks: list[str] = []
    for item in neighbors:
        local = short_interface(
            canonical_interface(item.local_interface, PLATFORM) or item.local_interface, PLATFORM
        )
        peer = session.device.peer(item.remote_hostname)
        chassis = peer.base_mac() if peer else derived_mac(item.remote_hostname, 0)
        description = "not advertised"
        port_description = "not advertised"
        if peer is not None:
            description = peer.system_description()
            remote = peer.interface(item.remote_port)
            if remote is not None and remote.description:
                port_description = remote.description
        blocks.append(
            "\n".join(
                [
                    "------------------------------------------------",
                    f"Local Intf: {local}",
                    f"Chassis id: {format_mac(chassis, PLATFORM)}",
                    f"Port id: {item.remote_port}",
                    f"Port Description: {port_description}",
                    f"System Name: {item.remote_hostname}",
                    "",
                    "System Description: ",
                    description,
                    "",
                    "Time remaining: 95 seconds",
                    "System Capabilities: B,R",
                    "Enabled Capabilities: B,R",
                    "Management Addresses: - not advertised",
                    "Auto Negotiation - supported, enabled",
                    "Physical media capabilities:",
                    "    1000baseT(FD)",
                    "Media Attachment Unit type: 30",
                    "Vlan ID: - not advertised",
                    "",
                ]
            )
        )
    return "\n".join(blocks) + f"\nTotal entries displayed: {len(neighbors)}\n\n"


def _show_cdp(_session: IosSession, _args: list[str]) -> str:
    return "% CDP is not enabled\n"


def _show_vlan(session: IosSession, _args: list[str]) -> str:
    names: dict[int, str] = {1: "default"}
    for node in session.device.root.children:
        match = re.match(r"^vlan (\d+)$", node.text)
        if match:
            vlan = int(match.group(1))
            name = next((c.text[5:] for c in node.children if c.text.startswith("name ")), "")
            names[vlan] = name or f"VLAN{vlan:04d}"
    members: dict[int, list[str]] = {v: [] for v in names}
    for view in session.device.interfaces():
        if not view.physical or view.mode != "access":
            continue
        section = session.device.root.child(f"interface {view.name}")
        vlan = 1
        for child in section.children if section else []:
            match = re.match(r"^switchport access vlan (\d+)$", child.text)
            if match:
                vlan = int(match.group(1))
        members.setdefault(vlan, []).append(short_interface(view.name, PLATFORM))
    lines = [
        "",
        "VLAN Name                             Status    Ports",
        "---- -------------------------------- --------- -------------------------------",
    ]
    for vlan in sorted(names):
        ports = ", ".join(members.get(vlan, []))
        lines.append(f"{vlan:<5}{names[vlan]:<33}{'active':<10}{ports}".rstrip())
    return "\n".join(lines) + "\n"


def _show_ip_ssh(session: IosSession, _args: list[str]) -> str:
    version = "2.0" if session.device.root.child("ip ssh version 2") else "1.99"
    return (
        f"SSH Enabled - version {version}\n"
        "Authentication methods:publickey,keyboard-interactive,password\n"
        "Authentication timeout: 120 secs; Authentication retries: 3\n"
    )


def _show_archive(_session: IosSession, args: list[str]) -> str:
    if args and "config".startswith(args[0].lower()):
        return "%No Rollback Confirmed Change pending\n"
    return "Archive feature not enabled\n"


def _show_snmp_chassis(session: IosSession, _args: list[str]) -> str:
    for node in session.device.root.children:
        if node.text.startswith("snmp-server chassis-id "):
            return node.text[len("snmp-server chassis-id ") :] + "\n"
    return f"{session.device.spec.serial}\n"


def _show_arp(session: IosSession, _args: list[str]) -> str:
    lines = ["Protocol  Address          Age (min)  Hardware Addr   Type   Interface"]
    for view in session.device.interfaces():
        if view.ipv4 is not None and view.up and view.mac:
            mac = format_mac(view.mac, PLATFORM)
            lines.append(f"Internet  {view.ipv4.ip!s:<17}{'-':>9}   {mac}  ARPA   {view.name}")
    return "\n".join(lines) + "\n"


def _nothing(_session: IosSession, _args: list[str]) -> str:
    return ""


def _build_trees() -> tuple[CommandTree[IosHandler], CommandTree[IosHandler]]:
    user: CommandTree[IosHandler] = CommandTree()
    priv: CommandTree[IosHandler] = CommandTree()
    common: list[tuple[str, IosHandler]] = [
        ("enable <rest>", _enable),
        ("exit", _exit),
        ("logout", _exit),
        ("quit", _exit),
        ("terminal <rest>", _terminal),
        ("show version", _show_version),
        ("show inventory", _show_inventory),
        ("show privilege", _show_privilege),
        ("show clock", _show_clock),
        ("show hosts <rest>", _show_hosts),
        ("show ip interface brief", _show_ip_int_brief),
        ("show ip interface <rest>", _show_ip_interface),
        ("show ip ssh", _show_ip_ssh),
        ("show interfaces <rest>", _show_interfaces),
        ("show lldp neighbors <rest>", _show_lldp),
        ("show cdp neighbors <rest>", _show_cdp),
        ("show vlan <rest>", _show_vlan),
        ("show snmp chassis", _show_snmp_chassis),
        ("show arp <rest>", _show_arp),
        ("show ip arp <rest>", _show_arp),
        ("show ipv6 interface <rest>", _nothing),
    ]
    privileged: list[tuple[str, IosHandler]] = [
        ("disable", _disable),
        ("configure <rest>", _configure),
        ("write <rest>", _write),
        ("copy <rest>", _copy),
        ("show running-config <rest>", _show_running),
        ("show startup-config", _show_startup),
        ("show archive <rest>", _show_archive),
    ]
    for spec, handler in common:
        user.add(spec, handler)
        priv.add(spec, handler)
    for spec, handler in privileged:
        priv.add(spec, handler)
    return user, priv


USER_TREE, PRIV_TREE = _build_trees()
