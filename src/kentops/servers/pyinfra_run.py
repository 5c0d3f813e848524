"""Run one read-only shell script on many hosts in parallel through pyinfra's API.

pyinfra's API wants gevent's monkey patching, which must not leak into the calling
process (pytest, the audit), so this module is a program of its own:
``python -m kentops.servers.pyinfra_run`` reads a JSON request on standard input
(``{"hosts": [[name, data], ...], "script": str, "sudo": bool, "timeout": s}``, host data
as :func:`kentops.inventory.adapters.pyinfra.pyinfra_hosts` gives it) and prints one JSON
object per host as soon as it is done: ``{"host", "connected", "error", "exit_code",
"stdout", "stderr", "seconds"}``. A host that cannot be reached (down, wrong host key,
refused login) is reported with the connector's reason; the others go on.
"""

from __future__ import annotations

from gevent import monkey

monkey.patch_all()

import json  # noqa: E402 - after gevent's patching, as pyinfra requires
import sys  # noqa: E402
import time  # noqa: E402
from typing import Any  # noqa: E402

import gevent  # noqa: E402
from pyinfra.api.command import StringCommand  # noqa: E402
from pyinfra.api.config import Config  # noqa: E402
from pyinfra.api.exceptions import ConnectError  # noqa: E402
from pyinfra.api.inventory import Inventory  # noqa: E402
from pyinfra.api.state import State  # noqa: E402


def _run_host(host: Any, request: dict[str, Any]) -> dict[str, Any]:
    started = time.monotonic()
    result: dict[str, Any] = {"host": host.name, "connected": False, "error": None}
    try:
        host.connect(show_errors=False, raise_exceptions=True)
    except ConnectError as exc:
        result["error"] = str(exc.args[0] if exc.args else exc)
    except Exception as exc:  # noqa: BLE001 - any connector failure is this host's reason
        result["error"] = f"{type(exc).__name__}: {exc}"
    else:
        result["connected"] = True
        try:
            ok, output = host.run_shell_command(
                StringCommand(request["script"]),
                _sudo=bool(request.get("sudo", True)),
                _timeout=int(request.get("timeout", 120)),
            )
            result["exit_code"] = 0 if ok else 1
            result["stdout"] = output.stdout
            result["stderr"] = output.stderr
        except Exception as exc:  # noqa: BLE001 - a dropped session is this host's reason
            result["error"] = f"{type(exc).__name__}: {exc}"
        finally:
            try:
                host.disconnect()
            except Exception as exc:  # noqa: BLE001 - recorded, the result stands
                result["disconnect_error"] = str(exc)
    result["seconds"] = round(time.monotonic() - started, 3)
    return result


def main() -> int:
    request = json.loads(sys.stdin.read())
    names = [(name, data) for name, data in request["hosts"]]
    if not names:
        return 0
    inventory = Inventory((names, {}))  # type: ignore[no-untyped-call]
    config = Config(  # type: ignore[no-untyped-call]
        CONNECT_TIMEOUT=int(request.get("connect_timeout", 10))
    )
    state = State(inventory, config)
    state.print_fact_output = False
    jobs = {gevent.spawn(_run_host, host, request): host for host in inventory}
    for job in gevent.iwait(list(jobs)):
        sys.stdout.write(json.dumps(job.get()) + "\n")
        sys.stdout.flush()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
