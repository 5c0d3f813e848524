"""The written statement of a search (Turkish, English beside it): HTML that prints to PDF.

It holds the query, the answer, the raw lines it rests on, for each day those lines come from
the manifest's SHA-256, the raw files' SHA-256, the time stamp (time, TSA, serial) and its
verification in this run, and the commands with which anyone can check them without kentops.
"""

from __future__ import annotations

import datetime as dt
import html

from kentops.log5651.archive import ARCHIVE_TZ, MANIFEST, SUMS, TOKEN, Archive
from kentops.log5651.records import offset_text
from kentops.log5651.search import Answer, Lease

_STYLE = """
body { font-family: "DejaVu Sans", Arial, sans-serif; font-size: 11pt; margin: 2cm; }
h1 { font-size: 16pt; } h2 { font-size: 13pt; margin-top: 1.2em; }
table { border-collapse: collapse; width: 100%; } td, th { border: 1px solid #999;
padding: 3px 6px; vertical-align: top; text-align: left; }
code, pre { font-family: "DejaVu Sans Mono", monospace; font-size: 9pt; word-break: break-all;
white-space: pre-wrap; } .en { color: #555; font-style: italic; }
.ok { color: #060; font-weight: bold; } .bad { color: #a00; font-weight: bold; }
"""

_REASONS = {
    "release": ("istemci adresi bıraktı", "released by the client"),
    "expire": ("kira süresi doldu", "lease expired"),
    "decline": ("istemci adresi reddetti", "declined by the client"),
    "nak": ("sunucu reddetti", "refused by the server"),
    "lease time": ("kira süresinin sonu", "end of the lease time"),
    "next event": ("adres başka bir cihaza verildi", "address given to another device"),
    "open": ("kayıtlarda bitişi yok", "no end in the records"),
}


def _e(value: object) -> str:
    return html.escape("" if value is None else str(value))


def _local(text: str | None) -> str:
    if not text:
        return "—"
    when = dt.datetime.fromisoformat(text.replace("Z", "+00:00"))
    local = when.astimezone(ARCHIVE_TZ)
    return f"{local.strftime('%d.%m.%Y %H:%M:%S')} (UTC{offset_text(local)}) / {text}"


def _lease_rows(lease: Lease) -> str:
    data = lease.as_dict()
    reason = _REASONS.get(lease.end_reason, (lease.end_reason, lease.end_reason))
    rows = [
        ("IP adresi / IP address", data["ip"]),
        ("MAC adresi / MAC address", data["mac"] or "—"),
        ("Cihaz adı / Hostname", data["hostname"] or "—"),
        ("Kullanıcı / User", data["user"] or "— (kayıtlarda yok / not in the records)"),
        ("Kaynak / Source", data["source"]),
        ("Kira başlangıcı / Lease start", _local(data["start"])),
        ("Kira bitişi / Lease end", f"{_local(data['end'])} — {reason[0]} / {reason[1]}"),
    ]
    return "".join(f"<tr><th>{_e(k)}</th><td>{_e(v)}</td></tr>" for k, v in rows)


def _previous(link: dict[str, str] | None) -> str:
    if not link:
        return "— (arşivin ilk günü / the archive's first day)"
    return (
        f"{_e(link.get('day'))}: {MANIFEST} SHA-256 <code>{_e(link.get('manifest_sha256'))}</code>"
    )


def _day_section(archive: Archive, answer: Answer, day: dt.date) -> str:
    report = answer.days.get(day)
    label = day.isoformat()
    if not archive.is_sealed(day):
        return (
            f"<h3>{label}</h3><p class='bad'>Bu gün henüz mühürlenmedi; kayıtlar zaman "
            "damgası taşımıyor. <span class='en'>This day is not sealed yet; its records "
            "carry no time stamp.</span></p>"
        )
    manifest = archive.manifest(day)
    sha = report.manifest_sha256 if report else None
    if report is None:
        status = (
            "<span class='bad'>doğrulanmadı (sabitlenmiş TSA sertifikası verilmedi) / not "
            "verified (no pinned TSA certificate given)</span>"
        )
    elif report.ok:
        status = "<span class='ok'>doğrulandı / verified</span>"
    else:
        problems = "; ".join(report.problems)
        status = f"<span class='bad'>DOĞRULANAMADI / FAILED: {_e(problems)}</span>"
    files = "".join(
        f"<tr><td><code>{_e(f['path'])}</code></td><td>{_e(f['size'])}</td>"
        f"<td><code>{_e(f['sha256'])}</code></td></tr>"
        for f in manifest.get("files", [])
    )
    tsa = manifest.get("tsa", {})
    gen = report.gen_time.isoformat() if report and report.gen_time else "—"
    return f"""
<h3>{label}</h3>
<table>
<tr><th>Doğrulama / Verification</th><td>{status}</td></tr>
<tr><th>{MANIFEST} SHA-256</th><td><code>{_e(sha)}</code></td></tr>
<tr><th>Zaman damgası / Time stamp</th><td>{_e(gen)} — <code>{TOKEN}</code>,
 TSA {_e(tsa.get("url"))}, TSA sertifikası / certificate SHA-256
 <code>{_e(tsa.get("tsa_cert_sha256"))}</code></td></tr>
<tr><th>Önceki gün / Previous day</th><td>{_previous(manifest.get("previous"))}</td></tr>
</table>
<table><tr><th>Dosya / File</th><th>Bayt / Bytes</th><th>SHA-256</th></tr>{files}</table>
"""


