"""One render of the demo municipality per test process, shared by the render, policy and
golden tests (rendering is deterministic, so sharing it hides nothing)."""

from __future__ import annotations

from functools import cache
from pathlib import Path

from kentops.inventory import LoadedInventory, load_inventory
from kentops.policy import Policies, load_policies
from kentops.render import RenderReport, render_site
from tests.helpers import DEMO, REPO

POLICIES = REPO / "policies"
TEMPLATES = REPO / "templates"


@cache
def demo_inputs() -> tuple[LoadedInventory, Policies]:
    loaded = load_inventory(DEMO)
    return loaded, load_policies(POLICIES, loaded)


@cache
def demo_report() -> RenderReport:
    loaded, policies = demo_inputs()
    return render_site(loaded, POLICIES, jobs=1, policies=policies)


def text_of(device: str, artefact: str) -> str:
    found = demo_report().artefact(device, artefact)
    assert found is not None, f"{device}/{artefact} was not rendered"
    return found.text


def copy_templates(tmp: Path) -> Path:
    """A private copy of templates/ (and filter_plugins/ beside it) to break on purpose."""
    import shutil

    root = tmp / "repo"
    shutil.copytree(TEMPLATES, root / "templates")
    shutil.copytree(REPO / "filter_plugins", root / "filter_plugins")
    return root / "templates"


def cli_app() -> object:
    """The kentops CLI with every feature registered once per process."""
    from kentops.cli import _register_features, app

    names = {c.name for c in app.registered_commands}
    if "render" not in names:
        _register_features()
    return app


def repo_copy(tmp: Path) -> Path:
    """policies/, templates/ and filter_plugins/ copied under tmp (a project root)."""
    import shutil

    root = tmp / "repo"
    for name in ("policies", "templates", "filter_plugins"):
        shutil.copytree(REPO / name, root / name)
    return root
