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

#: Modules that add commands; each defines ``register(app: typer.Typer) -> None``.
FEATURES: tuple[str, ...] = (
    "kentops.inventory.commands",
    "kentops.lab.commands",
    "kentops.compliance.commands",
    "kentops.render.commands",
    "kentops.policycheck.commands",
)


def _register_features() -> None:
    for name in FEATURES:
        importlib.import_module(name).register(app)


def main() -> None:
    _register_features()
    try:
        app()
    except KeyboardInterrupt:
        sys.stderr.write("kentops: interrupted\n")
        raise SystemExit(130) from None


if __name__ == "__main__":
    main()
