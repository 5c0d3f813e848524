"""The kentops command line: parse arguments, call the library, print with rich.

Exit codes (every command): 0 ok, 1 findings or failures, 2 invalid input or usage.
Each feature module offers ``register(app)`` and is listed in ``FEATURES`` below.
"""

from __future__ import annotations

import importlib
import sys

import typer

app = typer.Typer(
    name="kentops",
    help="Infrastructure as code and compliance for a municipal IT directorate.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)


@app.callback()
def _root() -> None:
    """Infrastructure as code and compliance for a municipal IT directorate."""


#: Modules that add commands; each defines ``register(app: typer.Typer) -> None``.
FEATURES: tuple[str, ...] = (
    "kentops.inventory.commands",
    "kentops.lab.commands",
    "kentops.compliance.commands",
    "kentops.render.commands",
    "kentops.policycheck.commands",
    "kentops.servers.commands",
    "kentops.network.commands",
    "kentops.network.change_commands",
    "kentops.network.camera_commands",
    "kentops.log5651.commands",
)
#: Which module a top-level command comes from, so one command imports only its own module
#: (a validate does not pay for the report engine). Commands not listed load every module.
COMMAND_MODULES: dict[str, str] = {
    "validate": "kentops.inventory.commands",
    "schema": "kentops.inventory.commands",
    "inventory": "kentops.inventory.commands",
    "lab": "kentops.lab.commands",
    "audit": "kentops.compliance.commands",
    "duties": "kentops.compliance.commands",
    "render": "kentops.render.commands",
    "policy": "kentops.policycheck.commands",
    "servers": "kentops.servers.commands",
    "backup": "kentops.network.commands",
    "facts": "kentops.network.commands",
    "drift": "kentops.network.change_commands",
    "deploy": "kentops.network.change_commands",
    "cameras": "kentops.network.camera_commands",
    "log5651": "kentops.log5651.commands",
}


def _register_features(command: str | None = None) -> None:
    names = (COMMAND_MODULES[command],) if command in COMMAND_MODULES else FEATURES
    for name in names:
        importlib.import_module(name).register(app)


def main() -> None:
    _register_features(sys.argv[1] if len(sys.argv) > 1 else None)
    try:
        app()
    except KeyboardInterrupt:
        sys.stderr.write("kentops: interrupted\n")
        raise SystemExit(130) from None


if __name__ == "__main__":
    main()
