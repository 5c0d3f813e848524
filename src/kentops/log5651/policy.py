"""The Law 5651 logging policy (policies/logging.yml): sources, retention, seal delay.

``sources`` lists every asset whose records the law asks for (DHCP servers, routers and
firewalls that NAT to the internet), with the names its lines carry (syslog host names or
addresses, the ``--source`` given to ``ingest``), so the archive's source ids are read as
inventory asset ids.
"""

from __future__ import annotations

from pathlib import Path

from pydantic import Field, StrictFloat, StrictInt

from kentops.inventory.loader import LoadedInventory
from kentops.modelbase import Id, Line
from kentops.policy.common import PolicyModel, load_policy_file
from kentops.yamlsource import InvalidInput, Problem

LOGGING_FILE = "logging.yml"
MIN_RETENTION_DAYS = 730


class LogSource(PolicyModel):
    asset: Id = Field(description="Inventory id of the DHCP server, router or firewall")
    hosts: list[Line] = Field(
        default_factory=list, description="Names its lines carry (syslog host, address)"
    )
    timezone: Line | None = Field(
        default=None, description="Zone of its times written without an offset"
    )


class LoggingPolicy(PolicyModel):
    retention_days: StrictInt = Field(
        default=MIN_RETENTION_DAYS, description="Days kept (Law 5651: two years at least)"
    )
    seal_delay_hours: StrictInt | StrictFloat = Field(
        default=26, gt=0, description="Longest wait for a day's time stamp after it ends"
    )
    sources: list[LogSource] = Field(min_length=1)

    def aliases(self) -> dict[str, str]:
        """Source name in the archive -> asset id."""
        out = {}
        for source in self.sources:
            out[source.asset] = source.asset
            for host in source.hosts:
                out[host] = source.asset
        return out


def load_logging_policy(file: Path, loaded: LoadedInventory | None = None) -> LoggingPolicy:
    """Load and check policies/logging.yml; InvalidInput names file, line and fix."""
    policy, doc = load_policy_file(file, LoggingPolicy, "logging")
    problems = []
    if policy.retention_days < MIN_RETENTION_DAYS:
        problems.append(
            Problem(
                doc.file,
                doc.line_of(("retention_days",)),
                f"retention of {policy.retention_days} days is shorter than Law 5651's two years",
                f"write retention_days: {MIN_RETENTION_DAYS} or more",
                "retention_days",
            )
        )
    if loaded is not None:
        known = set(loaded.inventory.index())
        for i, source in enumerate(policy.sources):
            if source.asset not in known:
                problems.append(
                    Problem(
                        doc.file,
                        doc.line_of(("sources", i, "asset")),
                        f"source {source.asset!r} is not an asset of the inventory",
                        "use the id of a DHCP server, router or firewall of the inventory",
                        "sources",
                    )
                )
    if problems:
        raise InvalidInput(problems)
    return policy
