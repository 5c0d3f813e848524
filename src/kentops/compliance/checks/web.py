"""Web presence controls: the certificates the web services present, the registered domains.

WEB-CERT-01 judges the certificates a TLS handshake read in this run (``tls_certificate``):
each must be valid now, verify against the trust store for the name it is reached by, and
stay valid for ``CERT_MIN_DAYS`` more days. WEB-DOMAIN-01 judges the domain registrations
the inventory records (``site.domains``) against the audit date: the end dates come from the
registrar's record as entered, since a registry lookup (whois) is not made from here.
"""

from __future__ import annotations

import datetime as dt
from urllib.parse import urlsplit

from kentops.compliance.checks import CheckContext
from kentops.compliance.checks._common import Issue, aware, judge, listing, payload
from kentops.compliance.model import (
    Finding,
    failed,
    not_applicable,
    not_assessed,
    not_collected,
    passed,
)
from kentops.compliance.payloads import TlsCertificates
from kentops.inventory.model import Asset, Camera, Nvr, Server, Site

#: A certificate with fewer days left than this is failing renewal (an automated 90-day
#: certificate is renewed with 30 left; a yearly one is ordered a month ahead).
CERT_MIN_DAYS = 14
#: A domain registration with fewer days left than this needs renewing now (registrars
#: send the first reminder about 60 days ahead; a lapse takes the web site and e-mail down).
DOMAIN_MIN_DAYS = 60


def https_urls(asset: Asset) -> list[str]:
    """The HTTPS URLs of a server's services (the public web services it runs)."""
    if not isinstance(asset, Server):
        return []
    return [s.url for s in asset.services if s.url and s.url.startswith("https://")]


def certificate_valid(ctx: CheckContext, asset: Asset) -> list[Finding]:
    """WEB-CERT-01: every TLS certificate read from the asset is valid, trusted, and has at
    least CERT_MIN_DAYS left at the audit time."""
    if not isinstance(asset, Server | Camera | Nvr):
        return [not_applicable("Sunucu veya kamera değil", "Not a server or camera")]
    if isinstance(asset, Server) and not https_urls(asset):
        return [not_applicable("HTTPS hizmeti yok", "No HTTPS service")]
    data, stored, missing = payload(ctx, "tls_certificate", asset.id, TlsCertificates)
    if data is None or stored is None:
        return [missing] if missing else []
    findings: list[Finding] = []
    for service, reason in sorted(data.unreachable.items()):
        findings.append(
            not_assessed(
                f"{service}: sertifika okunamadı ({reason})",
                f"{service}: certificate not read ({reason})",
                stored.ref,
            )
        )
    read = {c.service for c in data.certificates}
    for url in https_urls(asset):
        if url not in read and url not in data.unreachable:
            findings.append(
                not_assessed(
                    f"{url}: sertifika bu denetimde okunmadı",
                    f"{url}: certificate not read in this run",
                    stored.ref,
                )
            )
    now = aware(ctx.now)
    for cert in data.certificates:
        issues: list[Issue] = []
        left = aware(cert.not_after) - now
        until = cert.not_after.date().isoformat()
        start = cert.not_before.date().isoformat()
        if aware(cert.not_before) > now:
            issues.append(
                (
                    f"henüz geçerli değil ({start} tarihinden itibaren)",
                    f"not yet valid (from {start})",
                )
            )
        if left <= dt.timedelta(0):
            issues.append((f"süresi {until} tarihinde dolmuş", f"expired on {until}"))
        elif left < dt.timedelta(days=CERT_MIN_DAYS):
            issues.append(
                (
                    f"{left.days} gün sonra ({until}) doluyor, en az {CERT_MIN_DAYS} gün olmalı",
                    f"expires in {left.days} days ({until}), at least {CERT_MIN_DAYS} required",
                )
            )
        if cert.verified is False:
            issues.append(
                (
                    f"güven zinciri veya ad doğrulanamadı ({cert.verify_error})",
                    f"chain or name did not verify ({cert.verify_error})",
                )
            )
        elif cert.verified is None:
            findings.append(
                not_assessed(
                    f"{cert.service}: sertifika doğrulanmadı",
                    f"{cert.service}: certificate not verified",
                    stored.ref,
                )
            )
            continue
        findings.append(
            judge(
                issues,
                f"geçerli, güvenilir, {left.days} gün kaldı ({until})",
                f"valid, trusted, {left.days} days left ({until})",
                stored.ref,
                prefix=(f"{cert.service}: ", f"{cert.service}: "),
            )
        )
    if not findings:
        return [not_assessed("Okunan sertifika yok", "No certificate was read", stored.ref)]
    return findings


def _registered_domain(host: str, domains: list[str]) -> str | None:
    """The longest recorded domain ``host`` is or is under."""
    matches = [d for d in domains if host == d or host.endswith("." + d)]
    return max(matches, key=len) if matches else None


def domains_registered(ctx: CheckContext, _site: Site) -> list[Finding]:
    """WEB-DOMAIN-01: every domain the site's services are reached by is recorded with its
    registration end date, and none ends within DOMAIN_MIN_DAYS of the audit date."""
    if not ctx.collected("inventory"):
        return [not_collected("inventory")]
    inv = ctx.inventory
    ref = f"inventory/{ctx.loaded.origin('site', 0).doc.file.name}"
    hosts = sorted(
        {
            host
            for server in inv.servers
            for service in server.services
            if service.url and (host := urlsplit(service.url).hostname)
        }
        | {inv.site.domain}
    )
    recorded = {d.name: d for d in inv.site.domains}
    unrecorded = [h for h in hosts if _registered_domain(h, list(recorded)) is None]
    findings: list[Finding] = []
    if unrecorded:
        findings.append(
            failed(
                "Tescil kaydı (bitiş tarihi) envanterde olmayan alan adları: "
                + listing(unrecorded),
                "Domains with no registration record (end date) in the inventory: "
                + listing(unrecorded),
                ref,
            )
        )
    today = ctx.today
    for name, reg in sorted(recorded.items()):
        left = (reg.expires - today).days
        until = reg.expires.isoformat()
        if left < 0:
            findings.append(
                failed(
                    f"{name}: tescil {until} tarihinde sona ermiş ({reg.registrar})",
                    f"{name}: registration ended on {until} ({reg.registrar})",
                    ref,
                )
            )
        elif left < DOMAIN_MIN_DAYS:
            findings.append(
                failed(
                    f"{name}: tescil {left} gün sonra ({until}) bitiyor, en az "
                    f"{DOMAIN_MIN_DAYS} gün olmalı",
                    f"{name}: registration ends in {left} days ({until}), at least "
                    f"{DOMAIN_MIN_DAYS} required",
                    ref,
                )
            )
        else:
            findings.append(
                passed(
                    f"{name}: tescil {until} tarihine kadar ({left} gün, {reg.registrar}; "
                    "envanterdeki kayda göre)",
                    f"{name}: registered until {until} ({left} days, {reg.registrar}; "
                    "as the inventory records it)",
                    ref,
                )
            )
    if not findings:
        return [
            failed(
                "Envanterde alan adı tescil kaydı yok",
                "The inventory records no domain registration",
                ref,
            )
        ]
    return findings
