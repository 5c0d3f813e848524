"""Real Debian lab hosts: SSH, sudo, Ansible and pyinfra reach them; down() leaves nothing.

Needs root (network namespaces, mounts) and debootstrap. Without root the tests skip,
except under CI=true where a missing prerequisite is a failure. The image is built at
most once per session into $KENTOPS_LAB_CACHE (default ~/.cache/kentops/lab), so later
runs reuse it.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import textwrap
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from kentops.lab.hosts import (
    PACKAGES,
    HostLab,
    HostSpec,
    LabError,
    LabHost,
    ensure_image,
    image_key,
    leftovers,
    prerequisites,
    run_leftovers,
)
from kentops.lab.hosts.image import ImageError, debian_mirror
from kentops.lab.hosts.mounts import mounts_under
from kentops.lab.hosts.packages import CANARY, CANARY_INSTALLED, CANARY_UPDATE

pytestmark = [pytest.mark.slow, pytest.mark.lab, pytest.mark.xdist_group("lab-hosts")]

SPECS = [
    HostSpec("hq-srv-web-01", "web01.ornek.bel.tr"),
    HostSpec("hq-srv-db-01", "db01"),
    HostSpec("hq-srv-log-01", "log01"),
]
BIN = Path(sys.executable).parent


def _cache_dir() -> Path:
    return Path(os.environ.get("KENTOPS_LAB_CACHE", "~/.cache/kentops/lab")).expanduser()


@pytest.fixture(scope="session")
def lab_image() -> Path:
    """The cached image; built here at most once per session (later sessions reuse it)."""
    problems = prerequisites()
    if problems:
        if os.geteuid() != 0 and os.environ.get("CI") != "true":
            pytest.skip("lab hosts need root: " + "; ".join(problems))
        pytest.fail("lab hosts cannot run: " + "; ".join(problems))
    return ensure_image(_cache_dir())


@pytest.fixture(scope="module")
def lab(lab_image: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[HostLab]:
    state = tmp_path_factory.mktemp("hostlab")
    host_lab = HostLab(state, lab_image.parent.parent)
    host_lab.up(SPECS)
    try:
        yield host_lab
    finally:
        host_lab.down()
    assert run_leftovers(host_lab.run_id) == []


@pytest.fixture(scope="module")
def hosts(lab: HostLab) -> list[LabHost]:
    return lab.status()


def _ssh(lab: HostLab, host: LabHost, *command: str, user: str = "kentops") -> str:
    argv = [
        "ssh",
        "-o",
        "StrictHostKeyChecking=yes",
        "-o",
        f"UserKnownHostsFile={lab.known_hosts_path}",
        "-o",
        "BatchMode=yes",
        "-o",
        "IdentitiesOnly=yes",
        "-i",
        str(lab.key_path),
        f"{user}@{host.address}",
        *command,
    ]
    result = subprocess.run(argv, capture_output=True, text=True, timeout=60, check=False)
    assert result.returncode == 0, result.stderr
    return result.stdout


# ----------------------------------------------------------------------------- image


def test_image_is_built_once_and_then_reused(lab_image: Path) -> None:
    meta = lab_image.parent / "image.json"
    built = meta.stat().st_mtime_ns
    started = time.monotonic()
    again = ensure_image(lab_image.parent.parent)
    assert again == lab_image
    assert time.monotonic() - started < 1.0
    assert meta.stat().st_mtime_ns == built
    assert lab_image.parent.name == image_key(PACKAGES)
    # No secrets shared between hosts, and services manageable without systemd.
    assert not list((lab_image / "etc/ssh").glob("ssh_host_*"))
    for script in ("rsyslog", "nftables", "ssh", "cron", "chrony"):
        assert os.access(lab_image / "etc/init.d" / script, os.X_OK), script


def test_image_key_follows_the_package_list() -> None:
    assert image_key(PACKAGES) == image_key(tuple(reversed(PACKAGES)))
    assert image_key(PACKAGES) != image_key((*PACKAGES, "htop"))


def test_mirror_comes_from_the_environment_or_the_machines_apt_sources(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    apt = tmp_path / "apt"
    (apt / "sources.list.d").mkdir(parents=True)
    (apt / "sources.list.d" / "debian.sources").write_text(
        textwrap.dedent(
            """
            Types: deb
            URIs: http://mirror.invalid/debian-security
            Suites: bookworm-security
            Components: main

            Types: deb
            # a comment inside the stanza
            URIs: http://mirror.invalid/debian
            Suites: bookworm bookworm-updates
            Components: main contrib
            """
        )
    )
    (apt / "sources.list.d" / "other.list.disabled").write_text(
        "deb http://disabled.invalid/debian bookworm main\n"
    )
    monkeypatch.delenv("KENTOPS_DEBIAN_MIRROR", raising=False)
    assert debian_mirror(apt) == "http://mirror.invalid/debian"

    (apt / "sources.list").write_text(
        "deb [arch=amd64] http://first.invalid/debian bookworm main\n"
    )
    assert debian_mirror(apt) == "http://first.invalid/debian"

    monkeypatch.setenv("KENTOPS_DEBIAN_MIRROR", "http://override.invalid/debian")
    assert debian_mirror(apt) == "http://override.invalid/debian"

    monkeypatch.delenv("KENTOPS_DEBIAN_MIRROR")
    empty = tmp_path / "empty"
    empty.mkdir()
    with pytest.raises(ImageError, match="KENTOPS_DEBIAN_MIRROR"):
        debian_mirror(empty)


# ------------------------------------------------------------------------------- ssh


def test_ssh_with_run_key_and_strict_host_keys_reaches_each_host(
    lab: HostLab, hosts: list[LabHost]
) -> None:
    assert [h.name for h in hosts] == [s.name for s in SPECS]
    for host, spec in zip(hosts, SPECS, strict=True):
        assert _ssh(lab, host, "hostname").strip() == spec.hostname
        assert _ssh(lab, host, "id", "-un", user="root").strip() == "root"


def test_each_host_has_its_own_host_key(lab: HostLab, hosts: list[LabHost]) -> None:
    keys = {h.host_key_pub.split()[1] for h in hosts}
    assert len(keys) == len(hosts)
    # The key a host presents is the one recorded: with another host's key, ssh refuses.
    wrong = lab.state_dir / "known_hosts.swapped"
    a, b = hosts[0], hosts[1]
    wrong.write_text(f"{a.address} {' '.join(b.host_key_pub.split()[:2])}\n")
    result = subprocess.run(
        [
            "ssh",
            "-o",
            "StrictHostKeyChecking=yes",
            "-o",
            f"UserKnownHostsFile={wrong}",
            "-o",
            "BatchMode=yes",
            "-i",
            str(lab.key_path),
            f"kentops@{a.address}",
            "true",
        ],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode != 0
    assert "host key" in result.stderr.lower()


def test_admin_has_passwordless_sudo_and_python(lab: HostLab, hosts: list[LabHost]) -> None:
    for host in hosts:
        assert _ssh(lab, host, "sudo", "-n", "id", "-u").strip() == "0"
        out = _ssh(lab, host, "python3", "-c", "'import apt, sys; print(sys.version_info[0])'")
        assert out.strip() == "3"


def test_local_package_source_offers_a_security_update_that_installs(
    lab: HostLab, hosts: list[LabHost]
) -> None:
    host = hosts[2]
    pending = _ssh(lab, host, "apt-get", "-s", "-o", "Debug::NoLocking=1", "dist-upgrade")
    inst = [line for line in pending.splitlines() if line.startswith("Inst ")]
    assert inst == [
        f"Inst {CANARY} [{CANARY_INSTALLED}] ({CANARY_UPDATE} "
        "kentops-lab-security:12/bookworm-security [all])"
    ]
    _ssh(lab, host, "sudo", "-n", "apt-get", "install", "-y", "-qq", CANARY)
    version = _ssh(lab, host, "dpkg-query", "-W", "-f", "'${Version}'", CANARY)
    assert version == CANARY_UPDATE
    assert CANARY in _ssh(lab, host, "cat", "/run/reboot-required.pkgs")


def test_reboot_restarts_the_enabled_services_with_a_new_boot_id(
    lab: HostLab, hosts: list[LabHost]
) -> None:
    host = hosts[2]
    boot_id = _ssh(lab, host, "cat", "/run/kentops-lab/boot-id").strip()
    _ssh(lab, host, "sudo", "-n", "touch", "/run/reboot-required")
    _ssh(lab, host, "sudo", "-n", "/usr/local/sbin/kentops-lab-reboot")
    deadline = time.monotonic() + 30
    after = boot_id
    while time.monotonic() < deadline:
        time.sleep(0.5)
        probe = subprocess.run(
            lab.ssh_command(host, "cat", "/run/kentops-lab/boot-id"),
            capture_output=True,
            text=True,
            timeout=20,
            check=False,
        )
        if probe.returncode == 0 and probe.stdout.strip() not in {"", boot_id}:
            after = probe.stdout.strip()
            break
    assert after != boot_id, "the host did not come back with a new boot id"
    running = _ssh(lab, host, "ps", "-e", "-o", "comm=").split()
    assert {"sshd", "rsyslogd", "chronyd", "cron"} <= set(running)
    assert "postgres" not in running  # installed in the image, not enabled
    gone = subprocess.run(
        lab.ssh_command(host, "test", "-e", "/run/reboot-required"), check=False, timeout=20
    )
    assert gone.returncode == 1


def test_hosts_are_contained(lab: HostLab, hosts: list[LabHost]) -> None:
    host, other = hosts[0], hosts[1]
    script = textwrap.dedent(
        f"""
        ip -o link show | awk -F': ' '{{print $2}}' | cut -d@ -f1 | sort | tr '\\n' ' '; echo
        sudo -n date -s 2001-01-01 >/dev/null 2>&1 && echo clock-set || echo clock-refused
        sudo -n dmesg >/dev/null 2>&1 && echo kmsg-read || echo kmsg-refused
        sudo -n sh -c 'echo x >/proc/sys/kernel/domainname' 2>/dev/null && echo rw || echo sys-ro
        sudo -n sysctl -qw net.ipv4.ip_forward=0 && echo net-rw || echo net-ro
        sudo -n ping -c1 -W2 {other.hostname} >/dev/null && echo peer-ok || echo peer-down
        (sleep 0.1 &) ; sleep 0.5; ps -eo stat= | grep -c '^Z' || true
        """
    )
    lines = _ssh(lab, host, "sh", "-c", _quote(script)).splitlines()
    assert lines == [
        "eth0 lo ",
        "clock-refused",
        "kmsg-refused",
        "sys-ro",
        "net-rw",
        "peer-ok",
        "0",
    ]


def _quote(text: str) -> str:
    return "'" + text.replace("'", "'\\''") + "'"


# --------------------------------------------------------------------------- ansible


@pytest.fixture
def ansible_env(lab: HostLab, hosts: list[LabHost], tmp_path: Path) -> Iterator[dict[str, str]]:
    """An Ansible config and inventory in tmp_path; a per-run ControlPath directory."""
    control = Path(tempfile.mkdtemp(prefix="kt-cp-", dir="/tmp"))  # sockets: short paths
    inventory = ["[lab]"]
    inventory += [f"{h.name} ansible_host={h.address}" for h in hosts]
    inventory += [
        "[lab:vars]",
        "ansible_user=kentops",
        f"ansible_ssh_private_key_file={lab.key_path}",
        "ansible_ssh_common_args='-o StrictHostKeyChecking=yes "
        f"-o UserKnownHostsFile={lab.known_hosts_path} -o IdentitiesOnly=yes'",
        "ansible_python_interpreter=/usr/bin/python3",
    ]
    (tmp_path / "inventory.ini").write_text("\n".join(inventory) + "\n")
    (tmp_path / "ansible.cfg").write_text(
        textwrap.dedent(
            f"""
            [defaults]
            inventory = {tmp_path / "inventory.ini"}
            local_tmp = {tmp_path / "ansible-tmp"}
            forks = 10
            [ssh_connection]
            pipelining = True
            control_path_dir = {control}
            ssh_args = -o ControlMaster=auto -o ControlPersist=60s
            """
        )
    )
    env = {k: v for k, v in os.environ.items() if not k.startswith("ANSIBLE_")}
    env |= {"ANSIBLE_CONFIG": str(tmp_path / "ansible.cfg"), "ANSIBLE_HOME": str(tmp_path)}
    try:
        yield env
    finally:
        for sock in control.iterdir():  # the mux masters would outlive the hosts
            subprocess.run(
                ["ssh", "-o", f"ControlPath={sock}", "-O", "exit", "lab"],
                capture_output=True,
                check=False,
                timeout=30,
            )
        shutil.rmtree(control, ignore_errors=True)


def _ansible(env: dict[str, str], cwd: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(BIN / args[0]), *args[1:]],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )


def test_ansible_ping_and_setup(
    ansible_env: dict[str, str], hosts: list[LabHost], tmp_path: Path
) -> None:
    ping = _ansible(ansible_env, tmp_path, "ansible", "all", "-m", "ansible.builtin.ping")
    assert ping.returncode == 0, ping.stdout + ping.stderr
    assert ping.stdout.count("SUCCESS") == len(hosts)

    tree = tmp_path / "facts"
    setup = _ansible(
        ansible_env, tmp_path, "ansible", "all", "-m", "ansible.builtin.setup", "--tree", str(tree)
    )
    assert setup.returncode == 0, setup.stdout + setup.stderr
    for host, spec in zip(hosts, SPECS, strict=True):
        facts = json.loads((tree / host.name).read_text())["ansible_facts"]
        assert facts["ansible_fqdn"] == spec.hostname
        assert facts["ansible_distribution"] == "Debian"
        assert facts["ansible_distribution_major_version"] == "12"
        assert facts["ansible_default_ipv4"]["address"] == host.address
        assert facts["ansible_service_mgr"] == "sysvinit"


def test_ansible_service_module_manages_the_baseline_services(
    ansible_env: dict[str, str], hosts: list[LabHost], tmp_path: Path
) -> None:
    # The hosts are identical; one is enough (each restart costs Ansible's sysvinit
    # module a fixed 1 s sleep).
    playbook = tmp_path / "services.yml"
    playbook.write_text(
        textwrap.dedent(
            """
            - name: Baseline services on a lab host
              hosts: all
              become: true
              gather_facts: true
              tasks:
                - name: Start and enable the services.
                  ansible.builtin.service:
                    name: "{{ item }}"
                    state: started
                    enabled: true
                  loop: [ssh, cron, chrony, rsyslog, nftables]
                - name: Restart the services whose init scripts the lab image ships.
                  ansible.builtin.service:
                    name: "{{ item }}"
                    state: restarted
                  loop: [rsyslog, nftables]
                  tags: [restart]
                - name: Read the service states.
                  ansible.builtin.service_facts:
                - name: Every service runs.
                  ansible.builtin.assert:
                    that: ansible_facts.services[item].state == 'running'
                  loop: [ssh, cron, chrony, rsyslog, nftables]
            """
        )
    )
    limit = ["--limit", hosts[0].name]
    first = _ansible(ansible_env, tmp_path, "ansible-playbook", *limit, str(playbook))
    assert first.returncode == 0, first.stdout + first.stderr
    assert "changed=2" in first.stdout.split("PLAY RECAP", 1)[1]  # start+enable, restart
    second = _ansible(
        ansible_env, tmp_path, "ansible-playbook", *limit, "--skip-tags", "restart", str(playbook)
    )
    assert second.returncode == 0, second.stdout + second.stderr
    recap = second.stdout.split("PLAY RECAP", 1)[1]
    assert "changed=0" in recap, recap
    nft = _ansible(ansible_env, tmp_path, "ansible", hosts[0].name, "-b", "-a", "nft list tables")
    assert "table inet filter" in nft.stdout, nft.stdout + nft.stderr


# --------------------------------------------------------------------------- pyinfra

PYINFRA_FACTS = """
from gevent import monkey

