"""SSH listeners for simulated devices: many devices, one asyncio loop, one host key.

:class:`SimulatorPool` runs its loop in a background thread, so synchronous code (tests,
``kentops lab up``) can start devices, talk to them with Netmiko/NAPALM/Ansible and stop
them. Every device gets its own TCP port on a loopback address.
"""

from __future__ import annotations

import asyncio
import contextlib
import ipaddress
import logging
import os
import socket
import threading
from collections.abc import Callable, Coroutine, Sequence
from concurrent.futures import Future
from pathlib import Path
from typing import Any, TypeVar

import asyncssh

from kentops.lab.daemon import StopOnExit
from kentops.lab.netsim import fortios, routeros
from kentops.lab.netsim.device import DeviceState
from kentops.lab.netsim.ios import IosSession
from kentops.lab.netsim.model import SimDevice
from kentops.lab.netsim.shell import CliSession, Terminal
from kentops.lab.netsim.vrp import VrpSession

log = logging.getLogger(__name__)

T = TypeVar("T")

SERVER_VERSIONS = {
    "cisco_ios": "Cisco-1.25",
    "huawei_vrp": "HUAWEI-1.5",
    "fortios": fortios.SERVER_VERSION,
    "routeros": routeros.SERVER_VERSION,
}
#: Per platform: the state kept per device, the CLI session, how a login name is read.
STATES: dict[str, type[DeviceState]] = {
    "fortios": fortios.FortiosState,
    "routeros": routeros.RouterosState,
}
SESSIONS: dict[str, type[CliSession]] = {
    "cisco_ios": IosSession,
    "huawei_vrp": VrpSession,
    "fortios": fortios.FortiosSession,
    "routeros": routeros.RouterosSession,
}
LOGIN_NAMES: dict[str, Callable[[str], str]] = {"routeros": routeros.login_name}
START_TIMEOUT_S = 60.0
STOP_TIMEOUT_S = 10.0


def load_host_key(path: Path) -> asyncssh.SSHKey:
    """Read the pool's SSH host key, creating an Ed25519 key there when it is missing."""
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        key = asyncssh.generate_private_key("ssh-ed25519")
        tmp = path.with_name(f"{path.name}.{os.getpid()}.tmp")
        key.write_private_key(str(tmp))
        tmp.chmod(0o600)
        tmp.replace(path)
    return asyncssh.read_private_key(str(path))


class _DeviceServer(asyncssh.SSHServer):
    """Authentication for one device (one instance per connection)."""

    def __init__(self, runtime: _Runtime) -> None:
        self._runtime = runtime
        self._conn: asyncssh.SSHServerConnection | None = None

    def connection_made(self, conn: asyncssh.SSHServerConnection) -> None:
        self._conn = conn
        self._runtime.connections.add(conn)

    def connection_lost(self, exc: Exception | None) -> None:  # noqa: ARG002
        if self._conn is not None:
            self._runtime.connections.discard(self._conn)

    def begin_auth(self, username: str) -> bool:  # noqa: ARG002
        return True

    def password_auth_supported(self) -> bool:
        return True

    def validate_password(self, username: str, password: str) -> bool:
        return self._runtime.check_login(username, password)

    def kbdint_auth_supported(self) -> bool:
        return True

    def get_kbdint_challenge(
        self,
        username: str,  # noqa: ARG002
        lang: str,  # noqa: ARG002
        submethods: str,  # noqa: ARG002
    ) -> tuple[str, str, str, list[tuple[str, bool]]]:
        return "", "", "", [("Password: ", False)]

    def validate_kbdint_response(self, username: str, responses: Sequence[str]) -> bool:
        return len(responses) == 1 and self._runtime.check_login(username, responses[0])


