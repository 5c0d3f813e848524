"""The Law 5651 chain in the lab, end to end: real Kea on the DHCP host serves real dhclient
clients (through the gateway's relay), Kea's log reaches the collector over syslog (the
baseline role's forwarding), the simulated firewalls log NAT lines to it, the
log5651_collector role files them per source and day, and `kentops log5651 ingest` (the
command of the role's ingest service; the lab host has no systemd, so the test runs it over
the collector's spool) makes them searchable: the client's IP in the middle of its lease
gives its MAC, after its release nobody, and its NAT address and port give it back too."""

from __future__ import annotations

import datetime as dt
import json
import os
import re
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from kentops.lab.hosts.lab import leftovers
from kentops.lab.state import read_state
from tests.helpers import DEMO, REPO, lab_prerequisite
from tests.integration.lab.conftest import VENV_BIN, hosts_prerequisite, kentops

pytestmark = [pytest.mark.slow, pytest.mark.lab, pytest.mark.xdist_group("lab-hosts")]

DHCP = "hq-srv-dhcp-01"
COLLECTOR = "hq-srv-log-01"
SPOOL = "var/log/kentops-5651"


@pytest.fixture(scope="module")
def chain(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Any]]:
    lab_prerequisite(hosts_prerequisite())
    lab_dir = tmp_path_factory.mktemp("log5651-lab")
    env = {**os.environ, "KENTOPS_LAB_DIR": str(lab_dir), "KENTOPS_LAB": "1"}
    env.pop("KENTOPS_LOG5651_ARCHIVE", None)
    started = kentops(
        "lab", "up", str(DEMO), "--only", "hosts,tsa", "--hosts", f"{DHCP},{COLLECTOR}", env=env
    )
    try:
        assert started.returncode == 0, started.stdout + started.stderr
        play = subprocess.run(
            [str(VENV_BIN / "ansible-playbook"), "-i", str(DEMO), "playbooks/log5651.yml"],
            cwd=REPO,
            env=env,
            capture_output=True,
            text=True,
            timeout=900,
            check=False,
        )
        assert play.returncode == 0, play.stdout[-4000:] + play.stderr
        up = kentops("lab", "dhcp", "up", str(DEMO), env=env)
        assert up.returncode == 0, up.stdout + up.stderr
        yield {"env": env, "dir": lab_dir, "archive": tmp_path_factory.mktemp("archive")}
    finally:
        state = read_state(lab_dir)
        if state is not None:
            down = kentops("lab", "down", env=env)
            assert down.returncode == 0, down.stdout + down.stderr
            # the chain's namespaces, bridges, relay and clients go with the lab
            assert leftovers(f"kentops-{state.run_id}") == []


def _client(chain: dict[str, Any], action: str, name: str) -> dict[str, Any]:
    done = kentops("lab", "dhcp", action, str(DEMO), name, "--json", env=chain["env"])
    assert done.returncode == 0, done.stdout + done.stderr
    result: dict[str, Any] = json.loads(done.stdout)
    return result


def _spool(chain: dict[str, Any]) -> Path:
    state = read_state(chain["dir"])
    assert state is not None
    return Path(state.extra["hosts_dir"]) / "hosts" / COLLECTOR / "merged" / SPOOL


def _wait_for_line(chain: dict[str, Any], pattern: str, timeout_s: float = 20.0) -> str:
    """The collector's spool line matching ``pattern`` (rsyslog writes it asynchronously)."""
    deadline = time.monotonic() + timeout_s
    regex = re.compile(pattern)
    while time.monotonic() < deadline:
        for path in sorted(_spool(chain).glob("*/*.log")):
            for line in path.read_text(encoding="utf-8", errors="replace").splitlines():
                if regex.search(line):
                    return line
        time.sleep(0.2)
    listing = {str(p): p.read_text(errors="replace")[-1500:] for p in _spool(chain).glob("*/*")}
    raise AssertionError(f"no line matching {pattern!r} on the collector: {listing}")


def _search(chain: dict[str, Any], *query: str) -> dict[str, Any]:
    done = kentops(
        "log5651", "search", *query, "--archive", str(chain["archive"]), "--json", env=chain["env"]
    )
    assert done.returncode in (0, 1), done.stdout + done.stderr
    answer: dict[str, Any] = json.loads(done.stdout)
    return answer


def _iso(moment: dt.datetime) -> str:
    return moment.astimezone(dt.UTC).isoformat().replace("+00:00", "Z")


