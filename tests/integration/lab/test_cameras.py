"""Simulated Hikvision cameras: ISAPI resources, digest authentication, lockout, pool life cycle.

Everything runs on 127.0.0.1. Two independent clients are used on purpose: urllib's
HTTPDigestAuthHandler (stdlib) and requests' HTTPDigestAuth, plus a hand-written RFC 7616
digest for the cases a library hides (replayed nonce counts).
"""

from __future__ import annotations

import hashlib
import http.client
import json
import re
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
import xml.etree.ElementTree as ET
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
import requests
from requests.auth import HTTPDigestAuth

from kentops.lab.cameras import FACTORY_ADMIN_PASSWORD, ISAPI_NAMESPACE, CameraPool, CameraState

pytestmark = pytest.mark.lab

NS = f"{{{ISAPI_NAMESPACE}}}"
StartPool = Callable[..., tuple[CameraPool, dict[str, int]]]
STRONG = "Kent-Lab-2026"


def make_camera(name: str = "hq-cam-01", **changes: object) -> CameraState:
    number = int(re.sub(r"\D", "", name) or 0)
    camera = CameraState(
        name=name,
        model="DS-2CD2143G2-I",
        firmware="V5.7.3 build 220112",
        serial=f"DS-2CD2143G2-I20220101AAWRJ{number:08d}",
        mac=f"bc:ad:28:00:{number // 256:02x}:{number % 256:02x}",
    )
    for key, value in changes.items():
        setattr(camera, key, value)
    return camera


@pytest.fixture
def start_pool() -> Iterator[StartPool]:
    pools: list[CameraPool] = []

    def start(
        cameras: list[CameraState] | None = None, **options: Any
    ) -> tuple[CameraPool, dict[str, int]]:
        pool = CameraPool(**options)
        pools.append(pool)
        ports = pool.start(cameras or [make_camera()])
        return pool, ports

    yield start
    for pool in pools:
        pool.stop()


Camera = tuple[CameraPool, "Isapi"]


@pytest.fixture
def camera(start_pool: StartPool) -> Camera:
    """A pool of the one default camera (hq-cam-01) and an admin ISAPI session to it."""
    pool, ports = start_pool()
    return pool, Isapi(ports["hq-cam-01"])


class Isapi:
    """A requests session speaking to one simulated camera."""

    def __init__(self, port: int, user: str = "admin", password: str = FACTORY_ADMIN_PASSWORD):
        self.base = f"http://127.0.0.1:{port}"
        self.session = requests.Session()
        self.session.auth = HTTPDigestAuth(user, password)

    def get(self, path: str) -> tuple[int, ET.Element | None]:
        response = self.session.get(self.base + path, timeout=5)
        return response.status_code, _xml(response.content)

    def put(self, path: str, body: str) -> tuple[int, ET.Element | None]:
        response = self.session.put(self.base + path, data=body.encode(), timeout=5)
        return response.status_code, _xml(response.content)

    def post(self, path: str, body: str) -> tuple[int, ET.Element | None]:
        response = self.session.post(self.base + path, data=body.encode(), timeout=5)
        return response.status_code, _xml(response.content)


def _xml(content: bytes) -> ET.Element | None:
    return ET.fromstring(content) if content else None


def text(root: ET.Element | None, path: str) -> str | None:
    assert root is not None
    found = root.find("/".join(NS + part for part in path.split("/")))
    return None if found is None else found.text


def status_of(root: ET.Element | None) -> tuple[str | None, str | None, str | None]:
    assert root is not None
    assert root.tag == NS + "ResponseStatus"
    return text(root, "statusCode"), text(root, "statusString"), text(root, "subStatusCode")


# --- authentication ---------------------------------------------------------------------------


