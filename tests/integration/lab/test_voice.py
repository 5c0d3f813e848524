"""Voice lab: sipp answering SIP OPTIONS, the OPTIONS client, and phone provisioning over HTTP.

Loopback only. sipp (Debian package sip-tester) is installed by the session fixture when
missing and running as root; without root the sipp tests are skipped unless CI=true.
"""

from __future__ import annotations

import http.client
import json
import os
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from kentops.lab.voice import (
    SIP_USER_AGENT,
    PbxApiServer,
    ProvisioningServer,
    SipResponder,
    sip_options_ping,
    sipp_available,
)

pytestmark = pytest.mark.lab


@pytest.fixture(scope="session")
def sipp() -> None:
    """Make sure sipp is there: install it as root, skip without root, fail under CI."""
    if sipp_available():
        return
    if os.geteuid() != 0:
        if os.environ.get("CI") == "true":
            pytest.fail("sipp is missing and CI=true: run as root or apt-get install sip-tester")
        pytest.skip("sipp is missing and this is not root (apt-get install -y sip-tester)")
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    install = ["apt-get", "-o", "DPkg::Lock::Timeout=300", "install", "-y", "-q", "sip-tester"]
    result = subprocess.run(install, env=env, capture_output=True, text=True, check=False)
    if result.returncode != 0:
        subprocess.run(["apt-get", "update", "-q"], env=env, capture_output=True, check=False)
        result = subprocess.run(install, env=env, capture_output=True, text=True, check=False)
    if result.returncode != 0 or not sipp_available():
        pytest.fail(
            "could not install sipp (apt-get install -y sip-tester): "
            + (result.stderr.strip().splitlines() or ["no output"])[-1]
        )


@pytest.fixture
def responder(sipp: None) -> Iterator[SipResponder]:
    with SipResponder() as running:
        yield running


def free_udp_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


# --- sipp as the PBX ----------------------------------------------------------------------------


def test_sipp_answers_options_with_200_like_asterisk(responder: SipResponder) -> None:
    answer = sip_options_ping("127.0.0.1", responder.port)
    assert answer["status"] == 200
    assert answer["reason"] == "OK"
    headers = answer["headers"]
    assert headers["User-Agent"] == SIP_USER_AGENT == "Asterisk PBX (kentops lab)"
    assert "OPTIONS" in headers["Allow"]
    assert "INVITE" in headers["Allow"]
    assert headers["Supported"]
    assert headers["CSeq"] == "1 OPTIONS"
    assert headers["Via"].startswith("SIP/2.0/UDP 127.0.0.1:")
    assert ";branch=z9hG4bK" in headers["Via"]
    assert ";tag=" in headers["To"]
    assert 0 < answer["rtt_ms"] < 2000


def test_sipp_keeps_answering_every_new_request(responder: SipResponder) -> None:
    call_ids = set()
    for _ in range(25):
        answer = sip_options_ping("127.0.0.1", responder.port, timeout=2.0)
        assert answer["status"] == 200
        call_ids.add(answer["headers"]["Call-ID"])
    assert len(call_ids) == 25


def test_responder_on_a_chosen_port_and_stop_silences_it(sipp: None) -> None:
    port = free_udp_port()
    responder = SipResponder(port=port)
    assert responder.start() == port
    assert responder.running
    assert sip_options_ping("127.0.0.1", port)["status"] == 200
    responder.stop()
    assert not responder.running
    with pytest.raises(TimeoutError):
        sip_options_ping("127.0.0.1", port, timeout=0.3)
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as again:
        again.bind(("127.0.0.1", port))


# --- the OPTIONS client -------------------------------------------------------------------------


def test_no_answer_raises_timeout_within_the_timeout() -> None:
    port = free_udp_port()
    started = time.monotonic()
    with pytest.raises(TimeoutError, match=f"127.0.0.1:{port}"):
        sip_options_ping("127.0.0.1", port, timeout=0.6)
    elapsed = time.monotonic() - started
    assert 0.55 <= elapsed < 1.2


class ScriptedPeer:
    """A UDP peer that answers each received request with a scripted list of datagrams."""

    def __init__(self, answers: list[list[str]]):
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self.sock.bind(("127.0.0.1", 0))
        self.sock.settimeout(5)
        self.port = self.sock.getsockname()[1]
        self.answers = answers
        self.received: list[str] = []
        self.thread = threading.Thread(target=self._run, daemon=True)
        self.thread.start()

    def _run(self) -> None:
        for script in self.answers:
            try:
                data, source = self.sock.recvfrom(65535)
            except OSError:
                return
            request = data.decode()
            self.received.append(request)
            headers = dict(
                line.split(": ", 1) for line in request.split("\r\n")[1:] if ": " in line
            )
            for template in script:
                self.sock.sendto(template.format(**headers).encode(), source)

    def close(self) -> None:
        self.sock.close()
        self.thread.join(timeout=5)


