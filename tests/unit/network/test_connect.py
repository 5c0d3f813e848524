"""Nornir hosts from the inventory and the lab state: timeouts, credentials, Netmiko params."""

from __future__ import annotations

from pathlib import Path

import pytest

from kentops.inventory.loader import load_inventory
from kentops.lab.state import Endpoint, LabState, write_state
from kentops.network.connect import (
    SecretSource,
    SecretUnavailable,
    Timeouts,
    netmiko_params,
    network_nornir,
    resolve_secret,
)
from tests.helpers import DEMO


@pytest.fixture
def lab_state(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> LabState:
    monkeypatch.setenv("KENTOPS_LAB_DIR", str(tmp_path))
    state = LabState(
        inventory=str(DEMO),
        run_id="test",
        endpoints={
            "hq-sw-core-01": Endpoint("127.0.0.1", 40001, "kentops-lab", "pw1", "pw1"),
            "kultur-sw-01": Endpoint("127.0.0.1", 40002, "kentops-lab", "pw1", "pw1"),
            "hq-cam-01": Endpoint("127.0.0.1", 40003, "admin", "x", service="http"),
        },
        extra={"secrets": {"vault:network_aaa_shared_secret": "lab-radius"}},
    )
    write_state(tmp_path, state)
    return state


def test_lab_hosts_carry_lab_addresses_credentials_and_timeouts(lab_state: LabState) -> None:
    nr = network_nornir(
        load_inventory(DEMO), lab=True, workers=7, timeouts=Timeouts(connect_s=3, command_s=4)
    )
    assert sorted(nr.inventory.hosts) == ["hq-sw-core-01", "kultur-sw-01"]  # no camera
    host = nr.inventory.hosts["kultur-sw-01"]
    assert (host.hostname, host.port, host.username, host.password) == (
        "127.0.0.1",
        40002,
        "kentops-lab",
        "pw1",
    )
    napalm = host.connection_options["napalm"]
    assert napalm.platform == "huawei_vrp"
    assert napalm.extras is not None
    assert napalm.extras["optional_args"]["conn_timeout"] == 3
    assert napalm.extras["optional_args"]["read_timeout_override"] == 4
    assert nr.runner.num_workers == 7  # type: ignore[attr-defined]
    params = netmiko_params(host)
    assert params["device_type"] == "huawei"
    assert params["port"] == 40002
    assert params["auth_timeout"] == 3
    assert params["secret"] == "pw1"


def test_selecting_hosts_and_naming_unknown_ones(lab_state: LabState) -> None:
    loaded = load_inventory(DEMO)
    nr = network_nornir(loaded, lab=True, hosts=["hq-sw-core-01"])
    assert list(nr.inventory.hosts) == ["hq-sw-core-01"]
    with pytest.raises(KeyError, match="hq-sw-k9-01"):
        network_nornir(loaded, lab=True, hosts=["hq-sw-k9-01"])


def test_secret_references_resolve_from_the_lab_then_the_environment(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    source = SecretSource(lab_values={"vault:a": "from-lab"})
    monkeypatch.setenv("KENTOPS_VAULT_b", "from-env-vault")
    monkeypatch.setenv("SNMP_X", "from-env")
    assert resolve_secret("vault:a", source) == "from-lab"
    assert resolve_secret("vault:b", source) == "from-env-vault"
    assert resolve_secret("env:SNMP_X", source) == "from-env"
    assert resolve_secret("plain-value", source) == "plain-value"
    with pytest.raises(SecretUnavailable, match="KENTOPS_VAULT_missing"):
        resolve_secret("vault:missing", source)


def test_timeouts_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("KENTOPS_NET_CONNECT_TIMEOUT", "2.5")
    assert Timeouts.from_env().connect_s == 2.5
    monkeypatch.setenv("KENTOPS_NET_COMMAND_TIMEOUT", "soon")
    with pytest.raises(ValueError, match="KENTOPS_NET_COMMAND_TIMEOUT"):
        Timeouts.from_env()