def test_urllib_digest_client_reads_device_info(start_pool: StartPool) -> None:
    _pool, ports = start_pool()
    base = f"http://127.0.0.1:{ports['hq-cam-01']}"
    passwords = urllib.request.HTTPPasswordMgrWithDefaultRealm()
    passwords.add_password(None, base, "admin", FACTORY_ADMIN_PASSWORD)
    opener = urllib.request.build_opener(urllib.request.HTTPDigestAuthHandler(passwords))
    with opener.open(base + "/ISAPI/System/deviceInfo", timeout=5) as response:
        assert response.status == 200
        assert response.headers["Content-Type"].startswith("application/xml")
        root = ET.fromstring(response.read())
    assert root.tag == NS + "DeviceInfo"
    assert text(root, "deviceType") == "IPCamera"


def test_urllib_digest_client_with_wrong_password_gets_401(start_pool: StartPool) -> None:
    _pool, ports = start_pool()
    base = f"http://127.0.0.1:{ports['hq-cam-01']}"
    passwords = urllib.request.HTTPPasswordMgrWithDefaultRealm()
    passwords.add_password(None, base, "admin", "wrong-password")
    opener = urllib.request.build_opener(urllib.request.HTTPDigestAuthHandler(passwords))
    with pytest.raises(urllib.error.HTTPError) as caught:
        opener.open(base + "/ISAPI/System/deviceInfo", timeout=5)
    assert caught.value.code == 401


def test_unauthenticated_request_gets_an_md5_qop_auth_challenge(start_pool: StartPool) -> None:
    _pool, ports = start_pool()
    connection = http.client.HTTPConnection("127.0.0.1", ports["hq-cam-01"], timeout=5)
    connection.request("GET", "/ISAPI/System/deviceInfo")
    response = connection.getresponse()
    body = response.read()
    assert response.status == 401
    challenge = response.headers["WWW-Authenticate"]
    assert challenge.startswith("Digest ")
    assert 'qop="auth"' in challenge
    assert "algorithm=MD5" in challenge
    assert re.search(r'nonce="[0-9a-f]{32}"', challenge)
    assert status_of(ET.fromstring(body)) == ("4", "Invalid Operation", "badAuthorization")


def test_requests_digest_client_with_wrong_password_or_user_gets_401(start_pool: StartPool) -> None:
    _pool, ports = start_pool()
    assert Isapi(ports["hq-cam-01"]).get("/ISAPI/System/deviceInfo")[0] == 200
    assert Isapi(ports["hq-cam-01"], password="54321").get("/ISAPI/System/deviceInfo")[0] == 401
    assert Isapi(ports["hq-cam-01"], user="root").get("/ISAPI/System/deviceInfo")[0] == 401


def _digest_header(challenge: str, user: str, password: str, uri: str, nc: int) -> str:
    fields = dict(re.findall(r'(\w+)="?([^",]*)"?', challenge))
    ha1 = hashlib.md5(f"{user}:{fields['realm']}:{password}".encode()).hexdigest()
    ha2 = hashlib.md5(f"GET:{uri}".encode()).hexdigest()
    cnonce = "0a4f113b"
    answer = hashlib.md5(
        f"{ha1}:{fields['nonce']}:{nc:08x}:{cnonce}:auth:{ha2}".encode()
    ).hexdigest()
    return (
        f'Digest username="{user}", realm="{fields["realm"]}", nonce="{fields["nonce"]}", '
        f'uri="{uri}", qop=auth, nc={nc:08x}, cnonce="{cnonce}", response="{answer}", '
        "algorithm=MD5"
    )


def test_hand_computed_digest_works_and_a_replayed_nonce_count_is_stale(
    start_pool: StartPool,
) -> None:
    _pool, ports = start_pool()
    uri = "/ISAPI/System/time"
    connection = http.client.HTTPConnection("127.0.0.1", ports["hq-cam-01"], timeout=5)
    connection.request("GET", uri)
    first = connection.getresponse()
    first.read()
    challenge = first.headers["WWW-Authenticate"]

    header = _digest_header(challenge, "admin", FACTORY_ADMIN_PASSWORD, uri, nc=1)
    connection.request("GET", uri, headers={"Authorization": header})
    accepted = connection.getresponse()
    assert accepted.status == 200
    assert ET.fromstring(accepted.read()).tag == NS + "Time"

    connection.request("GET", uri, headers={"Authorization": header})  # same nc again
    replayed = connection.getresponse()
    replayed.read()
    assert replayed.status == 401
    assert 'stale="TRUE"' in replayed.headers["WWW-Authenticate"]

    header = _digest_header(challenge, "admin", FACTORY_ADMIN_PASSWORD, uri, nc=2)
    connection.request("GET", uri, headers={"Authorization": header})
    next_count = connection.getresponse()
    next_count.read()
    assert next_count.status == 200


