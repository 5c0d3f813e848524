"""The Huawei VRP command line: user view, system view and its sub-views, display commands.

Outputs follow what the ``napalm_huawei_vrp`` driver and Netmiko's ``huawei`` driver parse
(``display version``, ``display esn``, ``display interface``, ``display lldp neighbor
brief``, ``save`` with its ``[Y/N]`` question...).
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable

from kentops.lab.netsim.commands import (
    CommandTree,
)
from kentops.lab.netsim.config import Frame
from kentops.lab.netsim.device import DeviceState, InterfaceView
from kentops.lab.netsim.ifnames import canonical_interface, format_mac, short_interface
from kentops.lab.netsim.shell import CliSession

VrpHandler = Callable[["VrpSession", list[str]], str]

PLATFORM = "huawei_vrp"
ANY_VIEW = ("display", "save", "quit", "return")


def _uptime_text(seconds: int) -> str:
    minutes, _ = divmod(seconds, 60)
    hours, minutes = divmod(minutes, 60)
    days, hours = divmod(hours, 24)
    weeks, days = divmod(days, 7)
    return (
        f"{weeks} week{'s' if weeks != 1 else ''}, {days} day{'s' if days != 1 else ''}, "
        f"{hours} hour{'s' if hours != 1 else ''}, {minutes} minute{'s' if minutes != 1 else ''}"
    )


class VrpSession(CliSession):
    """A vty session on a simulated Huawei VRP device."""

    def __init__(self, device: DeviceState, user: str, peer: str) -> None:
        super().__init__(device, user, peer)
        self.system_view = False
        self.frames: list[Frame] = [device.configurator.root_frame()]
        self._pending: Callable[[str], str] | None = None

    def prompt(self) -> str:
        if self._pending is not None:
            return ""
        host = self.device.hostname
        if not self.system_view:
            return f"<{host}>"
        if len(self.frames) == 1:
            return f"[{host}]"
        return f"[{host}-{self.frames[-1].label}]"

    def banner(self) -> str:
        now = dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M:%S")
        return (
            "\nInfo: The max number of VTY users is 5, and the number\n"
            "      of current VTY users on line is 1.\n"
            f"      The current login time is {now}.\n"
        )

    def handle_line(self, line: str) -> str:
        if self._pending is not None:
            pending, self._pending = self._pending, None
            return pending(line)
        if not line.strip():
            return ""
        if self.rejected(line):
            return self.error(line, "invalid", len(line) - len(line.lstrip()))
        if self.system_view and not self._is_any_view(line):
            return self._config_line(line)
        return self.exec_line(line)

    def run_exec(self, command: str) -> str:
        if self.rejected(command):
            return self.error(command, "invalid", 0)
        return self.exec_line(command)

    def ctrl_z(self) -> str:
        self._return()
        return ""

    def ctrl_c(self) -> str:
        self._pending = None
        return ""

    def error(self, line: str, kind: str, column: int, detail: str = "") -> str:
        caret = self.caret(line, column)
        if kind == "invalid":
            return f"{caret}\nError: Unrecognized command found at '^' position.\n"
        if kind == "incomplete":
            return f"{caret}\nError:Incomplete command found at '^' position.\n"
        if kind == "ambiguous":
            return f"{caret}\nError:Ambiguous command found at '^' position.\n"
        if kind == "physical":
            return "Error: The physical interface cannot be deleted.\n"
        return f"{detail}\n"

    def ask(self, question: str, answer: Callable[[str], str]) -> str:
        self._pending = answer
        return question

    # -- views ------------------------------------------------------------------------

    def _is_any_view(self, line: str) -> bool:
        words = line.split()
        first = words[0].lower()
        matches = [w for w in ANY_VIEW if w.startswith(first)]
        return len(matches) == 1 and first not in self.device.dialect.vocabulary

    def _return(self) -> None:
        self.system_view = False
        self.frames = [self.device.configurator.root_frame()]

    def exec_line(self, line: str) -> str:
        return self.run_command(SYSTEM_TREE if self.system_view else USER_TREE, line)

    def _config_line(self, line: str) -> str:
        self.frames, output = self.apply_config(self.frames, line, line)
        return output


# ------------------------------------------------------------------------------------------
# Commands


def _system_view(session: VrpSession, _args: list[str]) -> str:
    session.system_view = True
    session.frames = [session.device.configurator.root_frame()]
    return "Enter system view, return user view with Ctrl+Z.\n"


def _quit(session: VrpSession, _args: list[str]) -> str:
    if not session.system_view:
        session.closed = True
    elif len(session.frames) > 1:
        session.frames.pop()
    else:
        session._return()
    return ""


def _return(session: VrpSession, _args: list[str]) -> str:
    session._return()
    return ""


def _screen_length(_session: VrpSession, args: list[str]) -> str:
    if not args[0].isdigit() or int(args[0]) > 512:
        return "Error: Wrong parameter found at '^' position.\n"
    return "Info: The configuration takes effect on the current user terminal interface only.\n"


def _terminal_monitor(on: bool) -> VrpHandler:
    def handler(_session: VrpSession, _args: list[str]) -> str:
        return f"Info: Current terminal monitor is {'on' if on else 'off'}.\n"

    return handler


def _save(session: VrpSession, args: list[str]) -> str:
    if args:
        question = f"Are you sure to save the configuration to flash:/{args[0]}? [Y/N]:"
    else:
        question = (
            "Warning: The current configuration will be written to the device. Continue? [Y/N]:"
        )

    def answer(reply: str) -> str:
        if reply.strip().lower() not in ("y", "yes"):
            return "Info: The configuration was not saved.\n"
        if not args:
            session.device.save(session.user)
        return (
            "Now saving the current configuration to the slot 0.\n"
            "Info: Save the configuration successfully.\n"
        )

    return session.ask(question, answer)


def _software_header(session: VrpSession) -> str:
    return f"!Software Version {session.device.spec.os_version}\n"


def _display_current(session: VrpSession, args: list[str]) -> str:
    if args and "interface".startswith(args[0].lower()):
        name = canonical_interface(" ".join(args[1:]), PLATFORM) if len(args) > 1 else None
        lines: list[str] = []
        for node in session.device.root.children:
            wanted = node.text == f"interface {name}" if name else True
            if node.text.startswith("interface ") and wanted:
                lines += ["#", node.text, *node.lines(1)]
        if not lines:
            line = "display current-configuration " + " ".join(args)
            return session.error(line, "invalid", len("display current-configuration "))
        return "\n".join([*lines, "#", "return"]) + "\n"
    return _software_header(session) + session.device.running_text()


def _display_saved(session: VrpSession, _args: list[str]) -> str:
    return _software_header(session) + session.device.startup_text


def _display_this(session: VrpSession, _args: list[str]) -> str:
    if len(session.frames) == 1:
        return _software_header(session) + session.device.running_text()
    lines: list[str] = []
    for node in session.frames[-1].nodes:
        lines += ["#", node.text, *node.lines(1)]
    return "\n".join([*lines, "#", "return"]) + "\n"


def _family(model: str) -> str:
    return model.split("-", maxsplit=1)[0]


def _display_version(session: VrpSession, _args: list[str]) -> str:
    spec = session.device.spec
    uptime = _uptime_text(session.device.uptime_seconds())
    return "\n".join(
        [
            "Huawei Versatile Routing Platform Software",
            f"VRP (R) software, Version 5.170 ({_family(spec.model)} {spec.os_version})",
            "Copyright (C) 2000-2024 HUAWEI TECH CO., LTD",
            f"HUAWEI {spec.model} Routing Switch uptime is {uptime}",
            "",
            f"ES5D2T28S000 0(Master) : uptime is {uptime}",
            "DDR             Memory Size : 2048  M bytes",
            "FLASH Total     Memory Size : 1024  M bytes",
            "FLASH Available Memory Size : 512   M bytes",
            "Pcb             Version     : VER.B",
            "BootROM         Version     : 020a.0001",
            "BootLoad        Version     : 020a.0001",
            "CPLD            Version     : 0109",
            f"Software        Version     : VRP (R) Software, Version 5.170 ({spec.os_version})",
            "FLASH           Version     : 0000.0000",
            "",
        ]
    )


def _display_esn(session: VrpSession, _args: list[str]) -> str:
    return f"ESN of slot 0: {session.device.spec.serial}\n"


def _state(view: InterfaceView) -> tuple[str, str]:
    if not view.enabled:
        return "*down", "down"
    return ("up", "up") if view.up else ("down", "down")


def _display_interface_brief(session: VrpSession, _args: list[str]) -> str:
    lines = [
        "PHY: Physical",
        "*down: administratively down",
        "(l): loopback",
        "(s): spoofing",
        "(b): BFD down",
        "(e): ETHOAM down",
        "(dl): DLDP down",
        "(d): Dampening Suppressed",
        "InUti/OutUti: input utility/output utility",
        "Interface                   PHY   Protocol InUti OutUti   inErrors  outErrors",
    ]
    for view in session.device.interfaces():
        physical, protocol = _state(view)
        if view.name.startswith("LoopBack") and view.enabled:
            protocol = "up(s)"
        lines.append(f"{view.name:<28}{physical:<6}{protocol:<9}{'0%':>5}{'0%':>7}{0:>11}{0:>11}")
    return "\n".join(lines) + "\n"


def _display_ip_interface_brief(session: VrpSession, _args: list[str]) -> str:
    views = session.device.interfaces()
    ups = sum(1 for v in views if v.up)
    lines = [
        "*down: administratively down",
        "^down: standby",
        "(l): loopback",
        "(s): spoofing",
        "(E): E-Trunk down",
        f"The number of interface that is UP in Physical is {ups}",
        f"The number of interface that is DOWN in Physical is {len(views) - ups}",
        f"The number of interface that is UP in Protocol is {ups}",
        f"The number of interface that is DOWN in Protocol is {len(views) - ups}",
        "",
        "Interface                         IP Address/Mask      Physical   Protocol  ",
    ]
    for view in views:
        physical, protocol = _state(view)
        address = view.ipv4.with_prefixlen if view.ipv4 else "unassigned"
        lines.append(f"{view.name:<34}{address:<21}{physical:<11}{protocol:<10}")
    return "\n".join(lines) + "\n"


def _interface_block(view: InterfaceView) -> str:
    state = ("UP" if view.up else "DOWN") if view.enabled else "Administratively DOWN"
    protocol = "UP" if view.up else "DOWN"
    loopback = view.name.startswith("LoopBack")
    if loopback and view.up:
        protocol = "UP (spoofing)"
    lines = [
        f"{view.name} current state : {state}",
        f"Line protocol current state : {protocol}",
        "Last line protocol up time : 2024-01-01 00:00:00 UTC",
        f"Description:{view.description}",
    ]
    routed = view.mode == "routed" or not view.physical
    if routed:
        lines.append("Route Port,The Maximum Transmit Unit is 1500")
        if view.ipv4:
            lines.append(f"Internet Address is {view.ipv4.with_prefixlen}")
        else:
            lines.append("Internet protocol processing : disabled")
    else:
        lines.append("Switch Port, PVID :    1, TPID : 8100(Hex), The Maximum Frame Length is 9216")
    if view.mac:
        lines.append(
            "IP Sending Frames' Format is PKTFMT_ETHNT_2, Hardware address is "
            + format_mac(view.mac, PLATFORM)
        )
    if view.physical:
        duplex = "FULL" if view.up else "HALF"
        lines += [
            "Port Mode: COMMON COPPER",
            f"Speed : {view.speed_mbps},  Loopback: NONE",
            f"Duplex: {duplex},  Negotiation: ENABLE",
            "Mdi   : AUTO,  Flow-control: DISABLE",
            "Last 300 seconds input rate 0 bits/sec, 0 packets/sec",
            "Last 300 seconds output rate 0 bits/sec, 0 packets/sec",
            "Input peak rate 0 bits/sec,Record time: -",
            "Output peak rate 0 bits/sec,Record time: -",
            "",
            "Input:  0 packets, 0 bytes",
            "Output:  0 packets, 0 bytes",
        ]
    lines.append("")
    return "\n".join(lines)


def _display_interface(session: VrpSession, args: list[str]) -> str:
    views = session.named_interfaces("display interface", args)
    if isinstance(views, str):
        return views
    return "\n".join(_interface_block(v) for v in views)


def _display_lldp_brief(session: VrpSession, _args: list[str]) -> str:
    if not session.device.lldp_enabled():
        return "Info: Global LLDP is not enabled.\n"
    lines = ["Local Intf       Neighbor Dev             Neighbor Intf             Exptime(s)"]
    for neighbor in session.device.spec.neighbors:
        local = canonical_interface(neighbor.local_interface, PLATFORM) or neighbor.local_interface
        lines.append(
            f"{short_interface(local, PLATFORM):<17}{neighbor.remote_hostname:<25}"
            f"{neighbor.remote_port:<26}{104}"
        )
    return "\n".join(lines) + "\n\n"


def _display_ip_interface(session: VrpSession, _args: list[str]) -> str:
    blocks: list[str] = []
    for view in session.device.interfaces():
        if view.ipv4 is None:
            continue
        state = ("UP" if view.up else "DOWN") if view.enabled else "Administratively DOWN"
        blocks.append(
            "\n".join(
                [
                    f"{view.name} current state : {state}",
                    f"Line protocol current state : {'UP' if view.up else 'DOWN'}",
                    "The Maximum Transmit Unit : 1500 bytes",
                    "input packets : 0, bytes : 0, multicasts : 0",
                    "output packets : 0, bytes : 0, multicasts : 0",
                    f"Internet Address is {view.ipv4.with_prefixlen}",
                    f"Broadcast address : {view.ipv4.network.broadcast_address}",
                    "",
                ]
            )
        )
    return "\n".join(blocks)


def _display_local_user(session: VrpSession, _args: list[str]) -> str:
    users: dict[str, str] = {}
    aaa = session.device.root.child("aaa")
    for node in aaa.children if aaa else []:
        match = re.match(r"^local-user (\S+)(?: privilege level (\d+))?", node.text)
        if match:
            level = match.group(2) or users.get(match.group(1), "-")
            users[match.group(1)] = level
    rule = "  " + "-" * 76
    lines = [rule, "  User-name                      State  AuthMask  AdminLevel", rule]
    lines += [f"  {name:<31}A      H         {level}" for name, level in users.items()]
    lines += [rule, f"Total {len(users)} user(s)", ""]
    return "\n".join(lines)


def _display_clock(_session: VrpSession, _args: list[str]) -> str:
    now = dt.datetime.now(dt.UTC)
    return now.strftime("%Y-%m-%d %H:%M:%S\n%A\nTime Zone(Default Zone Name) : UTC+00:00\n")


def _build_trees() -> tuple[CommandTree[VrpHandler], CommandTree[VrpHandler]]:
    user: CommandTree[VrpHandler] = CommandTree()
    system: CommandTree[VrpHandler] = CommandTree()
    display: list[tuple[str, VrpHandler]] = [
        ("display current-configuration <rest>", _display_current),
        ("display saved-configuration <rest>", _display_saved),
        ("display this", _display_this),
        ("display version", _display_version),
        ("display esn", _display_esn),
        ("display interface brief", _display_interface_brief),
        ("display interface <rest>", _display_interface),
        ("display ip interface brief", _display_ip_interface_brief),
        ("display ip interface", _display_ip_interface),
        ("display ipv6 interface <rest>", lambda _s, _a: ""),
        ("display local-user", _display_local_user),
        ("display lldp neighbor brief", _display_lldp_brief),
        ("display clock", _display_clock),
        ("save <rest>", _save),
        ("quit", _quit),
    ]
    for spec, handler in display:
        user.add(spec, handler)
        system.add(spec, handler)
    user.add("system-view", _system_view)
    user.add("screen-length <arg> temporary-mode", _screen_length)
    user.add("terminal monitor", _terminal_monitor(True))
    user.add("undo terminal monitor", _terminal_monitor(False))
    system.add("return", _return)
    return user, system


USER_TREE, SYSTEM_TREE = _build_trees()
