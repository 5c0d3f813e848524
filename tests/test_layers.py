"""The package reads top-down: no import cycle between modules, no import from a higher layer.

Imports are read with ``ast`` from every module under src/ (top-level imports and the ones
inside functions alike: a local import hides a cycle from Python, not from this test). Each
module belongs to the layer of the longest matching prefix in ``LAYERS``; a module that imports
typer (a group of CLI verbs) belongs to the CLI layer. A module may import its own layer and
any layer below it.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.helpers import REPO

SRC = REPO / "src"

#: Lowest first. inventory -> policy -> render -> engines -> lab -> collect -> compliance -> report.
LAYERS: list[tuple[str, tuple[str, ...]]] = [
    ("base", ("kentops", "kentops.modelbase", "kentops.yamlsource", "kentops.labstate")),
    ("inventory", ("kentops.inventory",)),
    ("policy", ("kentops.policy",)),
    ("render", ("kentops.render", "kentops.policycheck")),
    # Nornir, Ansible and pyinfra views of the model (they use policies and the filters).
    ("engines", ("kentops.inventory.adapters",)),
    ("lab", ("kentops.lab",)),
    # What collectors produce and the protocol they implement, below the collectors.
    (
        "evidence",
        (
            "kentops.compliance.catalog",
            "kentops.compliance.evidence",
            "kentops.compliance.payloads",
        ),
    ),
    (
        "collect",
        (
            "kentops.network",
            "kentops.servers",
            "kentops.log5651",
            "kentops.napalm_netmiko",
            "napalm_kentops_fortios",
            "napalm_kentops_routeros",
        ),
    ),
    ("compliance", ("kentops.compliance",)),
    ("report", ("kentops.compliance.report",)),
    ("cli", ("kentops.cli",)),
]
RANK = {name: i for i, (name, _) in enumerate(LAYERS)}


def module_files() -> dict[str, Path]:
    out: dict[str, Path] = {}
    for file in sorted(SRC.rglob("*.py")):
        parts = file.relative_to(SRC).with_suffix("").parts
        if parts[-1] == "__init__":
            parts = parts[:-1]
        out[".".join(parts)] = file
    return out


MODULES = module_files()


def is_cli(file: Path) -> bool:
    tree = ast.parse(file.read_text(encoding="utf-8"), str(file))
    return any(
        (isinstance(n, ast.Import) and any(a.name == "typer" for a in n.names))
        or (isinstance(n, ast.ImportFrom) and n.module == "typer")
        for n in tree.body
    )


CLI_MODULES = {m for m, f in MODULES.items() if is_cli(f)}


def layer_of(module: str) -> str:
    if module in CLI_MODULES:
        return "cli"
    best, length = "", -1
    for name, prefixes in LAYERS:
        for prefix in prefixes:
            matches = module == prefix or module.startswith(prefix + ".")
            if matches and len(prefix) > length:
                best, length = name, len(prefix)
    if not best:
        raise AssertionError(f"module {module} is in no layer: add it to LAYERS in {__file__}")
    return best


def resolve(name: str) -> str | None:
    """The project module an imported name stands for, or None for a third-party one."""
    while name and name not in MODULES:
        name = name.rpartition(".")[0]
    return name or None


def imports_of(module: str, file: Path) -> Iterator[tuple[str, int]]:
    tree = ast.parse(file.read_text(encoding="utf-8"), str(file))
    package = module if file.name == "__init__.py" else module.rpartition(".")[0]
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.split(".")
                anchor = anchor[: len(anchor) - node.level + 1]
                base = ".".join([*anchor, base] if base else anchor)
            # `from pkg import sub` imports the submodule when there is one.
            names = [
                f"{base}.{a.name}" if f"{base}.{a.name}" in MODULES else base for a in node.names
            ]
        else:
            continue
        for name in names:
            target = resolve(name)
            if target is not None and target != module:
                yield target, node.lineno


def import_graph() -> dict[str, dict[str, int]]:
    return {m: dict(imports_of(m, f)) for m, f in MODULES.items()}


def cycles(graph: dict[str, dict[str, int]]) -> list[list[str]]:
    """Strongly connected components with more than one module (Tarjan, iterative)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []
    for root in sorted(graph):
        if root in index:
            continue
        work = [(root, iter(sorted(graph[root])))]
        index[root] = low[root] = len(index)
        stack.append(root)
        on_stack.add(root)
        while work:
            node, children = work[-1]
            child = next(children, None)
            if child is not None:
                if child not in index:
                    index[child] = low[child] = len(index)
                    stack.append(child)
                    on_stack.add(child)
                    work.append((child, iter(sorted(graph.get(child, {})))))
                elif child in on_stack:
                    low[node] = min(low[node], index[child])
                continue
            work.pop()
            if work:
                parent = work[-1][0]
                low[parent] = min(low[parent], low[node])
            if low[node] == index[node]:
                component = []
                while True:
                    member = stack.pop()
                    on_stack.discard(member)
                    component.append(member)
                    if member == node:
                        break
                if len(component) > 1:
                    found.append(sorted(component))
    return found


def back_edges(graph: dict[str, dict[str, int]]) -> list[str]:
    out = []
    for module, targets in sorted(graph.items()):
        for target, line in sorted(targets.items()):
            if RANK[layer_of(target)] > RANK[layer_of(module)]:
                out.append(
                    f"{MODULES[module].relative_to(REPO)}:{line}: {module} ({layer_of(module)}) "
                    f"imports {target} ({layer_of(target)})"
                )
    return out


def test_no_import_cycle() -> None:
    found = cycles(import_graph())
    assert not found, "modules that import each other: " + "; ".join(" <-> ".join(c) for c in found)


def test_no_import_from_a_higher_layer() -> None:
    found = back_edges(import_graph())
    assert not found, "imports against the layers:\n" + "\n".join(found)


def test_every_module_has_a_layer() -> None:
    for module in MODULES:
        layer_of(module)
    assert {"kentops.cli", "kentops.render.commands"} <= CLI_MODULES


@pytest.mark.parametrize(
    ("graph", "expected"),
    [
        ({"a": {"b": 1}, "b": {"a": 2}, "c": {}}, [["a", "b"]]),
        ({"a": {"b": 1}, "b": {"c": 1}, "c": {"a": 1}}, [["a", "b", "c"]]),
        ({"a": {"b": 1}, "b": {}, "c": {"b": 1}}, []),
    ],
)
def test_cycle_finder(graph: dict[str, dict[str, int]], expected: list[list[str]]) -> None:
    assert cycles(graph) == expected


def test_a_back_edge_is_named(tmp_path: Path) -> None:
    inventory = SRC / "kentops/inventory/loaded.py"
    graph = {"kentops.inventory.loaded": {"kentops.lab.orchestrate": 7}}
    assert back_edges(graph) == [
        f"{inventory.relative_to(REPO)}:7: kentops.inventory.loaded (inventory) "
        "imports kentops.lab.orchestrate (lab)"
    ]


def test_local_imports_count(tmp_path: Path) -> None:
    file = tmp_path / "mod.py"
    file.write_text("def f():\n    from kentops.lab import state\n    return state\n")
    assert dict(imports_of("kentops.inventory.loaded", file)) == {"kentops.lab.state": 2}
