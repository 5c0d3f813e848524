"""The lab's state file: which lab address, port and credentials stand for each inventory host.

Every command that talks to devices reads it when the lab is in use (``--lab`` or
``KENTOPS_LAB=1``); then an inventory host without a lab endpoint is left out, so nothing
ever reaches the inventory's own management addresses.

The lab writes this file and the inventory adapters and collectors read it, so it sits at the
bottom of the package, beside ``yamlsource``: nothing below the lab has to import the lab.
"""

from __future__ import annotations

import hashlib
import json
import os
import tempfile
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

STATE_FILE = "state.json"


@dataclass(frozen=True)
class Endpoint:
    """How to reach one inventory host in the lab."""

    address: str
    port: int
    username: str
    password: str | None = None
    enable_secret: str | None = None
    key_file: str | None = None
    known_hosts: str | None = None
    service: str = "ssh"  # ssh | http | https | sip | provisioning | ldap
    ca_file: str | None = None  # the CA that issued the service's TLS certificate


@dataclass
class LabState:
    inventory: str
    run_id: str
    endpoints: dict[str, Endpoint] = field(default_factory=dict)
    extra: dict[str, Any] = field(default_factory=dict)

    def to_json(self) -> str:
        return json.dumps(asdict(self), indent=2, sort_keys=True)

    @classmethod
    def from_json(cls, text: str) -> LabState:
        raw = json.loads(text)
        endpoints = {k: Endpoint(**v) for k, v in raw.get("endpoints", {}).items()}
        return cls(
            inventory=raw["inventory"],
            run_id=raw["run_id"],
            endpoints=endpoints,
            extra=raw.get("extra", {}),
        )


def lab_dir(inventory_root: Path | None = None) -> Path:
    """Where the lab keeps its state: $KENTOPS_LAB_DIR, else .lab/ at the repository root."""
    env = os.environ.get("KENTOPS_LAB_DIR")
    if env:
        return Path(env)
    if inventory_root is not None:
        return inventory_root.resolve().parent.parent / ".lab"
    return Path.cwd() / ".lab"


def control_dir(known_hosts: str | Path) -> Path:
    """A short, per-lab folder for SSH multiplexing sockets (a socket path must stay short)."""
    digest = hashlib.sha256(str(Path(known_hosts).resolve()).encode()).hexdigest()[:10]
    return Path(tempfile.gettempdir()) / f"kentops-cp-{digest}"


def lab_requested() -> bool:
    return os.environ.get("KENTOPS_LAB", "").lower() in {"1", "true", "yes"}


def read_state(directory: Path) -> LabState | None:
    path = directory / STATE_FILE
    if not path.is_file():
        return None
    return LabState.from_json(path.read_text(encoding="utf-8"))


def write_state(directory: Path, state: LabState) -> Path:
    directory.mkdir(parents=True, exist_ok=True)
    path = directory / STATE_FILE
    tmp = path.with_suffix(".tmp")
    tmp.write_text(state.to_json(), encoding="utf-8")
    tmp.chmod(0o600)  # lab credentials: readable by the owner only
    tmp.replace(path)
    return path
