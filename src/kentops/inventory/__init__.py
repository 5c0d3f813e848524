"""The inventory: one validated model of the whole municipality."""

from kentops.inventory.loader import LoadedInventory, load_inventory
from kentops.inventory.model import Inventory

__all__ = ["Inventory", "LoadedInventory", "load_inventory"]