def test_lockout_after_five_failures_refuses_even_the_right_password(start_pool: StartPool) -> None:
    assert CameraPool().lockout_failures == 5
    assert CameraPool().lockout_seconds == 30.0
    _pool, ports = start_pool(lockout_seconds=1.0)
    port = ports["hq-cam-01"]
    right = Isapi(port)
    for _ in range(4):
        assert Isapi(port, password="guess").get("/ISAPI/System/deviceInfo")[0] == 401
    assert right.get("/ISAPI/System/deviceInfo")[0] == 200  # a success clears the count

    for _ in range(5):
        assert Isapi(port, password="guess").get("/ISAPI/System/deviceInfo")[0] == 401
    status, body = Isapi(port).get("/ISAPI/System/deviceInfo")
    assert status == 401
    assert text(body, "lockStatus") == "lock"
    assert text(body, "unlockTime") == "1"

    time.sleep(1.1)
    assert Isapi(port).get("/ISAPI/System/deviceInfo")[0] == 200


def test_lockout_threshold_is_configurable(start_pool: StartPool) -> None:
    _pool, ports = start_pool(lockout_failures=2, lockout_seconds=30.0)
    port = ports["hq-cam-01"]
    for _ in range(2):
        assert Isapi(port, password="guess").get("/ISAPI/System/deviceInfo")[0] == 401
    assert Isapi(port).get("/ISAPI/System/deviceInfo")[0] == 401


# --- resources --------------------------------------------------------------------------------


def test_device_info_reports_the_camera_identity(start_pool: StartPool) -> None:
    camera = make_camera("hq-cam-07")
    _pool, ports = start_pool([camera])
    status, root = Isapi(ports["hq-cam-07"]).get("/ISAPI/System/deviceInfo")
    assert status == 200
    assert root is not None
    assert root.tag == NS + "DeviceInfo"
    assert root.get("version") == "2.0"
    assert text(root, "deviceName") == "hq-cam-07"
    assert text(root, "model") == "DS-2CD2143G2-I"
    assert text(root, "serialNumber") == camera.serial
    assert text(root, "macAddress") == camera.mac
    assert text(root, "firmwareVersion") == "V5.7.3 build 220112"
    assert text(root, "deviceType") == "IPCamera"


def test_put_ntp_server_by_host_name_then_get_returns_it(camera: Camera) -> None:
    pool, isapi = camera
    assert len(isapi.get("/ISAPI/System/time/ntpServers")[1] or []) == 0
    body = f"""<?xml version="1.0" encoding="UTF-8"?>
<NTPServerList version="2.0" xmlns="{ISAPI_NAMESPACE}">
  <NTPServer>
    <id>1</id>
    <addressingFormatType>hostname</addressingFormatType>
    <hostName>ntp.ornek.bel.tr</hostName>
    <portNo>123</portNo>
    <synchronizeInterval>60</synchronizeInterval>
  </NTPServer>
</NTPServerList>"""
    status, answer = isapi.put("/ISAPI/System/time/ntpServers", body)
    assert status == 200
    assert status_of(answer) == ("1", "OK", "ok")
    assert text(answer, "requestURL") == "/ISAPI/System/time/ntpServers"

    status, root = isapi.get("/ISAPI/System/time/ntpServers")
    assert status == 200
    assert text(root, "NTPServer/addressingFormatType") == "hostname"
    assert text(root, "NTPServer/hostName") == "ntp.ornek.bel.tr"
    assert text(root, "NTPServer/synchronizeInterval") == "60"
    state = pool.state("hq-cam-01")
    assert (state.ntp_server, state.ntp_interval_min) == ("ntp.ornek.bel.tr", 60)


