"""Run simulated devices as a daemon: ``python -m kentops.lab.netsim serve --spec FILE``.

The spec is a JSON list of devices (see :func:`kentops.lab.netsim.devices_to_json`). Once
every device listens, ``{name: port}`` is written to ``--ports-out``; the process then runs
until SIGTERM or SIGINT, saves each device's state to ``--state-dir``, removes the ports
file and exits 0. Exit code 2: invalid spec or arguments.
"""

from __future__ import annotations

import argparse
import logging
import sys
from pathlib import Path

from kentops.lab.daemon import stop_on_signals, write_json_atomic
from kentops.lab.netsim.model import devices_from_json
from kentops.lab.netsim.server import SimulatorPool

HOST_KEY_NAME = "ssh_host_ed25519_key"


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m kentops.lab.netsim",
        description="Simulated network devices over SSH on loopback.",
    )
    commands = parser.add_subparsers(dest="command", required=True)
    serve = commands.add_parser("serve", help="start devices and run until SIGTERM")
    serve.add_argument("--spec", type=Path, required=True, help="JSON list of devices")
    serve.add_argument("--state-dir", type=Path, required=True, help="running/startup configs")
    serve.add_argument("--ports-out", type=Path, required=True, help="where to write {name: port}")
    serve.add_argument("--host-key", type=Path, help=f"default: STATE_DIR/{HOST_KEY_NAME}")
    serve.add_argument("--bind", default="127.0.0.1", help="loopback address to listen on")
    serve.add_argument("--base-port", type=int, default=0, help="0: free ports")
    return parser


def serve(args: argparse.Namespace) -> int:
    try:
        devices = devices_from_json(args.spec.read_text(encoding="utf-8"))
        pool = SimulatorPool(
            args.host_key or args.state_dir / HOST_KEY_NAME, args.bind, args.state_dir
        )
    except (OSError, ValueError) as exc:
        sys.stderr.write(f"netsim: {exc}\n")
        return 2
    stop = stop_on_signals()
    ports = pool.start(devices, args.base_port)
    try:
        write_json_atomic(args.ports_out, ports, sort_keys=True)
        while not stop.wait(0.2):
            pass
    finally:
        pool.stop()
        args.ports_out.unlink(missing_ok=True)
    return 0


def main(argv: list[str] | None = None) -> int:
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    args = _parser().parse_args(argv)
    if args.command == "serve":
        return serve(args)
    return 2  # pragma: no cover - argparse rejects other commands


if __name__ == "__main__":
    raise SystemExit(main())
