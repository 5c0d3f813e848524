"""`kentops lab dhcp ...`: the Law 5651 DHCP chain of a running lab (:mod:`kentops.lab.dhcp`)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console

console = Console()
dhcp_app = typer.Typer(
    help="Law 5651 chain of the lab: Kea on the DHCP host, DHCP clients, firewall NAT logs.",
    no_args_is_help=True,
)

Inventory = Annotated[Path, typer.Argument(help="Inventory folder, e.g. inventories/demo")]
ClientName = Annotated[str, typer.Argument(help="Lab client, e.g. lab-pc-1")]


def _state(inventory: Path, need_chain: bool = True) -> tuple[Path, Any]:
    from kentops.lab.state import lab_dir, read_state

    root = lab_dir(inventory)
    state = read_state(root)
    if state is None or not state.extra.get("hosts_dir"):
        console.print(
            f"[red]no lab with hosts runs in {root}[/]: start it with "
            f"'kentops lab up {inventory} --only hosts,tsa'"
        )
        raise typer.Exit(2)
    if need_chain and "dhcp" not in state.extra:
        console.print(
            f"[red]the lab's DHCP chain is not up[/]: run 'kentops lab dhcp up {inventory}'"
        )
        raise typer.Exit(2)
    return root, state


@dhcp_app.command("up")
def up(inventory: Inventory) -> None:
    """Start Kea on the DHCP host (rendered config), the gateway relay and the clients."""
    from kentops.inventory.commands import load_or_exit
    from kentops.lab.dhcp import DhcpLabError, setup
    from kentops.lab.orchestrate import rendered_artefacts
    from kentops.lab.state import write_state

    root, state = _state(inventory, need_chain=False)
    if "dhcp" in state.extra:
        console.print("[red]the DHCP chain is already up[/] (it goes with 'kentops lab down')")
        raise typer.Exit(2)
    loaded = load_or_exit(inventory)
    kea = {a.device_id: a.text for a in rendered_artefacts(loaded) if a.kind == "kea"}
    try:
        chain = setup(loaded, state, kea)
    except DhcpLabError as exc:
        console.print(f"[red]DHCP chain did not start[/]: {exc}")
        raise typer.Exit(1) from None
    state.extra["dhcp"] = chain
    state.extra.setdefault("pids", {})["dhcp-relay"] = chain["relay_pid"]
    write_state(root, state)
    console.print(
        f"Kea on {chain['server']} ({chain['server_address']}), relay in {chain['gateway_netns']}"
    )
    for client in chain["clients"]:
        console.print(f"  client {client['name']} on {client['vlan']} ({client['mac']})")


def _run(inventory: Path, action: str, name: str, as_json: bool) -> None:
    from kentops.lab import dhcp

    _root, state = _state(inventory)
    known = [c["name"] for c in state.extra["dhcp"]["clients"]]
    if name not in known:
        console.print(f"[red]no lab DHCP client {name!r}[/]: use one of {', '.join(known)}")
        raise typer.Exit(2)
    try:
        if action == "lease":
            result: dict[str, Any] = {"address": dhcp.lease(state, name)}
        elif action == "renew":
            result = {"address": dhcp.renew(state, name)}
        elif action == "release":
            dhcp.release(state, name)
            result = {"address": dhcp.address(state, name)}
        else:
            result = {"line": dhcp.send_nat(state, name)}
    except dhcp.DhcpLabError as exc:
        console.print(f"[red]{action} failed[/]: {exc}", highlight=False)
        raise typer.Exit(1) from None
    result = {"client": name, "action": action, **result}
    if as_json:
        print(json.dumps(result))
    else:
        console.print(" ".join(f"{k}={v}" for k, v in result.items()), highlight=False)


ACTIONS = {
    "lease": "The client obtains a lease from Kea (dhclient).",
    "renew": "The client asks again for the address it holds; Kea renews the lease.",
    "release": "The client gives its lease back (DHCPRELEASE).",
    "nat": "The client's firewall logs one translated session of it to the collector (syslog).",
}


def _register(action: str, help_text: str) -> None:
    def command(
        inventory: Inventory,
        name: ClientName,
        as_json: Annotated[bool, typer.Option("--json")] = False,
    ) -> None:
        _run(inventory, action, name, as_json)

    dhcp_app.command(action, help=help_text)(command)


for _action, _help in ACTIONS.items():
    _register(_action, _help)


#: Where the log5651_collector role has rsyslog file what it receives, on the collector.
SPOOL = "var/log/kentops-5651"


@dhcp_app.command("timer")
def timer(
    inventory: Inventory,
    archive: Annotated[
        Path | None,
        typer.Option(
            "--archive", help="Archive (default $KENTOPS_LOG5651_ARCHIVE or var/log5651/SITE)"
        ),
    ] = None,
) -> None:
    """Run what the collector's seal timer runs: ingest its spool, then seal every complete
    day against the lab TSA. Lab hosts have no systemd, so the lab runs the timer's commands
    here, over the collector's spool (read from the host's own filesystem)."""
    import subprocess
    import sys

    from kentops.inventory.commands import load_or_exit
    from kentops.log5651.archive import resolve_root

    _root, state = _state(inventory)
    loaded = load_or_exit(inventory)
    collector = state.extra["dhcp"]["collector"]
    spool = Path(state.extra["hosts_dir"]) / "hosts" / collector / "merged" / SPOOL
    files = sorted(str(p) for p in spool.glob("*/*.log"))
    if not files:
        console.print(f"[red]nothing received yet[/] in {collector}:/{SPOOL}")
        raise typer.Exit(1)
    repo = loaded.root.resolve().parent.parent
    target = resolve_root(archive, loaded.inventory.site.id)
    target = target if target.is_absolute() else repo / target
    command = str(Path(sys.executable).parent / "kentops")
    steps = [
        [command, "log5651", "ingest", *files, "--archive", str(target)],
        [command, "log5651", "seal", "--archive", str(target), "--lab"],
    ]
    for argv in steps:
        console.print(f"$ kentops {' '.join(argv[1:3])} ... --archive {target}", highlight=False)
        done = subprocess.run(argv, cwd=repo, check=False)
        if done.returncode != 0:
            raise typer.Exit(done.returncode)


@dhcp_app.command("status")
def status(inventory: Inventory, as_json: Annotated[bool, typer.Option("--json")] = False) -> None:
    """The chain's server, collector and each client's current address."""
    from kentops.lab import dhcp

    _root, state = _state(inventory)
    chain = state.extra["dhcp"]
    clients = [{**c, "address": dhcp.address(state, c["name"])} for c in chain["clients"]]
    data = {
        "server": chain["server"],
        "collector": chain["collector"],
        "collector_address": chain["collector_address"],
        "clients": clients,
    }
    if as_json:
        print(json.dumps(data, indent=2))
        return
    console.print(
        f"Kea on {data['server']}, logs to {data['collector']} ({data['collector_address']})"
    )
    for c in clients:
        console.print(f"  {c['name']} {c['vlan']} {c['mac']} {c['address'] or '-'}")