def render_statement(archive: Archive, answer: Answer, now: dt.datetime | None = None) -> str:
    """The statement as one HTML document."""
    now = now or dt.datetime.now(dt.UTC)
    query = ", ".join(f"{k} = {v}" for k, v in answer.query.items())
    if answer.holder is not None:
        result = (
            "<p>Sorgulanan anda adres aşağıdaki cihazdaydı. <span class='en'>At the moment "
            "asked, the address was held by the device below.</span></p>"
            f"<table>{_lease_rows(answer.holder)}</table>"
        )
    elif answer.leases:
        result = "".join(f"<table>{_lease_rows(lease)}</table><br>" for lease in answer.leases)
    else:
        result = (
            "<p><b>Sorgulanan anda bu adres arşivdeki kayıtlara göre hiçbir cihaza ait "
            "değildi.</b> <span class='en'>According to the archive's records, nobody held "
            "this address at the moment asked.</span></p>"
        )
    nat = ""
    if answer.nat is not None:
        n = answer.nat.record
        nat = (
            "<h2>NAT dönüşümü / NAT translation</h2><table>"
            f"<tr><th>Dış adres / Outside</th><td>{_e(n.nat_outside)}</td></tr>"
            f"<tr><th>İç adres / Inside</th><td>{_e(n.nat_inside)}</td></tr>"
            f"<tr><th>Hedef / Destination</th><td>{_e(n.nat_destination)}</td></tr>"
            f"<tr><th>Zaman / Time</th><td>{_e(_local(answer.nat.as_dict()['time']))}</td></tr>"
            "</table>"
        )
    lines = []
    items = ([answer.nat] if answer.nat else []) + [
        e
        for lease in ([answer.holder] if answer.holder else []) + answer.leases
        for e in lease.evidence
    ]
    for item in items:
        d = item.as_dict()
        lines.append(
            f"<tr><td><code>{_e(d['file'])}</code>:{_e(d['line'])}</td>"
            f"<td>{_e(d['event'])}</td><td><code>{_e(d['text'])}</code></td></tr>"
        )
    evidence = (
        "<table><tr><th>Dosya:satır / File:line</th><th>Olay / Event</th>"
        f"<th>Ham kayıt / Raw line</th></tr>{''.join(lines)}</table>"
        if lines
        else "<p>Dayanak kayıt yok. <span class='en'>No record.</span></p>"
    )
    days = "".join(_day_section(archive, answer, day) for day in answer.evidence_days)
    searched = (
        f"{answer.searched[0].isoformat()} – {answer.searched[1].isoformat()}"
        if answer.searched
        else "—"
    )
    return f"""<!DOCTYPE html>
<html lang="tr"><head><meta charset="utf-8">
<title>5651 kayıt tutanağı / Law 5651 record statement</title><style>{_STYLE}</style></head>
<body>
<h1>5651 Sayılı Kanun kapsamında iç IP dağıtım kaydı tutanağı<br>
<span class="en">Statement of internal IP allocation records under Law 5651</span></h1>
<p>Düzenlenme zamanı / Issued: {_e(now.isoformat())}<br>
Arşiv / Archive: <code>{_e(archive.root.resolve())}</code><br>
Taranan günler / Days searched: {_e(searched)}</p>
<h2>Sorgu / Query</h2><p><code>{_e(query)}</code></p>
<h2>Sonuç / Answer</h2>{result}{nat}
<h2>Dayanak kayıtlar / Evidence lines</h2>{evidence}
<h2>Günlerin bütünlüğü / Integrity of the days</h2>{days or "<p>—</p>"}
<h2>Nasıl doğrulanır / How to verify</h2>
<p>Her gün <code>days/GG/</code> klasöründedir. Zaman damgası, <code>{MANIFEST}</code>
dosyasının SHA-256 özetini kapsar; <code>{MANIFEST}</code> ve <code>{SUMS}</code> her dosyanın
SHA-256 özetini, <code>previous</code> alanı önceki günün <code>{MANIFEST}</code> özetini
taşır. <span class="en">Each day is in its folder days/DAY/. The time stamp covers the SHA-256
of {MANIFEST}; {MANIFEST} and {SUMS} hold the SHA-256 of every file, and its
<code>previous</code> field the SHA-256 of the day before's {MANIFEST}.</span></p>
<pre>cd days/GG
openssl ts -verify -in {TOKEN} -data {MANIFEST} -CAfile TSA-kok.pem -untrusted TSA.pem
openssl ts -reply -in {TOKEN} -text
sha256sum {MANIFEST} {SUMS}
sha256sum -c {SUMS}
sha256sum ../ONCEKI-GUN/{MANIFEST}</pre>
<p>TSA kök ve TSA sertifikaları zaman damgası hizmetinin yayımladıklarıdır (arşivdeki
<code>tsa/</code> kopyalarının SHA-256 parmak izleri yukarıda). <span class="en">Use the root and
TSA certificates the time-stamp service publishes (fingerprints of the archive's copies
above).</span></p>
</body></html>
"""
