"""Web controls: certificates read by a TLS handshake (WEB-CERT-01) and the domain
registrations the inventory records (WEB-DOMAIN-01), judged at the audit time."""

from __future__ import annotations

import dataclasses
import datetime as dt
from typing import Any

import pytest

from kentops.compliance.catalog import Catalogs
from kentops.compliance.checks.web import CERT_MIN_DAYS, DOMAIN_MIN_DAYS
from kentops.compliance.model import Outcome
from kentops.compliance.payloads import TlsCertificate, TlsCertificates
from kentops.inventory.loader import LoadedInventory
from kentops.inventory.model import DomainRegistration
from tests.unit.compliance.conftest import NOW, ContextFactory
from tests.unit.compliance.test_checks_evidence import item, run

WEB = "hq-srv-web-01"
URLS = ("https://www.ornek.bel.tr/", "https://ebelediye.ornek.bel.tr/")
CAMERA = "hq-cam-01"


def cert(service: str, days_left: float = 80, **changes: Any) -> TlsCertificate:
    base = TlsCertificate(
        service=service,
        address="10.10.70.12",
        port=443,
        server_name=service.split("/")[2],
        subject="CN=" + service.split("/")[2],
        issuer="CN=Örnek Belediyesi CA",
        not_before=NOW - dt.timedelta(days=10),
        not_after=NOW + dt.timedelta(days=days_left),
        names=[service.split("/")[2]],
        sha256="ab" * 32,
        verified=True,
    )
    return base.model_copy(update=changes)


def certs(asset: str = WEB, *certificates: TlsCertificate, **unreachable: str) -> TlsCertificates:
    chosen = list(certificates) if certificates else [cert(u) for u in URLS]
    return TlsCertificates(asset_id=asset, certificates=chosen, unreachable=unreachable)


def test_valid_trusted_certificates_pass(make_ctx: ContextFactory, catalogs: Catalogs) -> None:
    ctx = make_ctx([item("tls_certificate", WEB, certs())])
    outcome, text = run(catalogs, "WEB-CERT-01", ctx, WEB)
    assert outcome is Outcome.PASS, text
    assert "80 days left" in text


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        ({"days_left": CERT_MIN_DAYS - 1}, f"expires in {CERT_MIN_DAYS - 1} days"),
        ({"days_left": -3}, "expired on"),
        ({"verified": False, "verify_error": "self-signed certificate"}, "self-signed"),
        ({"not_before": NOW + dt.timedelta(days=2)}, "not yet valid"),
    ],
)
def test_each_certificate_fault_fails_by_name(
    make_ctx: ContextFactory, catalogs: Catalogs, change: dict[str, Any], expected: str
) -> None:
    bad = cert(URLS[1], **change)
    ctx = make_ctx([item("tls_certificate", WEB, certs(WEB, cert(URLS[0]), bad))])
    outcome, text = run(catalogs, "WEB-CERT-01", ctx, WEB)
    assert outcome is Outcome.FAIL, text
    assert expected in text and URLS[1] in text


def test_a_certificate_at_the_limit_passes(make_ctx: ContextFactory, catalogs: Catalogs) -> None:
    edge = cert(URLS[1], days_left=CERT_MIN_DAYS)
    ctx = make_ctx([item("tls_certificate", WEB, certs(WEB, cert(URLS[0]), edge))])
    outcome, text = run(catalogs, "WEB-CERT-01", ctx, WEB)
    assert outcome is Outcome.PASS, text


