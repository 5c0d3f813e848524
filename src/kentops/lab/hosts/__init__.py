"""Real Debian test hosts for the lab: network namespaces, overlayfs, sshd, no systemd."""

from kentops.lab.hosts.image import PACKAGES, ensure_image, image_key
from kentops.lab.hosts.lab import (
    HostLab,
    HostSpec,
    LabError,
    LabHost,
    leftovers,
    prerequisites,
    run_leftovers,
)

__all__ = [
    "PACKAGES",
    "HostLab",
    "HostSpec",
    "LabError",
    "LabHost",
    "ensure_image",
    "image_key",
    "leftovers",
    "prerequisites",
    "run_leftovers",
]