def test_a_client_ip_is_answered_by_its_mac_during_its_lease_and_by_nobody_after(
    chain: dict[str, Any],
) -> None:
    status = kentops("lab", "dhcp", "status", str(DEMO), "--json", env=chain["env"])
    clients = {c["name"]: c for c in json.loads(status.stdout)["clients"]}
    pc1, pc3 = clients["lab-pc-1"], clients["lab-pc-3"]

    leased = _client(chain, "lease", "lab-pc-1")["address"]
    lease_start = dt.datetime.now(dt.UTC)
    _client(chain, "lease", "lab-pc-3")
    # Kea's own lines, forwarded by the DHCP host's rsyslog, filed under the DHCP host
    _wait_for_line(chain, rf"{DHCP} kea-dhcp4: .*DHCP4_LEASE_ALLOC .*{pc1['mac']}.*{leased}")
    nat_pc1 = _client(chain, "nat", "lab-pc-1")["line"]
    nat_pc3 = _client(chain, "nat", "lab-pc-3")["line"]
    renewed = _client(chain, "renew", "lab-pc-1")["address"]
    assert renewed == leased
    time.sleep(1.5)
    middle = dt.datetime.now(dt.UTC)
    time.sleep(1.5)
    released = _client(chain, "release", "lab-pc-1")
    assert released["address"] is None
    release_line = _wait_for_line(chain, rf"DHCP4_RELEASE .*{pc1['mac']}.*{leased}")
    after = dt.datetime.now(dt.UTC) + dt.timedelta(seconds=2)
    # the firewalls' NAT lines, filed under each firewall
    fortigate = _wait_for_line(chain, r"hq-fw-01 date=.*srcip=" + re.escape(leased))
    routeros = _wait_for_line(chain, r"kutuphane-rt-01 firewall,info 5651-nat srcnat:")
    assert "transip=" in fortigate and "src-mac " + pc3["mac"] in routeros
    assert nat_pc1 and nat_pc3 and release_line

    # what the role's ingest service runs, over the collector's spool
    files = sorted(str(p) for p in _spool(chain).glob("*/*.log"))
    ingest = kentops(
        "log5651",
        "ingest",
        *files,
        "--archive",
        str(chain["archive"]),
        "--json",
        env=chain["env"],
    )
    assert ingest.returncode == 0, ingest.stdout + ingest.stderr
    report = json.loads(ingest.stdout)
    by_source: dict[str, dict[str, int]] = {}
    for item in report["inputs"]:
        for source, counts in item["sources"].items():
            by_source.setdefault(source, {}).update(counts["events"])
    assert by_source.get(DHCP, {}).get("release", 0) >= 1, report
    assert by_source.get("hq-fw-01", {}).get("nat", 0) >= 1, report
    assert by_source.get("kutuphane-rt-01", {}).get("nat", 0) >= 1, report
    # a second run of the timer's command adds nothing
    again = kentops(
        "log5651",
        "ingest",
        *files,
        "--archive",
        str(chain["archive"]),
        "--json",
        env=chain["env"],
    )
    assert again.returncode == 0, again.stdout + again.stderr
    assert sum(i["records"] for i in json.loads(again.stdout)["inputs"]) == 0
    # the lab's stand-in for the collector's seal timer: the same ingest (nothing new), then
    # seal, which has no complete day yet (today is sealed once it is over)
    timer = kentops(
        "lab", "dhcp", "timer", str(DEMO), "--archive", str(chain["archive"]), env=chain["env"]
    )
    assert timer.returncode == 0, timer.stdout + timer.stderr

    during = _search(chain, "--ip", leased, "--at", _iso(middle))
    assert during["found"], during
    assert during["holder"]["mac"] == pc1["mac"], during
    assert during["holder"]["source"] == DHCP
    assert dt.datetime.fromisoformat(during["holder"]["start"]) <= lease_start + dt.timedelta(
        seconds=1
    )

    gone = _search(chain, "--ip", leased, "--at", _iso(after))
    assert gone["holder"] is None, gone

    # the FortiGate's translation leads back to the same client
    fields = dict(re.findall(r"(\w+)=(\S+)", nat_pc1))
    public = f"{fields['transip']}:{fields['transport']}"
    nat_time = dt.datetime.fromtimestamp(int(fields["eventtime"]) / 1e9, dt.UTC)
    behind = _search(chain, "--nat-ip", public, "--at", _iso(nat_time))
    assert behind["holder"] is not None and behind["holder"]["mac"] == pc1["mac"], behind
