"""The terminal side of a session: echo, line editing, prompts and the ``slow`` fault.

:class:`CliSession` is what a platform implements (prompt, one line in, text out).
:class:`Terminal` drives it from raw characters the way a device's vty does: it echoes
what is typed (not passwords), handles backspace, CR/LF pairs, Ctrl-C and Ctrl-Z, and
writes ``\\r\\n`` line ends.
"""

from __future__ import annotations

import asyncio
import functools
import logging
from collections.abc import Awaitable, Callable
from typing import TypeVar

from kentops.lab.netsim.commands import (
    CommandTree,
    FilterError,
    Resolved,
    apply_filters,
    split_filters,
    word_columns,
)
from kentops.lab.netsim.config import ConfigError, Frame
from kentops.lab.netsim.device import DeviceState, InterfaceView

log = logging.getLogger(__name__)

S = TypeVar("S", bound="CliSession")


class CliSession:
    """One logged-in user on one device. Subclasses implement a platform's command line."""

    def __init__(self, device: DeviceState, user: str, peer: str) -> None:
        self.device = device
        self.user = user
        self.peer = peer
        self.echo = True
        self.closed = False

    # The platform interface ---------------------------------------------------------

    def banner(self) -> str:
        """Text shown after login, before the first prompt."""
        return ""

    def prompt(self) -> str:
        raise NotImplementedError

    def handle_line(self, line: str) -> str:
        """Run one typed line; return its output (``\\n`` line ends)."""
        raise NotImplementedError

    def ctrl_z(self) -> str:
        return ""

    def ctrl_c(self) -> str:
        return ""

    def run_exec(self, command: str) -> str:
        """Output of a command sent as an SSH exec request (no prompt, no echo)."""
        return self.handle_line(command)

    def error(self, line: str, kind: str, column: int, detail: str = "") -> str:
        """The platform's message for a refused ``line`` (``kind``: invalid, incomplete,
        ambiguous, physical, or other with ``detail``), ``column`` where it went wrong."""
        raise NotImplementedError

    # Helpers shared by platforms ----------------------------------------------------

    def rejected(self, line: str) -> bool:
        """True when a ``reject_command`` fault covers this line."""
        typed = " ".join(line.split())
        for fault in self.device.spec.faults:
            if fault.kind == "reject_command" and fault.command:
                wanted = " ".join(fault.command.split())
                if typed == wanted or typed.startswith(wanted):
                    return True
        return False

    def caret(self, line: str, column: int) -> str:  # noqa: ARG002
        """The ``^`` marker line under ``column`` of ``line`` typed after the prompt."""
        return " " * (len(self.prompt()) + column) + "^"

    def run_command(self: S, tree: CommandTree[Callable[[S, list[str]], str]], line: str) -> str:
        """Run ``line`` as a command of ``tree``, with its output filters (``| include`` ...);
        a command the tree does not know gets the platform's error."""
        try:
            command, filters = split_filters(line)
        except FilterError as exc:
            return self.error(line, "invalid", exc.column)
        result = tree.resolve(command.split())
        if not isinstance(result, Resolved):
            return self.error(line, result.kind, self.column_of_word(line, result.word_index))
        output = result.handler(self, result.args)
        if filters:
            output = apply_filters(output, filters)
        return output

    def apply_config(self, frames: list[Frame], line: str, text: str) -> tuple[list[Frame], str]:
        """Apply ``text`` (the typed ``line``, maybe normalised) to the device's configuration
        in the context ``frames``: the new context and the output (the platform's error, or
        nothing). A change is recorded against this session's user."""
        try:
            frames, changed = self.device.configurator.apply(frames, text)
        except ConfigError as exc:
            offset = len(line) - len(line.lstrip())
            return frames, self.error(line, exc.kind, offset + exc.column, exc.detail)
        if changed:
            self.device.changed(self.user)
        return frames, ""

    def named_interfaces(self, command: str, args: list[str]) -> list[InterfaceView] | str:
        """The interface ``args`` names after ``command`` (every interface when none), or the
        platform's error when the device has no such interface."""
        if not args:
            return self.device.interfaces()
        view = self.device.interface(" ".join(args))
        if view is None:
            return self.error(f"{command} {' '.join(args)}", "invalid", len(command) + 1)
        return [view]

    @staticmethod
    def column_of_word(line: str, index: int) -> int:
        columns = word_columns(line)
        if index < len(columns):
            return columns[index]
        return len(line.rstrip()) + 1


Writer = Callable[[str], None]
Reader = Callable[[], Awaitable[str]]


class Terminal:
    """Feeds characters to a :class:`CliSession` and writes what a terminal would show."""

    def __init__(self, session: CliSession, write: Writer, delay_s: float = 0.0) -> None:
        self.session = session
        self._write = write
        self.delay_s = delay_s
        self._line: list[str] = []
        self._last_cr = False
        self._escape = 0  # 0: none, 1: after ESC, 2: inside ESC [ ... sequence

    async def start(self) -> None:
        if self.delay_s:
            await asyncio.sleep(self.delay_s)
        self._write(_crlf(self.session.banner()) + "\r\n" + self.session.prompt())

    async def run(self, read: Reader) -> None:
        await self.start()
        while not self.session.closed:
            data = await read()
            if not data:
                return
            await self.feed(data)

    async def feed(self, data: str) -> None:
        out: list[str] = []
        for char in data:
            if self.session.closed:
                break
            if self._escape:
                self._escape = 2 if (self._escape == 1 and char in "[O") else 0
                if self._escape == 2 and (char.isalpha() or char == "~"):
                    self._escape = 0
                continue
            if char in "\r\n":
                if char == "\n" and self._last_cr:
                    self._last_cr = False
                    continue
                self._last_cr = char == "\r"
                line = "".join(self._line)
                self._line.clear()
                out.append("\r\n")
                await self._respond(out, functools.partial(self.session.handle_line, line))
                continue
            self._last_cr = False
            if char in "\x7f\x08":
                if self._line:
                    self._line.pop()
                    if self.session.echo:
                        out.append("\b \b")
            elif char == "\x03":
                self._line.clear()
                out.append("^C\r\n")
                await self._respond(out, self.session.ctrl_c)
            elif char == "\x1a":
                self._line.clear()
                out.append("^Z\r\n")
                await self._respond(out, self.session.ctrl_z)
            elif char == "\x15":
                self._line.clear()
            elif char == "\x1b":
                self._escape = 1
            elif char >= " ":
                self._line.append(char)
                if self.session.echo:
                    out.append(char)
        if out:
            self._write("".join(out))

    async def _respond(self, out: list[str], action: Callable[[], str]) -> None:
        if self.delay_s:
            self._write("".join(out))
            out.clear()
            await asyncio.sleep(self.delay_s)
        try:
            text = action()
        except Exception:  # a simulator bug must not kill the session
            log.exception("netsim: command failed on %s", self.session.device.spec.name)
            text = "% Internal simulator error\n"
        out.append(_crlf(text))
        if not self.session.closed:
            out.append(self.session.prompt())
        if self.delay_s or self.session.closed:
            self._write("".join(out))
            out.clear()


def _crlf(text: str) -> str:
    return text.replace("\r\n", "\n").replace("\n", "\r\n")