def _answer(status: str, via: str = "{Via}", call_id: str = "{Call-ID}") -> str:
    return (
        f"SIP/2.0 {status}\r\nVia: {via}\r\nFrom: {{From}}\r\nTo: {{To}};tag=peer\r\n"
        f"Call-ID: {call_id}\r\nCSeq: {{CSeq}}\r\nServer: scripted\r\nContent-Length: 0\r\n\r\n"
    )


def test_client_skips_strays_and_provisionals_and_returns_the_final_answer() -> None:
    peer = ScriptedPeer(
        [
            [
                "garbage that is not SIP",
                _answer("200 OK", via="SIP/2.0/UDP 127.0.0.1:1;branch=z9hG4bKother"),
                _answer("200 OK", call_id="someone-else@127.0.0.1"),
                _answer("100 Trying"),
                _answer("486 Busy Here"),
            ]
        ]
    )
    try:
        answer = sip_options_ping("127.0.0.1", peer.port, timeout=2.0)
    finally:
        peer.close()
    assert (answer["status"], answer["reason"]) == (486, "Busy Here")
    assert answer["headers"]["Server"] == "scripted"
    request = peer.received[0]
    first_line, *lines = request.split("\r\n")
    assert first_line == f"OPTIONS sip:127.0.0.1:{peer.port} SIP/2.0"
    names = {line.split(":", 1)[0] for line in lines if ":" in line}
    assert {"Via", "Max-Forwards", "From", "To", "Call-ID", "CSeq", "Contact"} <= names
    assert "CSeq: 1 OPTIONS" in lines
    assert any(
        line.startswith("Via: SIP/2.0/UDP 127.0.0.1:") and "branch=z9hG4bK" in line
        for line in lines
    )


def test_client_retransmits_when_the_first_request_is_lost() -> None:
    peer = ScriptedPeer([[], [_answer("200 OK")]])  # the first copy goes unanswered
    try:
        answer = sip_options_ping("127.0.0.1", peer.port, timeout=2.0)
    finally:
        peer.close()
    assert answer["status"] == 200
    assert len(peer.received) == 2
    assert peer.received[0] == peer.received[1]  # same transaction, same branch
    assert 450 <= answer["rtt_ms"] < 1500  # timer A: the copy leaves after 0.5 s


# --- provisioning -------------------------------------------------------------------------------

PHONE_FILE = (
    "#!version:1.0.0.1\r\n"
    "account.1.enable = 1\r\n"
    "account.1.label = Yazı İşleri 2041\r\n"
    "account.1.sip_server.1.address = pbx.ornek.bel.tr\r\n"
).encode()


@pytest.fixture
def provisioning(tmp_path: Path) -> Iterator[ProvisioningServer]:
    root = tmp_path / "tftpboot"
    root.mkdir()
    (root / "001565aabbcc.cfg").write_bytes(PHONE_FILE)
    (root / "y000000000000.cfg").write_bytes(b"#!version:1.0.0.1\nlang.gui = Turkish\n")
    (tmp_path / "secret.txt").write_text("outside the root\n")
    (root / "escape.cfg").symlink_to(tmp_path / "secret.txt")
    with ProvisioningServer(root) as server:
        yield server


def fetch(
    port: int, path: str, method: str = "GET", agent: str | None = None
) -> tuple[int, bytes, http.client.HTTPResponse]:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
    headers = {"User-Agent": agent} if agent else {}
    connection.request(method, path, headers=headers)  # sent as written: no normalisation
    response = connection.getresponse()
    return response.status, response.read(), response


def test_provisioning_serves_a_phone_file_byte_identical(provisioning: ProvisioningServer) -> None:
    status, body, response = fetch(provisioning.port, "/001565aabbcc.cfg")
    assert status == 200
    assert body == PHONE_FILE
    assert response.headers["Content-Length"] == str(len(PHONE_FILE))
    assert response.headers["Content-Type"] == "text/plain"


@pytest.mark.parametrize(
    "path",
    ["/../etc/passwd", "/%2e%2e/%2e%2e/etc/passwd", "/..%2f..%2fetc/passwd", "/escape.cfg"],
)
def test_provisioning_refuses_to_leave_its_root(
    provisioning: ProvisioningServer, path: str
) -> None:
    status, body, _response = fetch(provisioning.port, path)
    assert status == 403
    assert b"root:" not in body
    assert b"outside the root" not in body


@pytest.mark.parametrize("path", ["/", "/001565aabbcd.cfg", "/.hidden", "/sub/001565aabbcc.cfg"])
def test_provisioning_answers_404_for_anything_else(
    provisioning: ProvisioningServer, path: str
) -> None:
    assert fetch(provisioning.port, path)[0] == 404