monkey.patch_all()

import json
import sys

from pyinfra.api import Config, Inventory, State
from pyinfra.api.connect import connect_all, disconnect_all
from pyinfra.api.facts import get_facts
from pyinfra.facts.deb import DebPackages
from pyinfra.facts.server import Hostname, LinuxDistribution, Os

hosts = json.load(sys.stdin)
state = State(Inventory(([(h["name"], h["data"]) for h in hosts], {})), Config())
connect_all(state)
out = {}
for fact in (Os, Hostname, LinuxDistribution, DebPackages):
    for host, value in get_facts(state, fact).items():
        out.setdefault(host.name, {})[fact.__name__] = value
disconnect_all(state)
json.dump(out, sys.stdout, default=str)
"""


def test_pyinfra_collects_facts(lab: HostLab, hosts: list[LabHost], tmp_path: Path) -> None:
    script = tmp_path / "facts.py"
    script.write_text(PYINFRA_FACTS)
    data = {
        "ssh_user": "kentops",
        "ssh_key": str(lab.key_path),
        "ssh_known_hosts_file": str(lab.known_hosts_path),
        "ssh_strict_host_key_checking": "yes",
        "ssh_allow_agent": False,
        "ssh_look_for_keys": False,
    }
    spec = [{"name": h.name, "data": {**data, "ssh_hostname": h.address}} for h in hosts]
    # In a child process: pyinfra wants gevent's monkey patching, not for pytest's process.
    result = subprocess.run(
        [sys.executable, str(script)],
        input=json.dumps(spec),
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    facts = json.loads(result.stdout)
    for host, hs in zip(hosts, SPECS, strict=True):
        assert facts[host.name]["Os"] == "Linux"
        assert facts[host.name]["Hostname"] == hs.hostname
        assert facts[host.name]["LinuxDistribution"]["name"] == "Debian"
        assert facts[host.name]["LinuxDistribution"]["major"] == 12
        assert "openssh-server" in facts[host.name]["DebPackages"]


# ---------------------------------------------------------------------------- down


def _nothing_left(host_lab: HostLab) -> None:
    assert run_leftovers(host_lab.run_id) == []
    assert leftovers(host_lab.run_id) == []
    assert mounts_under(host_lab.state_dir) == []
    assert host_lab.status() == []
    assert not (host_lab.state_dir / "hosts").exists()
    names = {p.name for p in Path("/sys/class/net").iterdir()}
    assert host_lab.bridge not in names
    assert not any(n.startswith(host_lab.run_id) for n in _netns())


def _netns() -> list[str]:
    return [p.name for p in Path("/run/netns").iterdir()] if Path("/run/netns").exists() else []


def test_down_leaves_nothing_and_spares_other_runs(
    lab: HostLab, hosts: list[LabHost], lab_image: Path, tmp_path: Path
) -> None:
    second = HostLab(tmp_path / "state", lab_image.parent.parent, run_id="down-test")
    assert second.run_id == "kentops-down-test"
    (extra,) = second.up([HostSpec("extra-01", "extra01")])
    assert second.subnet != lab.subnet
    assert second.bridge != lab.bridge
    assert _ssh(second, extra, "hostname").strip() == "extra01"
    assert run_leftovers(second.run_id)  # it did make things

    second.down()
    _nothing_left(second)
    second.down()  # idempotent
    _nothing_left(second)
    # The other run is untouched.
    assert [h.name for h in lab.status()] == [h.name for h in hosts]
    assert _ssh(lab, hosts[0], "true") == ""


CRASHING_LAB = """
import os, sys
from pathlib import Path
from kentops.lab.hosts import HostLab, HostSpec

