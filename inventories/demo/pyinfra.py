"""pyinfra inventory: `pyinfra inventories/demo/pyinfra.py fact server.Os` (Linux servers)."""

from kentops.inventory.adapters.pyinfra import pyinfra_groups

globals().update(pyinfra_groups(__file__))