def test_put_ntp_server_by_address_without_namespace_then_get_single(camera: Camera) -> None:
    _pool, isapi = camera
    body = (
        "<NTPServer><id>1</id><addressingFormatType>ipaddress</addressingFormatType>"
        "<ipAddress>10.10.0.5</ipAddress><portNo>1123</portNo></NTPServer>"
    )
    assert isapi.put("/ISAPI/System/time/ntpServers/1", body)[0] == 200
    status, root = isapi.get("/ISAPI/System/time/ntpServers/1")
    assert status == 200
    assert text(root, "ipAddress") == "10.10.0.5"
    assert text(root, "portNo") == "1123"
    assert text(root, "synchronizeInterval") == "1440"  # untouched when not sent


def test_put_time_sets_mode_and_istanbul_time_zone(camera: Camera) -> None:
    pool, isapi = camera
    body = "<Time><timeMode>NTP</timeMode><timeZone>CST-3:00:00</timeZone></Time>"
    assert isapi.put("/ISAPI/System/time", body)[0] == 200
    _status, root = isapi.get("/ISAPI/System/time")
    assert (text(root, "timeMode"), text(root, "timeZone")) == ("NTP", "CST-3:00:00")
    assert pool.state("hq-cam-01").time_mode == "NTP"
    bad = "<Time><timeMode>GPS</timeMode></Time>"
    status, answer = isapi.put("/ISAPI/System/time", bad)
    assert status == 400
    assert status_of(answer) == ("6", "Invalid XML Content", "badParameters")


def test_change_admin_password_then_the_old_one_fails(start_pool: StartPool) -> None:
    pool, ports = start_pool()
    port = ports["hq-cam-01"]
    body = (
        f'<User version="2.0" xmlns="{ISAPI_NAMESPACE}"><id>1</id><userName>admin</userName>'
        f"<password>{STRONG}</password><userLevel>Administrator</userLevel></User>"
    )
    status, answer = Isapi(port).put("/ISAPI/Security/users/1", body)
    assert status == 200
    assert status_of(answer) == ("1", "OK", "ok")
    assert Isapi(port).get("/ISAPI/System/deviceInfo")[0] == 401
    assert Isapi(port, password=STRONG).get("/ISAPI/System/deviceInfo")[0] == 200
    assert pool.state("hq-cam-01").admin_password == STRONG


def test_a_weak_password_is_refused_and_nothing_changes(start_pool: StartPool) -> None:
    pool, ports = start_pool()
    body = (
        "<User><id>1</id><userName>admin</userName><password>123456</password>"
        "<userLevel>Administrator</userLevel></User>"
    )
    status, answer = Isapi(ports["hq-cam-01"]).put("/ISAPI/Security/users/1", body)
    assert status == 400
    assert status_of(answer) == ("6", "Invalid XML Content", "riskPassword")
    assert pool.state("hq-cam-01").admin_password == FACTORY_ADMIN_PASSWORD


def test_users_never_show_passwords_and_put_list_replaces_users(start_pool: StartPool) -> None:
    pool, ports = start_pool()
    port = ports["hq-cam-01"]
    admin = Isapi(port)
    created = (
        "<User><userName>operator1</userName><password>Oper-2026x</password>"
        "<userLevel>Operator</userLevel></User>"
    )
    assert admin.post("/ISAPI/Security/users", created)[0] == 200
    status, users = admin.get("/ISAPI/Security/users")
    assert status == 200
    assert users is not None
    names = [u.findtext(NS + "userName") for u in users.findall(NS + "User")]
    assert names == ["admin", "operator1"]
    assert users.find(f".//{NS}password") is None

    operator = Isapi(port, user="operator1", password="Oper-2026x")
    assert operator.get("/ISAPI/System/deviceInfo")[0] == 200
    status, answer = operator.put(
        "/ISAPI/System/Network/UPnP", "<UPnP><enabled>false</enabled></UPnP>"
    )
    assert status == 403
    assert status_of(answer) == ("4", "Invalid Operation", "lowPrivilege")
    assert operator.get("/ISAPI/Security/users")[0] == 403

    only_admin = (
        "<UserList><User><id>1</id><userName>admin</userName>"
        "<userLevel>Administrator</userLevel></User></UserList>"
    )
    assert admin.put("/ISAPI/Security/users", only_admin)[0] == 200
    assert [u["userName"] for u in pool.state("hq-cam-01").users] == ["admin"]
    assert Isapi(port, user="operator1", password="Oper-2026x").get("/ISAPI/System/time")[0] == 401


