"""How kentops reaches network devices: one place for hosts, timeouts and credentials.

``network_nornir`` turns the loaded inventory (and, with ``lab=True``, the running lab's
state) into a Nornir object with the threaded runner; every host carries NAPALM and Netmiko
connection options with the same per-device connect and command timeouts. Code that pushes
with Netmiko directly takes ``netmiko_params(host)``.

Credentials: in the lab, the per-run account of ``.lab/state.json``; otherwise the
environment (``KENTOPS_NET_USERNAME``, ``KENTOPS_NET_PASSWORD``, ``KENTOPS_NET_ENABLE_SECRET``),
each of which may itself be a secret reference (``vault:NAME`` or ``env:NAME``) resolved by
``resolve_secret``.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from nornir.core import Nornir
from nornir.core.configuration import Config
from nornir.core.inventory import ConnectionOptions, Defaults, Groups, Host, Hosts, Inventory
from nornir.core.plugins.connections import ConnectionPluginRegister
from nornir.plugins.runners import ThreadedRunner

from kentops.inventory.adapters import NAPALM_DRIVER, NETMIKO_PLATFORM, endpoints
from kentops.inventory.adapters.nornir import nornir_hosts
from kentops.inventory.loader import LoadedInventory
from kentops.inventory.model import Router, Switch, WirelessController
from kentops.lab.state import lab_dir, read_state
from kentops.policy.common import REFERENCE_RE

DEFAULT_WORKERS = 50
DEFAULT_CONNECT_TIMEOUT_S = 10.0
DEFAULT_COMMAND_TIMEOUT_S = 30.0


@dataclass(frozen=True)
class Timeouts:
    """Per-device limits: ``connect_s`` for TCP, SSH banner and login; ``command_s`` for any
    one command's answer. A device that exceeds either fails with the reason, others go on."""

    connect_s: float = DEFAULT_CONNECT_TIMEOUT_S
    command_s: float = DEFAULT_COMMAND_TIMEOUT_S

    @classmethod
    def from_env(cls) -> Timeouts:
        """Defaults, overridden by ``KENTOPS_NET_CONNECT_TIMEOUT`` / ``..._COMMAND_TIMEOUT``."""
        return cls(
            connect_s=_env_float("KENTOPS_NET_CONNECT_TIMEOUT", DEFAULT_CONNECT_TIMEOUT_S),
            command_s=_env_float("KENTOPS_NET_COMMAND_TIMEOUT", DEFAULT_COMMAND_TIMEOUT_S),
        )

    @property
    def device_s(self) -> float:
        """An upper bound for one device's whole session (login plus a few commands)."""
        return self.connect_s * 2 + self.command_s * 3


def _env_float(name: str, default: float) -> float:
    raw = os.environ.get(name)
    if not raw:
        return default
    try:
        value = float(raw)
    except ValueError:
        raise ValueError(f"{name}={raw!r}: expected a number of seconds") from None
    if value <= 0:
        raise ValueError(f"{name}={raw!r}: expected a positive number of seconds")
    return value


class SecretUnavailable(LookupError):
    """A secret reference names a value that is not available here."""


@dataclass
class SecretSource:
    """Resolves ``vault:NAME`` / ``env:NAME`` references to values.

    In the lab, the lab state's own values (``extra["secrets"]``, written by ``lab up``)
    answer first; then ``env:NAME`` reads the environment and ``vault:NAME`` reads the
    environment variable ``KENTOPS_VAULT_NAME`` (how a pipeline hands over vault values).
    """

    lab_values: dict[str, str] = field(default_factory=dict)

    def lookup(self, reference: str) -> str | None:
        if not REFERENCE_RE.match(reference):
            raise ValueError(f"not a secret reference (vault:NAME or env:NAME): {reference!r}")
        if reference in self.lab_values:
            return self.lab_values[reference]
        kind, _, name = reference.partition(":")
        if kind == "env":
            return os.environ.get(name)
        return os.environ.get(f"KENTOPS_VAULT_{name}")

    def require(self, reference: str) -> str:
        value = self.lookup(reference)
        if value is None:
            kind, _, name = reference.partition(":")
            where = name if kind == "env" else f"KENTOPS_VAULT_{name}"
            raise SecretUnavailable(f"{reference}: no value (set the environment variable {where})")
        return value

    def known_values(self) -> list[str]:
        """Every value this source holds itself (the lab's); for leak tests and log scrubbing."""
        return sorted(set(self.lab_values.values()))