def test_unread_or_unverified_is_never_a_pass(make_ctx: ContextFactory, catalogs: Catalogs) -> None:
    # one service did not answer: the other passes, the subject is not wholly passed
    one = certs(WEB, cert(URLS[0]), **{URLS[1]: "ConnectionRefusedError"})
    outcome, text = run(catalogs, "WEB-CERT-01", make_ctx([item("tls_certificate", WEB, one)]), WEB)
    assert outcome is not Outcome.PASS and "ConnectionRefusedError" in text
    # a URL neither read nor named unreachable
    partial = certs(WEB, cert(URLS[0]))
    ctx = make_ctx([item("tls_certificate", WEB, partial)])
    outcome, text = run(catalogs, "WEB-CERT-01", ctx, WEB)
    assert outcome is not Outcome.PASS and "not read in this run" in text
    # read but the verifying handshake failed
    unverified = certs(WEB, cert(URLS[0]), cert(URLS[1], verified=None))
    ctx = make_ctx([item("tls_certificate", WEB, unverified)])
    outcome, text = run(catalogs, "WEB-CERT-01", ctx, WEB)
    assert outcome is not Outcome.PASS and "not verified" in text
    # nothing about this server, or the collector did not run
    other = make_ctx([item("tls_certificate", "hq-srv-cbs-01", certs("hq-srv-cbs-01"))])
    assert run(catalogs, "WEB-CERT-01", other, WEB)[0] is Outcome.NOT_ASSESSED
    assert run(catalogs, "WEB-CERT-01", make_ctx([]), WEB)[0] is Outcome.NOT_ASSESSED


def test_camera_interface_and_servers_without_https(
    make_ctx: ContextFactory, catalogs: Catalogs
) -> None:
    camera = certs(CAMERA, cert("https://127.0.0.1:8443/", server_name=None))
    ctx = make_ctx([item("tls_certificate", CAMERA, camera)])
    assert run(catalogs, "WEB-CERT-01", ctx, CAMERA)[0] is Outcome.PASS
    # the DHCP server has no HTTPS service: nothing to judge
    assert run(catalogs, "WEB-CERT-01", ctx, "hq-srv-dhcp-01")[0] is Outcome.NOT_APPLICABLE


def _with_domains(loaded: LoadedInventory, *domains: DomainRegistration) -> LoadedInventory:
    inv = loaded.inventory
    site = inv.site.model_copy(update={"domains": list(domains)})
    return dataclasses.replace(loaded, inventory=inv.model_copy(update={"site": site}))


def _domain(name: str, days_left: int) -> DomainRegistration:
    return DomainRegistration(
        name=name, registrar="TRABİS", expires=NOW.date() + dt.timedelta(days=days_left)
    )


def test_demo_domains_recorded_and_far_from_expiry(
    make_ctx: ContextFactory, catalogs: Catalogs
) -> None:
    outcome, text = run(catalogs, "WEB-DOMAIN-01", make_ctx([]), "ornek")
    assert outcome is Outcome.PASS, text
    assert "ornek.bel.tr: registered until 2027-09-30" in text


@pytest.mark.parametrize(
    ("days_left", "outcome", "expected"),
    [
        (DOMAIN_MIN_DAYS, Outcome.PASS, "registered until"),
        (DOMAIN_MIN_DAYS - 1, Outcome.FAIL, f"ends in {DOMAIN_MIN_DAYS - 1} days"),
        (0, Outcome.FAIL, "ends in 0 days"),
        (-1, Outcome.FAIL, "registration ended on"),
    ],
)
def test_domain_expiry_judged_against_the_audit_date(
    make_ctx: ContextFactory,
    catalogs: Catalogs,
    demo_loaded: LoadedInventory,
    days_left: int,
    outcome: Outcome,
    expected: str,
) -> None:
    loaded = _with_domains(demo_loaded, _domain("ornek.bel.tr", days_left))
    result, text = run(catalogs, "WEB-DOMAIN-01", make_ctx([], loaded=loaded), "ornek")
    assert result is outcome, text
    assert expected in text


def test_a_service_under_an_unrecorded_domain_fails(
    make_ctx: ContextFactory, catalogs: Catalogs, demo_loaded: LoadedInventory
) -> None:
    # a registration of another name does not cover the site's own domain
    loaded = _with_domains(demo_loaded, _domain("ornekbelediyesi.gov.tr", 300))
    outcome, text = run(catalogs, "WEB-DOMAIN-01", make_ctx([], loaded=loaded), "ornek")
    assert outcome is Outcome.FAIL, text
    assert "no registration record" in text and "www.ornek.bel.tr" in text
    loaded = _with_domains(demo_loaded)
    outcome, text = run(catalogs, "WEB-DOMAIN-01", make_ctx([], loaded=loaded), "ornek")
    assert outcome is Outcome.FAIL, text
