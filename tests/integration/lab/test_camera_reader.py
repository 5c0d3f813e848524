"""The camera reader and deploy against simulated cameras: lockout-safe logins, the default
password found and replaced, faults reported in bounded time."""

from __future__ import annotations

import socket
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from kentops.inventory.loader import load_inventory
from kentops.inventory.model import Camera
from kentops.lab.cameras import CameraPool, CameraState
from kentops.lab.state import Endpoint
from kentops.network.cameras import (
    CameraTarget,
    Document,
    Settings,
    apply_camera,
    camera_documents,
    fill_secrets,
    read_device,
)
from tests.helpers import DEMO, REPO

VAULT = "Vault1234abc"
SETTINGS = Settings(timeout_s=2.0, device_budget_s=10.0, workers=4)


@pytest.fixture(scope="module")
def camera_asset() -> Camera:
    return load_inventory(DEMO).inventory.cameras[0]


@pytest.fixture
def started() -> Iterator[list[CameraPool]]:
    pools: list[CameraPool] = []
    yield pools
    for pool in pools:
        pool.stop()


def _start(pools: list[CameraPool], password: str, lockout: int = 3) -> tuple[CameraPool, int]:
    pool = CameraPool(lockout_failures=lockout, lockout_seconds=60)
    pools.append(pool)
    ports = pool.start(
        [
            CameraState(
                name="cam",
                model="DS-2CD2347G2-LU",
                firmware="V5.7.15",
                serial="S1",
                mac="c0:56:e3:00:00:01",
                admin_password=password,
                ipv4="10.10.40.100",
                gateway="10.10.40.1",
            )
        ]
    )
    return pool, ports["cam"]


def _target(asset: Camera, port: int, vault: str | None = VAULT) -> CameraTarget:
    return CameraTarget(
        asset=asset,
        endpoint=Endpoint("127.0.0.1", port, "admin", vault, service="http"),
        https=False,
        ca_file=None,
        vault_user="admin",
        vault_password=vault,
        default=("admin", "12345"),
    )


def test_vault_credential_reads_the_camera_with_no_failed_login(
    started: list[CameraPool], camera_asset: Camera
) -> None:
    _, port = _start(started, VAULT)
    read = read_device(_target(camera_asset, port), SETTINGS)
    assert read.error is None and read.state is not None and read.login is not None
    assert read.state.default_password_accepted is False
    assert read.state.read_with == "vault"
    assert read.login.attempts == ["vault credential (admin): accepted"]
    assert read.state.http_plain is True  # read over plain HTTP


def test_factory_password_is_found_with_one_failed_login(
    started: list[CameraPool], camera_asset: Camera
) -> None:
    _, port = _start(started, "12345")
    read = read_device(_target(camera_asset, port), SETTINGS)
    assert read.state is not None and read.login is not None
    assert read.state.default_password_accepted is True
    assert read.login.attempts == [
        "vault credential (admin): refused",
        "vendor default (admin): accepted",
    ]


def test_unknown_password_costs_two_attempts_and_never_locks_the_camera(
    started: list[CameraPool], camera_asset: Camera
) -> None:
    _, port = _start(started, "Other9876xyz", lockout=3)
    read = read_device(_target(camera_asset, port), SETTINGS)
    assert read.state is None
    assert read.error == "neither the vault credential nor the vendor default is accepted"
    # the camera (lockout after 3) still accepts its right password: it was never locked
    good = read_device(_target(camera_asset, port, vault="Other9876xyz"), SETTINGS)
    assert good.error is None


def test_a_locked_camera_gets_no_login_attempt(
    started: list[CameraPool], camera_asset: Camera
) -> None:
    _, port = _start(started, "Other9876xyz", lockout=2)
    read_device(_target(camera_asset, port), SETTINGS)  # two failures: now locked
    read = read_device(_target(camera_asset, port), SETTINGS)
    assert read.login is not None and read.login.attempts == []
    assert read.error is not None and "locks this client out" in read.error


def test_unreachable_and_silent_cameras_fail_in_bounded_time(camera_asset: Camera) -> None:
    with socket.socket() as closed:
        closed.bind(("127.0.0.1", 0))
        port = closed.getsockname()[1]
    read = read_device(_target(camera_asset, port), SETTINGS)
    assert read.error is not None and read.state is None
    with socket.socket() as silent:
        silent.bind(("127.0.0.1", 0))
        silent.listen()
        started = time.monotonic()
        read = read_device(_target(camera_asset, silent.getsockname()[1]), SETTINGS)
        assert time.monotonic() - started < SETTINGS.timeout_s * 3
    assert read.error is not None and "no answer within" in read.error


def test_deploy_replaces_the_factory_password_and_verifies(
    started: list[CameraPool], camera_asset: Camera
) -> None:
    pool, port = _start(started, "12345")
    loaded = load_inventory(DEMO)
    rendered = camera_documents(loaded, REPO / "policies", [camera_asset.id])[camera_asset.id]
    values = {
        "vault:camera_admin_password": VAULT,
        "vault:camera_operator_password": "Oper1234abc",
        "vault:camera_onvif_password": "Onvif1234abc",
    }
    docs = [Document(n, p, fill_secrets(t, values)) for n, p, t in rendered]
    dry = apply_camera(_target(camera_asset, port), docs, commit=False, settings=SETTINGS)
    assert dry.status == "would_change", dry.reason
    assert pool.state("cam").admin_password == "12345"  # a dry run changes nothing
    done = apply_camera(_target(camera_asset, port), docs, commit=True, settings=SETTINGS)
    assert done.status == "changed", done.reason
    assert done.verified is True and done.default_password_replaced is True
    state = pool.state("cam")
    assert state.admin_password == VAULT
    assert state.upnp_enabled is False and state.ezviz_enabled is False
    assert state.time_mode == "NTP"
    again = apply_camera(_target(camera_asset, port), docs, commit=True, settings=SETTINGS)
    assert again.status == "unchanged", [d.differences for d in again.documents]
    read = read_device(_target(camera_asset, port), SETTINGS)
    assert read.state is not None and read.state.default_password_accepted is False


def test_documents_never_carry_a_placeholder_after_filling() -> None:
    loaded = load_inventory(DEMO)
    camera = loaded.inventory.cameras[0].id
    rendered = camera_documents(loaded, Path(REPO / "policies"), [camera])[camera]
    users = next(t for n, _p, t in rendered if n == "users.xml")
    filled = fill_secrets(
        users, {"vault:camera_admin_password": "a<b", "vault:camera_operator_password": "x"}
    )
    assert "{{" not in filled and "a&lt;b" in filled