@pytest.mark.parametrize(
    ("resource", "root_tag", "attribute"),
    [
        ("UPnP", "UPnP", "upnp_enabled"),
        ("EZVIZ", "EZVIZ", "ezviz_enabled"),
        ("telnetd", "Telnetd", "telnet_enabled"),
        ("ssh", "SSH", "ssh_enabled"),
    ],
)
def test_network_service_toggles(
    start_pool: StartPool, resource: str, root_tag: str, attribute: str
) -> None:
    pool, ports = start_pool()
    isapi = Isapi(ports["hq-cam-01"])
    path = f"/ISAPI/System/Network/{resource}"
    for wanted in (True, False):
        flag = str(wanted).lower()
        opening = f'<{root_tag} version="2.0" xmlns="{ISAPI_NAMESPACE}">'
        body = f"{opening}<enabled>{flag}</enabled></{root_tag}>"
        status, answer = isapi.put(path, body)
        assert status == 200
        assert status_of(answer)[0] == "1"
        status, root = isapi.get(path)
        assert root is not None
        assert root.tag == NS + root_tag
        assert text(root, "enabled") == str(wanted).lower()
        assert getattr(pool.state("hq-cam-01"), attribute) is wanted


def test_onvif_switch_and_onvif_users(camera: Camera) -> None:
    pool, isapi = camera
    body = "<Integrate><ONVIF><enable>true</enable></ONVIF></Integrate>"
    assert isapi.put("/ISAPI/System/Network/Integrate", body)[0] == 200
    assert text(isapi.get("/ISAPI/System/Network/Integrate")[1], "ONVIF/enable") == "true"
    users = (
        "<UserList><User><id>1</id><userName>nvr</userName><password>Nvr-pass-01</password>"
        "<userType>mediaUser</userType></User></UserList>"
    )
    assert isapi.put("/ISAPI/Security/ONVIF/users", users)[0] == 200
    status, root = isapi.get("/ISAPI/Security/ONVIF/users")
    assert status == 200
    assert text(root, "User/userName") == "nvr"
    assert text(root, "User/userType") == "mediaUser"
    assert root is not None
    assert root.find(f".//{NS}password") is None
    state = pool.state("hq-cam-01")
    assert state.onvif_enabled is True
    assert state.onvif_users == [{"id": 1, "userName": "nvr", "userType": "mediaUser"}]


def test_ip_address_change_answers_reboot_required(camera: Camera) -> None:
    pool, isapi = camera
    body = (
        "<IPAddress><ipVersion>v4</ipVersion><addressingType>static</addressingType>"
        "<ipAddress>10.20.30.41</ipAddress><subnetMask>255.255.255.0</subnetMask>"
        "<DefaultGateway><ipAddress>10.20.30.1</ipAddress></DefaultGateway></IPAddress>"
    )
    status, answer = isapi.put("/ISAPI/System/Network/interfaces/1/ipAddress", body)
    assert status == 200
    assert status_of(answer) == ("7", "Reboot Required", "rebootRequired")
    assert isapi.put("/ISAPI/System/Network/interfaces/1/ipAddress", body)[1] is not None
    _status, root = isapi.get("/ISAPI/System/Network/interfaces/1/ipAddress")
    assert text(root, "ipAddress") == "10.20.30.41"
    assert text(root, "DefaultGateway/ipAddress") == "10.20.30.1"
    state = pool.state("hq-cam-01")
    assert (state.ipv4, state.netmask, state.gateway) == (
        "10.20.30.41",
        "255.255.255.0",
        "10.20.30.1",
    )
    outside = body.replace("10.20.30.1<", "10.99.0.1<")
    assert isapi.put("/ISAPI/System/Network/interfaces/1/ipAddress", outside)[0] == 400


