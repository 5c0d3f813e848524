"""JSON Schema of inventory files, so editors check and complete them."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, create_model

from kentops.inventory import model as m

SCHEMA_FILE = "inventory.schema.json"


def _file_model() -> type[BaseModel]:
    fields: dict[str, Any] = {"site": (m.Site | None, Field(default=None))}
    for collection, item in (
        ("buildings", m.Building),
        ("vlans", m.Vlan),
        *m.ASSET_BY_COLLECTION.items(),
        ("attestations", m.Attestation),
        ("waivers", m.Waiver),
    ):
        fields[collection] = (list[item] | None, Field(default=None))  # type: ignore[valid-type]
    return create_model("InventoryFile", __config__=ConfigDict(extra="forbid"), **fields)


def inventory_schema() -> dict[str, Any]:
    """The schema one inventory file follows: any subset of the collections."""
    schema = _file_model().model_json_schema()
    schema["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    schema["title"] = "kentops inventory file"
    schema["description"] = (
        "One file of a kentops inventory folder (inventories/<site>/*.yml). "
        "Any collection may appear in any file; 'site' appears once per folder."
    )
    return schema


def write_schema(out_dir: Path) -> list[Path]:
    """Write the inventory schema (and the catalogs' when that engine is present)."""
    out_dir.mkdir(parents=True, exist_ok=True)
    target = out_dir / SCHEMA_FILE
    target.write_text(
        json.dumps(inventory_schema(), indent=2, ensure_ascii=False) + "\n", encoding="utf-8"
    )
    return [target]