class _Runtime:
    """One device of a pool: its state, listener and open connections."""

    def __init__(self, spec: SimDevice, state: DeviceState) -> None:
        self.spec = spec
        self.state = state
        self.acceptor: asyncssh.SSHAcceptor | None = None
        self.reserved: socket.socket | None = None
        self.connections: set[asyncssh.SSHServerConnection] = set()
        self.port = 0

    def check_login(self, username: str, password: str) -> bool:
        if self.spec.fault("auth_fail") is not None:
            return False
        name = LOGIN_NAMES.get(self.spec.platform, str)(username)
        return name == self.spec.username and password == self.spec.password

    def new_session(self, user: str, peer: str) -> CliSession:
        return SESSIONS.get(self.spec.platform, IosSession)(self.state, user, peer)

    async def handle(self, process: asyncssh.SSHServerProcess[str]) -> None:
        user = process.get_extra_info("username") or self.spec.username
        peer_info = process.get_extra_info("peername") or ("?", 0)
        session = self.new_session(str(user), str(peer_info[0]))
        slow = self.spec.fault("slow")
        delay = slow.delay_s if slow else 0.0
        try:
            if self.spec.fault("hang_after_login") is not None:
                while await process.stdin.read(4096):
                    pass
                return
            if process.command is not None:
                if delay:
                    await asyncio.sleep(delay)
                output = session.run_exec(process.command)
                process.stdout.write(output.replace("\n", "\r\n"))
                process.exit(0)
                return
            terminal = Terminal(session, process.stdout.write, delay)

            async def read() -> str:
                while True:
                    try:
                        return await process.stdin.read(4096)
                    except (asyncssh.BreakReceived, asyncssh.SignalReceived):
                        continue
                    except asyncssh.TerminalSizeChanged:
                        continue

            await terminal.run(read)
        except (asyncssh.Error, ConnectionError, BrokenPipeError):
            return
        with contextlib.suppress(asyncssh.Error, ConnectionError, BrokenPipeError, OSError):
            process.exit(0)


