"""A loaded inventory and where each object was written: what the loader hands on.

The loader builds it and the cross-reference checks read it, so it lives below both.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from kentops.inventory import model as m
from kentops.yamlsource import PathKey, SourceDocument


@dataclass
class Origin:
    """Where one object was written."""

    doc: SourceDocument
    path: PathKey

    def line(self, *fields: str | int) -> int:
        return self.doc.line_of((*self.path, *fields))


@dataclass
class LoadedInventory:
    """A valid inventory and where each of its objects came from."""

    root: Path
    inventory: m.Inventory
    origins: dict[tuple[str, int], Origin] = field(default_factory=dict)
    files: list[Path] = field(default_factory=list)

    def origin(self, collection: str, index: int) -> Origin:
        return self.origins[(collection, index)]
