"""The faults file of `kentops lab up --faults FILE`: which simulated device misbehaves, how.

```yaml
faults:
  - device: hq-sw-k1-01
    kind: down               # down | auth_fail | hang_after_login | slow | reject_command
  - device: kultur-sw-02
    kind: slow
    delay_s: 2.5
  - device: spor-sw-02
    kind: reject_command
    command: write memory
```
"""

from __future__ import annotations

from pathlib import Path

from kentops.lab.netsim.model import FAULT_KINDS, Fault
from kentops.yamlsource import InvalidInput, Problem, load_yaml

_FIELDS = {"device", "kind", "delay_s", "command"}


def load_faults(path: Path, devices: set[str]) -> dict[str, list[Fault]]:
    """Faults per device id; every problem names file and line; raises InvalidInput."""
    doc, problems = load_yaml(path)
    if problems:
        raise InvalidInput(problems)
    out: dict[str, list[Fault]] = {}
    data = doc.data
    if not isinstance(data, dict) or not isinstance(data.get("faults"), list):
        raise InvalidInput(
            [Problem(path, 1, "expected a 'faults:' list", "see kentops lab up --help")]
        )
    for index, item in enumerate(data["faults"]):

        def bad(field: str, message: str, fix: str, i: int = index) -> None:
            problems.append(
                Problem(path, doc.line_of(("faults", i, field)), message, fix, f"fault {i + 1}")
            )

        if not isinstance(item, dict):
            bad("", "each fault must be a mapping", "write '- device: ID' and 'kind: KIND'")
            continue
        unknown = sorted(set(item) - _FIELDS)
        for key in unknown:
            bad(key, f"unknown field '{key}'", f"use: {', '.join(sorted(_FIELDS))}")
        device, kind = item.get("device"), item.get("kind")
        if device not in devices:
            bad(
                "device",
                f"'{device}' is not a network device of the inventory",
                "name a switch, router or wireless controller id",
            )
        if kind not in FAULT_KINDS:
            bad("kind", f"unknown fault kind '{kind}'", f"use one of: {', '.join(FAULT_KINDS)}")
            continue
        delay = item.get("delay_s", 0.0)
        if not isinstance(delay, int | float) or isinstance(delay, bool) or delay < 0:
            bad("delay_s", f"delay_s must be a number of seconds, got {delay!r}", "write e.g. 2.5")
            continue
        command = item.get("command")
        if kind == "reject_command" and not isinstance(command, str):
            bad("kind", "reject_command needs the command to reject", "add 'command: TEXT'")
            continue
        if kind == "slow" and not delay:
            bad("kind", "a slow device needs its delay", "add 'delay_s: SECONDS'")
            continue
        if not unknown and isinstance(device, str):
            out.setdefault(device, []).append(
                Fault(kind=kind, delay_s=float(delay), command=command)
            )
    if problems:
        raise InvalidInput(problems)
    return out
