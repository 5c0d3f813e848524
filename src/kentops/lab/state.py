"""The lab's state file, as the lab's own modules know it; defined in :mod:`kentops.labstate`."""

from kentops.labstate import (
    STATE_FILE,
    Endpoint,
    LabState,
    control_dir,
    lab_dir,
    lab_requested,
    read_state,
    write_state,
)

__all__ = [
    "STATE_FILE",
    "Endpoint",
    "LabState",
    "control_dir",
    "lab_dir",
    "lab_requested",
    "read_state",
    "write_state",
]