class SimulatorPool(StopOnExit):
    """Simulated network devices, each on its own SSH port, served by one background loop.

    ``state_dir``: when set, each device's running and startup configuration is kept there
    (``<name>.running.cfg``, ``<name>.startup.cfg``) and survives a restart of the pool.
    ``bind`` must be a loopback address unless ``allow_non_loopback`` is set (for an address
    on a bridge the lab created itself).
    """

    def __init__(
        self,
        host_key_path: Path,
        bind: str = "127.0.0.1",
        state_dir: Path | None = None,
        *,
        allow_non_loopback: bool = False,
    ) -> None:
        address = ipaddress.ip_address(bind)
        if not address.is_loopback and not allow_non_loopback:
            raise ValueError(f"simulated devices listen on loopback only, not {bind}")
        self.host_key_path = Path(host_key_path)
        self.bind = bind
        self.state_dir = Path(state_dir) if state_dir is not None else None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._thread: threading.Thread | None = None
        self._runtimes: dict[str, _Runtime] = {}
        self._by_hostname: dict[str, _Runtime] = {}

    # -- lifecycle ---------------------------------------------------------------------

    def start(self, devices: list[SimDevice], base_port: int = 0) -> dict[str, int]:
        """Start every device; returns ``{name: port}``. ``base_port`` 0 picks free ports,
        otherwise device *i* listens on ``base_port + i``. A device with a ``down`` fault
        gets a port that refuses connections."""
        if self._thread is not None:
            raise RuntimeError("pool already started")
        names = [d.name for d in devices]
        if len(set(names)) != len(names):
            raise ValueError("device names must be unique")
        self._runtimes = {}
        self._by_hostname = {}
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._run_loop, name="netsim", daemon=True)
        self._thread.start()
        try:
            return self._call(self._start_all(devices, base_port), START_TIMEOUT_S)
        except BaseException:
            self.stop()
            raise

    def stop(self) -> None:
        """Close every listener and connection, save state, stop the loop."""
        loop, thread = self._loop, self._thread
        if loop is None or thread is None:
            return
        try:
            if loop.is_running():
                self._call(self._stop_all(), STOP_TIMEOUT_S)
        finally:
            loop.call_soon_threadsafe(loop.stop)
            thread.join(timeout=STOP_TIMEOUT_S)
            if not thread.is_alive():
                loop.close()
            self._loop = None
            self._thread = None

    def __enter__(self) -> SimulatorPool:
        return self

    # -- state -------------------------------------------------------------------------

    @property
    def ports(self) -> dict[str, int]:
        return {name: rt.port for name, rt in self._runtimes.items()}

    def running_config(self, name: str) -> str:
        """The device's current running configuration (as ``<name>.running.cfg`` holds it)."""
        return self._read(name, lambda state: state.running_text())

    def startup_config(self, name: str) -> str:
        """The device's saved (startup) configuration."""
        return self._read(name, lambda state: state.startup_text)

    def device_state(self, name: str) -> DeviceState:
        """The live state object of a device (use from the pool's loop only)."""
        return self._runtimes[name].state

    def _read(self, name: str, reader: Callable[[DeviceState], str]) -> str:
        runtime = self._runtimes.get(name)
        if runtime is None:
            raise KeyError(f"no simulated device named {name!r}")
        if self._loop is not None and self._loop.is_running():

            async def read() -> str:
                return reader(runtime.state)

            return self._call(read(), STOP_TIMEOUT_S)
        return reader(runtime.state)

    # -- loop plumbing -----------------------------------------------------------------

    def _run_loop(self) -> None:
        assert self._loop is not None
        asyncio.set_event_loop(self._loop)
        self._loop.run_forever()

    def _call(self, coro: Coroutine[Any, Any, T], timeout: float) -> T:
        assert self._loop is not None
        future: Future[T] = asyncio.run_coroutine_threadsafe(coro, self._loop)
        return future.result(timeout=timeout)

    async def _start_all(self, devices: list[SimDevice], base_port: int) -> dict[str, int]:
        key = load_host_key(self.host_key_path)
        if self.state_dir is not None:
            self.state_dir.mkdir(parents=True, exist_ok=True)
        for device in devices:
            state = STATES.get(device.platform, DeviceState)(device, self.state_dir, self._peer)
            runtime = _Runtime(device, state)
            self._runtimes[device.name] = runtime
            self._by_hostname[device.hostname] = runtime
        for index, device in enumerate(devices):
            runtime = self._runtimes[device.name]
            port = base_port + index if base_port else 0
            if device.fault("down") is not None:
                runtime.reserved = self._reserve(port)
                runtime.port = runtime.reserved.getsockname()[1]
                continue
            runtime.acceptor = await asyncssh.create_server(
                lambda runtime=runtime: _DeviceServer(runtime),
                self.bind,
                port,
                server_host_keys=[key],
                process_factory=runtime.handle,
                encoding="utf-8",
                errors="replace",
                line_editor=False,
                server_version=SERVER_VERSIONS[device.platform],
                login_timeout=60,
                keepalive_interval=0,
                reuse_address=True,
            )
            runtime.port = runtime.acceptor.get_port()
        return self.ports

    def _reserve(self, port: int) -> socket.socket:
        """A bound socket that never listens: connections to its port are refused."""
        sock = socket.socket(socket.AF_INET6 if ":" in self.bind else socket.AF_INET)
        sock.bind((self.bind, port))
        return sock

    def _peer(self, hostname: str) -> DeviceState | None:
        runtime = self._by_hostname.get(hostname)
        if runtime is not None:
            return runtime.state
        for candidate in self._runtimes.values():
            if candidate.state.hostname == hostname:
                return candidate.state
        return None

    async def _stop_all(self) -> None:
        acceptors = []
        for runtime in self._runtimes.values():
            if runtime.reserved is not None:
                runtime.reserved.close()
                runtime.reserved = None
            if runtime.acceptor is not None:
                runtime.acceptor.close()
                acceptors.append(runtime.acceptor)
                runtime.acceptor = None
            for conn in list(runtime.connections):
                conn.abort()
            runtime.state.persist()
        for acceptor in acceptors:
            with contextlib.suppress(Exception):
                await acceptor.wait_closed()
        current = asyncio.current_task()
        pending = [t for t in asyncio.all_tasks() if t is not current]
        for task in pending:
            task.cancel()
        if pending:
            await asyncio.wait(pending, timeout=2)