lab = HostLab(Path(sys.argv[1]), Path(sys.argv[2]), run_id="crash-test")
lab.up([HostSpec("crash-01", "crash01"), HostSpec("crash-02", "crash02")])
print("up", flush=True)
sys.stdin.read()  # killed here
"""


def test_down_after_a_crash_works_from_the_state_dir_alone(lab_image: Path, tmp_path: Path) -> None:
    state = tmp_path / "state"
    script = tmp_path / "crash.py"
    script.write_text(CRASHING_LAB)
    owner = subprocess.Popen(
        [sys.executable, str(script), str(state), str(lab_image.parent.parent)],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert owner.stdout is not None
        assert owner.stdout.readline().strip() == "up"
    finally:
        owner.send_signal(signal.SIGKILL)
        owner.wait(timeout=30)

    adopted = HostLab(state, lab_image.parent.parent)  # no run id: read from the state
    assert adopted.run_id == "kentops-crash-test"
    assert [h.name for h in adopted.status()] == ["crash-01", "crash-02"]
    assert run_leftovers(adopted.run_id)
    adopted.down()
    _nothing_left(adopted)


def test_a_failed_up_removes_what_it_made(
    lab_image: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def no_sshd(*_args: object) -> None:
        raise LabError("sshd did not answer (simulated)")

    monkeypatch.setattr(HostLab, "_wait_ready", no_sshd)
    failing = HostLab(tmp_path / "state", lab_image.parent.parent, run_id="fail-test")
    with pytest.raises(LabError, match="simulated"):
        failing.up([HostSpec("fail-01", "fail01"), HostSpec("fail-02", "fail02")])
    _nothing_left(failing)
    assert not (tmp_path / "state" / "lab.json").exists()