def secret_source(loaded: LoadedInventory, lab: bool) -> SecretSource:
    """The secret source of a run: with the lab, its state's values first."""
    if not lab:
        return SecretSource()
    state = read_state(lab_dir(loaded.root))
    values = dict(state.extra.get("secrets", {})) if state is not None else {}
    return SecretSource(lab_values={str(k): str(v) for k, v in values.items()})


def resolve_secret(value: str | None, source: SecretSource | None = None) -> str | None:
    """``value`` itself, or the value it refers to when it is a secret reference."""
    if value is None or not REFERENCE_RE.match(value):
        return value
    return (source or SecretSource()).require(value)


NETWORK_KINDS = (Switch, Router, WirelessController)


def network_nornir(
    loaded: LoadedInventory,
    *,
    lab: bool,
    hosts: Sequence[str] | None = None,
    workers: int = DEFAULT_WORKERS,
    timeouts: Timeouts | None = None,
) -> Nornir:
    """Nornir over the inventory's network devices (``hosts``: only those ids).

    Raises ``KeyError`` naming an id in ``hosts`` that is not a reachable network device.
    """
    limits = timeouts or Timeouts.from_env()
    ConnectionPluginRegister.auto_register()  # napalm and netmiko, from their entry points
    inventory = nornir_hosts(loaded, lab)
    source = secret_source(loaded, lab)
    selected = Hosts()
    if hosts:
        unknown = [h for h in hosts if h not in inventory.hosts]
        if unknown:
            raise KeyError(", ".join(unknown))
    for name, host in inventory.hosts.items():
        if hosts and name not in hosts:
            continue
        _apply_options(host, limits, source)
        selected[name] = host
    groups = Groups({g: inventory.groups[g] for g in inventory.groups})
    config = Config()
    return Nornir(
        inventory=Inventory(hosts=selected, groups=groups, defaults=Defaults()),
        runner=ThreadedRunner(num_workers=max(1, workers)),
        config=config,
    )


def _apply_options(host: Host, limits: Timeouts, source: SecretSource) -> None:
    """Timeouts and resolved credentials on both connection plugins of ``host``."""
    host.password = resolve_secret(host.password, source)
    netmiko = host.connection_options.get("netmiko")
    secret = None
    if netmiko is not None:
        extras = dict(netmiko.extras or {})
        secret = resolve_secret(extras.get("secret"), source)
        extras.update(_netmiko_timeouts(limits))
        if secret is not None:
            extras["secret"] = secret
        netmiko.extras = extras
    napalm = host.connection_options.get("napalm")
    if napalm is not None:
        extras = dict(napalm.extras or {})
        optional = dict(extras.get("optional_args") or {})
        optional.update(_netmiko_timeouts(limits))
        if secret is not None:
            optional["secret"] = secret
        extras["optional_args"] = optional
        extras["timeout"] = int(limits.connect_s)
        napalm.extras = extras
    host.data["timeouts"] = {"connect_s": limits.connect_s, "command_s": limits.command_s}


def _netmiko_timeouts(limits: Timeouts) -> dict[str, Any]:
    return {
        "conn_timeout": limits.connect_s,
        "auth_timeout": limits.connect_s,
        "banner_timeout": limits.connect_s,
        "blocking_timeout": limits.command_s,
        "read_timeout_override": limits.command_s,
        "fast_cli": True,
    }


def netmiko_params(host: Host) -> dict[str, Any]:
    """``netmiko.ConnectHandler(**netmiko_params(host))`` for a host of ``network_nornir``."""
    options: ConnectionOptions | None = host.connection_options.get("netmiko")
    platform = options.platform if options is not None and options.platform else None
    if platform is None:
        platform = NETMIKO_PLATFORM.get(str(host.platform), str(host.platform))
    params: dict[str, Any] = {
        "device_type": platform,
        "host": host.hostname,
        "port": host.port or 22,
        "username": host.username,
        "password": host.password,
    }
    if options is not None and options.extras:
        params.update(options.extras)
    return params


def napalm_driver_name(host: Host) -> str | None:
    options = host.connection_options.get("napalm")
    if options is not None and options.platform:
        return str(options.platform)
    return NAPALM_DRIVER.get(str(host.platform))


def lab_state_dir(loaded: LoadedInventory) -> Path:
    return lab_dir(loaded.root)


def network_device_ids(loaded: LoadedInventory, lab: bool) -> list[str]:
    """The ids of network devices reachable in this setting (in the lab: those it runs)."""
    return sorted(
        asset_id
        for asset_id, target in endpoints(loaded, lab).items()
        if isinstance(target.asset, NETWORK_KINDS)
    )