def test_provisioning_is_read_only(provisioning: ProvisioningServer) -> None:
    assert fetch(provisioning.port, "/001565aabbcc.cfg", method="PUT")[0] == 405
    assert (provisioning.root / "001565aabbcc.cfg").read_bytes() == PHONE_FILE


def test_provisioning_logs_which_phone_fetched_what(provisioning: ProvisioningServer) -> None:
    agent = "Yealink SIP-T46S 66.86.0.15 00:15:65:aa:bb:cc"
    before = time.time()
    fetch(provisioning.port, "/y000000000000.cfg", agent=agent)
    fetch(provisioning.port, "/001565aabbcc.cfg", agent=agent)
    fetch(provisioning.port, "/001565112233.cfg")
    log = provisioning.requests
    assert [(r.path, r.status, r.mac) for r in log] == [
        ("/y000000000000.cfg", 200, "00:15:65:aa:bb:cc"),
        ("/001565aabbcc.cfg", 200, "00:15:65:aa:bb:cc"),
        ("/001565112233.cfg", 404, "00:15:65:11:22:33"),
    ]
    assert all(before <= r.time <= time.time() and r.client == "127.0.0.1" for r in log)
    assert [r.path for r in provisioning.fetched_by("00-15-65-AA-BB-CC")] == [
        "/y000000000000.cfg",
        "/001565aabbcc.cfg",
    ]
    assert provisioning.fetched_by("001565112233") == []


def test_provisioning_stop_frees_the_port(tmp_path: Path) -> None:
    server = ProvisioningServer(tmp_path)
    port = server.start()
    server.stop()
    with pytest.raises(ConnectionRefusedError):
        socket.create_connection(("127.0.0.1", port), timeout=2).close()


# --- daemon entry point -------------------------------------------------------------------------


def test_voice_daemon_serves_sip_and_provisioning_until_sigterm(sipp: None, tmp_path: Path) -> None:
    root = tmp_path / "phones"
    root.mkdir()
    (root / "001565aabbcc.cfg").write_bytes(PHONE_FILE)
    ports_out = tmp_path / "ports.json"
    requests_log = tmp_path / "requests.jsonl"
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "kentops.lab.voice",
            "serve",
            "--provisioning-root",
            str(root),
            "--ports-out",
            str(ports_out),
            "--requests-log",
            str(requests_log),
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    try:
        deadline = time.monotonic() + 20
        while not ports_out.exists():
            if process.poll() is not None:
                assert process.stderr is not None
                pytest.fail(f"daemon exited {process.returncode}: {process.stderr.read().decode()}")
            assert time.monotonic() < deadline, "the voice daemon did not write its ports file"
            time.sleep(0.05)
        ports = json.loads(ports_out.read_text())
        assert ports["pid"] == process.pid
        assert sip_options_ping("127.0.0.1", ports["sip"])["status"] == 200
        status, body, _response = fetch(ports["provisioning"], "/001565aabbcc.cfg")
        assert (status, body) == (200, PHONE_FILE)
        logged = [json.loads(line) for line in requests_log.read_text().splitlines()]
        assert [(e["path"], e["status"], e["mac"]) for e in logged] == [
            ("/001565aabbcc.cfg", 200, "00:15:65:aa:bb:cc")
        ]
    finally:
        process.send_signal(signal.SIGTERM)
        assert process.wait(timeout=15) == 0
    assert not ports_out.exists()
    with pytest.raises(TimeoutError):
        sip_options_ping("127.0.0.1", ports["sip"], timeout=0.3)


def test_pbx_interface_serves_its_configuration_and_who_is_registered(tmp_path: Path) -> None:
    config = tmp_path / "pbx"
    config.mkdir()
    phones = tmp_path / "phones"
    phones.mkdir()
    (config / "pjsip.conf").write_text(
        "[global]\ntype=global\n[tpl](!)\ntype=endpoint\n"
        "[2041](tpl)\nauth=2041-auth\n[2042](tpl)\nauth=2042-auth\n"
        "[2041-auth]\ntype=auth\n",
        encoding="utf-8",
    )
    (phones / "001565aabbcc.cfg").write_text("account.1.user_name = 2041\n", encoding="utf-8")
    with PbxApiServer(config, phones) as pbx:
        status, body, _response = fetch(pbx.port, "/ari/endpoints/PJSIP")
        assert status == 200
        states = {e["resource"]: e["state"] for e in json.loads(body)}
        assert states == {"2041": "online", "2042": "offline"}
        status, body, _response = fetch(pbx.port, "/config/pjsip.conf")
        assert (status, body) == (200, (config / "pjsip.conf").read_bytes())
        assert fetch(pbx.port, "/config/../phones/001565aabbcc.cfg")[0] == 404
        assert fetch(pbx.port, "/config/missing.conf")[0] == 404