def test_same_ip_address_again_answers_plain_ok(camera: Camera) -> None:
    _pool, isapi = camera
    body = (
        "<IPAddress><addressingType>static</addressingType><ipAddress>192.168.1.64</ipAddress>"
        "<subnetMask>255.255.255.0</subnetMask></IPAddress>"
    )
    assert status_of(isapi.put("/ISAPI/System/Network/interfaces/1/ipAddress", body)[1])[0] == "1"


def test_bad_xml_and_wrong_content_get_400_with_isapi_status(camera: Camera) -> None:
    pool, isapi = camera
    status, answer = isapi.put("/ISAPI/System/Network/UPnP", "<UPnP><enabled>false</UPnP")
    assert status == 400
    assert status_of(answer) == ("5", "Invalid XML Format", "badXmlFormat")

    status, answer = isapi.put("/ISAPI/System/Network/UPnP", "<SSH><enabled>false</enabled></SSH>")
    assert status == 400
    assert status_of(answer) == ("6", "Invalid XML Content", "badXmlContent")

    status, answer = isapi.put(
        "/ISAPI/System/Network/UPnP", "<UPnP><enabled>maybe</enabled></UPnP>"
    )
    assert status == 400
    assert status_of(answer) == ("6", "Invalid XML Content", "badParameters")

    entity = '<!DOCTYPE x [<!ENTITY a "aaaa">]><UPnP><enabled>&a;</enabled></UPnP>'
    assert isapi.put("/ISAPI/System/Network/UPnP", entity)[0] == 400
    assert pool.state("hq-cam-01").upnp_enabled is True


def test_unknown_resource_and_method_get_isapi_errors(camera: Camera) -> None:
    _pool, isapi = camera
    status, answer = isapi.get("/ISAPI/ContentMgmt/record/tracks")
    assert status == 404
    assert status_of(answer) == ("4", "Invalid Operation", "notSupport")
    status, answer = isapi.post("/ISAPI/System/deviceInfo", "<DeviceInfo/>")
    assert status == 405
    assert status_of(answer) == ("4", "Invalid Operation", "methodNotAllowed")


# --- pool life cycle ----------------------------------------------------------------------------


def test_thirty_cameras_start_and_each_answers_as_itself(start_pool: StartPool) -> None:
    cameras = [make_camera(f"cam-{i:02d}", recording_nvr="hq-nvr-01") for i in range(1, 31)]
    started = time.monotonic()
    pool, ports = start_pool(cameras)
    assert time.monotonic() - started < 5
    assert len(set(ports.values())) == 30
    for camera in cameras:
        status, root = Isapi(ports[camera.name]).get("/ISAPI/System/deviceInfo")
        assert status == 200
        assert text(root, "serialNumber") == camera.serial
    assert pool.state("cam-30").recording_nvr == "hq-nvr-01"


def test_stop_frees_ports_even_with_an_idle_keep_alive_connection(start_pool: StartPool) -> None:
    cameras = [make_camera(f"cam-{i}") for i in range(1, 4)]
    pool, ports = start_pool(cameras)
    idle = Isapi(ports["cam-1"])
    assert idle.get("/ISAPI/System/deviceInfo")[0] == 200  # leaves a kept-alive connection

    started = time.monotonic()
    pool.stop()
    assert time.monotonic() - started < 3
    for port in ports.values():
        with pytest.raises(ConnectionRefusedError):
            socket.create_connection(("127.0.0.1", port), timeout=2).close()
        with socket.socket() as again:
            again.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            again.bind(("127.0.0.1", port))


def test_pool_refuses_duplicate_names_and_unknown_state() -> None:
    pool = CameraPool()
    with pytest.raises(ValueError, match="duplicate"):
        pool.start([make_camera("a-1"), make_camera("a-1")])
    with pytest.raises(KeyError):
        pool.state("a-1")


