"""Load an inventory folder: YAML with lines, schema per object, then cross-references."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from pydantic import BaseModel, TypeAdapter, ValidationError
from pydantic_core import ErrorDetails

from kentops.inventory import model as m
from kentops.inventory.crossref import cross_reference
from kentops.inventory.loaded import LoadedInventory, Origin
from kentops.yamlsource import InvalidInput, Problem, SourceDocument, load_yaml

__all__ = [
    "NOT_INVENTORY",
    "LoadedInventory",  # defined in loaded.py, below the cross-reference checks
    "Origin",
    "describe_error",
    "inventory_files",
    "load_inventory",
]

#: Files in an inventory folder that are not inventory data.
NOT_INVENTORY = frozenset({"kentops.yml", "kentops.yaml"})

_ITEM_TYPES: dict[str, type[BaseModel]] = {
    "buildings": m.Building,
    "vlans": m.Vlan,
    **m.ASSET_BY_COLLECTION,
    "attestations": m.Attestation,
    "waivers": m.Waiver,
}
_SINGULAR = {
    "buildings": "building",
    "vlans": "VLAN",
    "attestations": "attestation",
    "waivers": "waiver",
    **{c: t.kind.replace("_", " ") for c, t in m.ASSET_BY_COLLECTION.items()},
}


def inventory_files(root: Path) -> list[Path]:
    """The YAML files of an inventory folder, in a stable order."""
    if not root.is_dir():
        raise InvalidInput(
            [
                Problem(
                    root,
                    1,
                    "inventory folder not found",
                    "give the path of a folder such as inventories/demo",
                )
            ]
        )
    return sorted(
        p
        for p in root.iterdir()
        if p.suffix in {".yml", ".yaml"}
        and p.name not in NOT_INVENTORY
        and (p.is_file() or p.is_symlink())  # a link is read, or refused, by load_yaml
    )


def describe_error(err: ErrorDetails) -> tuple[str, str]:
    """Turn one pydantic error into a message and a fix an engineer can act on."""
    kind = err["type"]
    loc = [str(x) for x in err["loc"] if not isinstance(x, int)]
    name = loc[-1] if loc else "value"
    got = err.get("input")
    ctx = err.get("ctx") or {}
    if kind == "free_text":
        return (
            f"'{name}': {err['msg']}",
            "write plain text on one line; secrets go in secret fields as vault:NAME or env:NAME",
        )
    if kind == "missing":
        return f"required field '{name}' is missing", f"add '{name}:' to this object"
    if kind == "extra_forbidden":
        return f"unknown field '{name}'", "remove it or correct its spelling (see the JSON Schema)"
    if kind == "string_pattern_mismatch":
        if name in {
            "id",
            "building",
            "unit",
            "vlan",
            "nvr",
            "pbx",
            "ups",
            "connects",
            "controller",
            "hypervisor",
            "asset",
            "backup_class",
            "regulation",
        }:
            return (
                f"'{got}' is not a valid id",
                "use ASCII lowercase letters, digits and '-' only (e.g. hq-sw-core-01)",
            )
        return (
            f"'{got}' does not match the expected form ({ctx.get('pattern')})",
            "correct the value",
        )
    if kind == "string_type":
        return f"'{name}' must be text, got {got!r}", f'quote the value: {name}: "{got}"'
    if kind in {"int_type", "int_parsing", "int_from_float"}:
        return f"'{name}' must be a whole number, got {got!r}", "write a number without quotes"
    if kind == "bool_type":
        return f"'{name}' must be true or false, got {got!r}", "write true or false"
    if kind in {"enum", "literal_error"}:
        expected = ctx.get("expected", "")
        return f"'{got}' is not allowed for '{name}'", f"use one of: {expected}"
    if kind.startswith("ip_v4"):
        return (
            f"'{got}' is not a valid IPv4 {name}",
            "write it like 10.1.2.3 (or 10.1.2.0/24 for a subnet)",
        )
    if kind.startswith("date"):
        return f"'{got}' is not a date", "write the date as YYYY-MM-DD"
    if kind in {"list_type", "dict_type", "model_type", "model_attributes_type"}:
        want = "a list" if kind == "list_type" else "a mapping of fields"
        return f"'{name}' must be {want}", f"write '{name}' as {want} (see the JSON Schema)"
    if kind in {"too_short", "too_long"}:
        return f"'{name}': {err['msg'].lower()}", "add or remove entries"
    if kind in {"greater_than", "greater_than_equal", "less_than", "less_than_equal"}:
        return f"'{name}' = {got!r}: {err['msg'].lower()}", "correct the number"
    return f"'{name}': {err['msg']}", "correct the value (see the JSON Schema)"


def _subject(collection: str, raw: Any) -> str | None:
    if isinstance(raw, dict) and isinstance(raw.get("id"), str):
        return f"{_SINGULAR.get(collection, collection)} '{raw['id']}'"
    return None


def _validate_items(
    collection: str, items: list[tuple[Any, Origin]], problems: list[Problem]
) -> list[Any]:
    item_type = _ITEM_TYPES[collection]
    adapter: TypeAdapter[Any] = TypeAdapter(item_type)
    valid = []
    for raw, origin in items:
        try:
            valid.append((adapter.validate_python(raw), origin))
        except ValidationError as exc:
            for err in exc.errors(include_url=False):
                message, fix = describe_error(err)
                problems.append(
                    Problem(
                        origin.doc.file,
                        origin.line(*err["loc"]),
                        message,
                        fix,
                        _subject(collection, raw),
                    )
                )
    return valid


def load_inventory(root: Path | str) -> LoadedInventory:
    """Load and fully validate an inventory folder; raise InvalidInput with every problem.

    A valid inventory is read once, fast, without line numbers; when anything is wrong it is
    read again with lines so that every problem names its line.
    """
    try:
        return _load(Path(root), lines=False)
    except InvalidInput:
        return _load(Path(root), lines=True)


def _load(root: Path, lines: bool) -> LoadedInventory:
    problems: list[Problem] = []
    docs: list[SourceDocument] = []
    files = inventory_files(root)
    if not files:
        raise InvalidInput(
            [
                Problem(
                    root,
                    1,
                    "no inventory files (*.yml) in this folder",
                    "add site.yml, buildings.yml, ... (see inventories/demo)",
                )
            ]
        )
    for file in files:
        doc, issues = load_yaml(file, lines=lines, within=root)
        problems.extend(issues)
        if not issues:
            docs.append(doc)

    site_raw: tuple[Any, Origin] | None = None
    gathered: dict[str, list[tuple[Any, Origin]]] = {c: [] for c in _ITEM_TYPES}
    for doc in docs:
        if not isinstance(doc.data, dict):
            problems.append(
                Problem(
                    doc.file,
                    1,
                    "the file must be a mapping of collections",
                    f"start with one of: {', '.join(m.TOP_LEVEL_KEYS)}",
                )
            )
            continue
        for key, value in doc.data.items():
            if key == "site":
                if site_raw is not None:
                    problems.append(
                        Problem(
                            doc.file,
                            doc.line_of((key,)),
                            "'site' is defined twice",
                            f"keep one; the first is in {site_raw[1].doc.file.name}",
                        )
                    )
                else:
                    site_raw = (value, Origin(doc, ("site",)))
            elif key in gathered:
                if value is None:
                    continue
                if not isinstance(value, list):
                    problems.append(
                        Problem(
                            doc.file,
                            doc.line_of((key,)),
                            f"'{key}' must be a list",
                            "write each entry as '- id: ...'",
                        )
                    )
                    continue
                gathered[key].extend((item, Origin(doc, (key, i))) for i, item in enumerate(value))
            else:
                problems.append(
                    Problem(
                        doc.file,
                        doc.line_of((key,)),
                        f"unknown collection '{key}'",
                        f"use one of: {', '.join(m.TOP_LEVEL_KEYS)}",
                    )
                )

    site: m.Site | None = None
    if site_raw is None:
        if docs:
            problems.append(
                Problem(
                    root / "site.yml",
                    1,
                    "no 'site' found in the inventory",
                    "add site.yml with the municipality, units and services",
                )
            )
    else:
        try:
            site = m.Site.model_validate(site_raw[0])
        except ValidationError as exc:
            for err in exc.errors(include_url=False):
                message, fix = describe_error(err)
                problems.append(
                    Problem(
                        site_raw[1].doc.file, site_raw[1].line(*err["loc"]), message, fix, "site"
                    )
                )
    validated = {c: _validate_items(c, items, problems) for c, items in gathered.items()}
    if problems or site is None or site_raw is None:
        raise InvalidInput(problems)

    fields: dict[str, Any] = {"site": site}
    origins: dict[tuple[str, int], Origin] = {("site", 0): site_raw[1]}
    for collection, pairs in validated.items():
        fields[collection] = [obj for obj, _ in pairs]
        for index, (_, origin) in enumerate(pairs):
            origins[(collection, index)] = origin
    inventory = m.Inventory.model_construct(**fields)
    loaded = LoadedInventory(root=root, inventory=inventory, origins=origins, files=files)

    problems.extend(cross_reference(loaded))
    if problems:
        raise InvalidInput(problems)
    return loaded
