"""SEC-VAULT-01 finds a literal secret in a repository YAML file, and only a literal one."""

from __future__ import annotations

from kentops.compliance.catalog import Catalogs
from kentops.compliance.checks.security import secret_literals
from kentops.compliance.evidence import EvidenceItem
from kentops.compliance.model import Outcome, combine
from tests.unit.compliance.conftest import ContextFactory

LITERAL = """\
site:
  id: ornek
servers:
  - id: hq-srv-db-01
    admin_password: Yaz2026!gizli
    backup_passphrase: vault:backup_passphrase
    snmp_community: "{{ vault_snmp_community }}"
"""


def test_literal_yaml_secret_is_found_and_references_are_not() -> None:
    assert secret_literals(LITERAL, yaml=True) == [(5, "admin_password")]


def test_vault_check_fails_on_a_literal_secret(
    make_ctx: ContextFactory, catalogs: Catalogs
) -> None:
    item = EvidenceItem(
        kind="inventory",
        name="inventory/servers.yml",
        content=LITERAL,
        source="test",
    )
    ctx = make_ctx([item], collected={"inventory", "policies", "rendered_config"})
    findings = catalogs.controls.checks["SEC-VAULT-01"](ctx, ctx.inventory.site)
    assert combine(findings) is Outcome.FAIL
    assert "inventory/servers.yml:5 (admin_password)" in findings[0].en