def test_spec_validation_names_the_problem() -> None:
    good = make_camera().to_dict()
    assert CameraState.from_dict(good) == make_camera()
    with pytest.raises(ValueError, match="unknown camera field"):
        CameraState.from_dict({**good, "colour": "white"})
    with pytest.raises(ValueError, match="upnp_enabled"):
        CameraState.from_dict({**good, "upnp_enabled": "yes"})
    with pytest.raises(ValueError, match="user_passwords"):
        CameraState.from_dict(
            {
                **good,
                "users": [*good["users"], {"id": 2, "userName": "op", "userLevel": "Operator"}],
            }
        )


def test_state_dir_records_every_change(start_pool: StartPool, tmp_path: Path) -> None:
    _pool, ports = start_pool(state_dir=tmp_path)
    saved = json.loads((tmp_path / "hq-cam-01.json").read_text())
    assert saved["telnet_enabled"] is False
    Isapi(ports["hq-cam-01"]).put(
        "/ISAPI/System/Network/telnetd", "<Telnetd><enabled>true</enabled></Telnetd>"
    )
    saved = json.loads((tmp_path / "hq-cam-01.json").read_text())
    assert saved["telnet_enabled"] is True


# --- daemon entry point -------------------------------------------------------------------------


def _serve_command(spec: Path, ports_out: Path, *options: str) -> list[str]:
    """``python -m kentops.lab.cameras serve`` for ``spec``, writing its ports to ``ports_out``."""
    return [
        sys.executable,
        "-m",
        "kentops.lab.cameras",
        "serve",
        "--spec",
        str(spec),
        "--ports-out",
        str(ports_out),
        *options,
    ]


def _serve(spec: Path, ports_out: Path, state_dir: Path) -> subprocess.Popen[bytes]:
    return subprocess.Popen(
        _serve_command(spec, ports_out, "--state-dir", str(state_dir)),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )


def _stop_cleanly(process: subprocess.Popen[bytes]) -> None:
    """SIGTERM, then the daemon must exit 0 within 10 s."""
    process.send_signal(signal.SIGTERM)
    assert process.wait(timeout=10) == 0


def _wait_for(path: Path, process: subprocess.Popen[bytes]) -> dict[str, Any]:
    deadline = time.monotonic() + 20
    while not path.exists():
        if process.poll() is not None:
            assert process.stderr is not None
            pytest.fail(f"daemon exited {process.returncode}: {process.stderr.read().decode()}")
        assert time.monotonic() < deadline, "daemon did not write its ports file"
        time.sleep(0.05)
    ports: dict[str, Any] = json.loads(path.read_text())
    return ports


def test_daemon_serves_until_sigterm_and_keeps_state_across_restarts(tmp_path: Path) -> None:
    spec = tmp_path / "spec.json"
    spec.write_text(json.dumps({"cameras": [make_camera("depo-cam-01").to_dict()]}))
    ports_out = tmp_path / "ports.json"
    state_dir = tmp_path / "state"

    process = _serve(spec, ports_out, state_dir)
    try:
        ports = _wait_for(ports_out, process)
        assert ports["pid"] == process.pid
        port = ports["cameras"]["depo-cam-01"]
        assert (
            Isapi(port).put("/ISAPI/System/Network/UPnP", "<UPnP><enabled>false</enabled></UPnP>")[
                0
            ]
            == 200
        )
    finally:
        _stop_cleanly(process)
    assert not ports_out.exists()
    assert json.loads((state_dir / "depo-cam-01.json").read_text())["upnp_enabled"] is False

    process = _serve(spec, ports_out, state_dir)
    try:
        port = _wait_for(ports_out, process)["cameras"]["depo-cam-01"]
        _status, root = Isapi(port).get("/ISAPI/System/Network/UPnP")
        assert text(root, "enabled") == "false"
    finally:
        _stop_cleanly(process)


def test_daemon_rejects_an_invalid_spec_with_exit_code_2(tmp_path: Path) -> None:
    spec = tmp_path / "spec.json"
    spec.write_text(json.dumps({"cameras": [{"name": "x"}]}))
    result = subprocess.run(
        _serve_command(spec, tmp_path / "p.json"),
        check=False,
        capture_output=True,
        text=True,
        timeout=30,
    )
    assert result.returncode == 2
    assert "cameras[0]" in result.stderr
    assert "missing camera field" in result.stderr
