"""The Jinja filters, loaded from filter_plugins/kentops_filters.py (the file Ansible loads).

One file serves both engines, so a filter is never written twice. The module is found next
to the templates folder (``<root>/filter_plugins``) and loaded by path once per process.
"""

from __future__ import annotations

import importlib.util
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

MODULE_NAME = "kentops_filters"
PLUGIN_PATH = Path("filter_plugins") / f"{MODULE_NAME}.py"

_loaded: dict[Path, dict[str, Callable[..., Any]]] = {}


def load_filters(root: Path) -> dict[str, Callable[..., Any]]:
    """The filters of ``<root>/filter_plugins/kentops_filters.py``, by name."""
    path = (root / PLUGIN_PATH).resolve()
    if path in _loaded:
        return _loaded[path]
    if not path.is_file():
        raise FileNotFoundError(f"filter plugin not found: {path}")
    spec = importlib.util.spec_from_file_location(MODULE_NAME, path)
    if spec is None or spec.loader is None:  # pragma: no cover - only for odd file systems
        raise ImportError(f"cannot load {path}")
    module = importlib.util.module_from_spec(spec)
    sys.modules.setdefault(MODULE_NAME, module)
    spec.loader.exec_module(module)
    filters: dict[str, Callable[..., Any]] = module.FilterModule().filters()
    _loaded[path] = filters
    return filters
