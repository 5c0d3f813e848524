"""The audit's voice collector: the PBX and every phone, read in this run.

For each PBX (``voice_state``, subject = the PBX):

1. **It answers.** One SIP ``OPTIONS`` over UDP (RFC 3261, ``kentops.lab.voice.
   sip_options_ping``) to the PBX's SIP endpoint; the final answer, its ``User-Agent`` and the
   round trip are kept. A PBX that does not answer is not read further: it is listed as
   unreachable and its controls stay "not assessed".
2. **The configuration it runs.** ``pjsip.conf`` as the PBX runs it, read over its
   management interface (the lab PBX's ``GET /config/pjsip.conf``; on a real Asterisk the
   same file over SSH from ``/etc/asterisk``). From it: the transports it listens on
   (``type=transport`` ``protocol=``), whether every endpoint requires SRTP
   (``media_encryption`` sdes/dtls and not ``media_encryption_optimistic=yes``), whether it
   accepts anonymous or guest calls (an ``anonymous`` endpoint, or ``ip``/``anonymous`` in
   ``endpoint_identifier_order``), and the extensions it defines (endpoints with an auth).
3. **Who is registered.** ``GET /ari/endpoints/PJSIP`` (Asterisk ARI's shape): endpoints in
   state ``online``.

For each phone (``voice_state``, subject = the phone): its provisioning file as the
provisioning server serves it (``GET /<mac>.cfg``) is compared byte for byte with the
rendered one; the transport (``account.1.sip_server.1.transport_type``: 0 UDP, 1 TCP, 2 TLS),
SRTP (``account.1.srtp_encryption`` 2 = compulsory) and the extension (``account.1.user_name``)
are read from the served file, registration from the PBX's endpoint list.

Only with ``--lab`` (the lab's PBX and provisioning server): the real PBX's interface needs
credentials this repository does not configure yet, so outside the lab the kind is not
collected.
"""

from __future__ import annotations

import hashlib
import json
import time
import urllib.error
import urllib.request
from typing import Any

from kentops.compliance.evidence import CollectContext, EvidenceItem, NotCollected, json_text
from kentops.compliance.payloads import VoiceState
from kentops.inventory.model import Pbx, Phone
from kentops.lab.state import lab_dir, read_state
from kentops.lab.voice import parse_pjsip, sip_options_ping
from kentops.network.collectors import unreachable_item
from kentops.render import Artefact

#: Seconds for one SIP transaction and one HTTP request.
SIP_TIMEOUT_S = 2.0
HTTP_TIMEOUT_S = 5.0
_TRANSPORTS = {"0": "udp", "1": "tcp", "2": "tls", "3": "dns-naptr"}


def pbx_state(pbx_id: str, pjsip: str, online: set[str]) -> VoiceState:
    """What a PBX's running ``pjsip.conf`` and its endpoint list say."""
    sections = [s for s in parse_pjsip(pjsip) if not s.template]
    transports = sorted(
        {
            s.options.get("protocol", "udp").lower()
            for s in sections
            if s.options.get("type") == "transport"
        }
    )
    endpoints = [s for s in sections if s.options.get("type") == "endpoint"]
    srtp = bool(endpoints) and all(
        s.options.get("media_encryption", "no").lower() in {"sdes", "dtls"}
        and s.options.get("media_encryption_optimistic", "no").lower() not in {"yes", "true"}
        for s in endpoints
    )
    order = next(
        (
            s.options.get("endpoint_identifier_order", "")
            for s in sections
            if s.options.get("type") == "global"
        ),
        "",
    )
    identifiers = {w.strip().lower() for w in order.split(",") if w.strip()}
    anonymous = any(s.name.lower() == "anonymous" for s in endpoints) or bool(
        identifiers & {"ip", "anonymous"}
    )
    configured = sorted(s.name for s in endpoints if s.options.get("auth"))
    return VoiceState(
        asset_id=pbx_id,
        sip_transports=transports,
        srtp_required=srtp,
        anonymous_calls=anonymous,
        registered_extensions=sorted(online & set(configured)),
        configured_extensions=configured,
    )


def phone_settings(text: str) -> dict[str, str]:
    """``key = value`` lines of a Yealink provisioning file (comments left out)."""
    values: dict[str, str] = {}
    for line in text.splitlines():
        if line.startswith("#") or "=" not in line:
            continue
        key, _, value = line.partition("=")
        values[key.strip()] = value.strip()
    return values


def phone_state(phone_id: str, served: str, online: set[str]) -> VoiceState:
    """What a phone's served provisioning file says, and whether its account is online."""
    settings = phone_settings(served)
    extension = settings.get("account.1.user_name")
    transport = settings.get("account.1.sip_server.1.transport_type")
    return VoiceState(
        asset_id=phone_id,
        sip_transports=[_TRANSPORTS.get(transport, transport)] if transport else [],
        srtp_required=settings.get("account.1.srtp_encryption") == "2" if settings else None,
        registered=extension in online if extension else False,
        extension=extension,
    )


def _get(url: str) -> bytes:
    with urllib.request.urlopen(url, timeout=HTTP_TIMEOUT_S) as answer:  # noqa: S310 - lab URL
        body: bytes = answer.read()
        return body


def _sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


class VoiceCollector:
    """The PBX answering SIP, the configuration it runs, and every phone's served file."""

    name = "voice_state"
    kinds: tuple[str, ...] = ("voice_state",)
    after: tuple[str, ...] = ("rendered_config",)

    def collect(self, ctx: CollectContext) -> list[EvidenceItem]:
        inv = ctx.loaded.inventory
        if not inv.pbxs:
            raise NotCollected("the inventory has no PBX")
        if not ctx.lab:
            raise NotCollected("voice state: read only from the lab (--lab)")
        state = read_state(lab_dir(ctx.loaded.root))
        if state is None:
            raise NotCollected("voice state: the lab is not running")
        api = str(state.extra.get("voice", {}).get("pbx_api") or "")
        if not api:
            raise NotCollected("voice state: the lab runs no PBX interface (lab up --only voice)")
        rendered = {
            (s.subject, s.data.name): s.data.text
            for s in ctx.evidence.of_kind("rendered_config")
            if s.subject is not None and isinstance(s.data, Artefact)
        }
        items: list[EvidenceItem] = []
        failed: dict[str, str] = {}
        online_by_pbx: dict[str, set[str]] = {}
        wanted = [p for p in inv.pbxs if not ctx.hosts or p.id in ctx.hosts]
        for pbx in wanted:
            endpoint = state.endpoints.get(pbx.id)
            if endpoint is None or endpoint.service != "sip":
                failed[pbx.id] = "no SIP endpoint in the lab"
                continue
            started = time.monotonic()
            try:
                answer = sip_options_ping(endpoint.address, endpoint.port, timeout=SIP_TIMEOUT_S)
                pjsip = _get(f"{api}/config/pjsip.conf")
                endpoints = json.loads(_get(f"{api}/ari/endpoints/PJSIP"))
            except TimeoutError as exc:
                failed[pbx.id] = f"no answer to SIP OPTIONS: {exc}"
                continue
            except (OSError, urllib.error.URLError, ValueError) as exc:
                failed[pbx.id] = f"PBX interface {api}: {exc}"
                continue
            online = {
                str(e.get("resource"))
                for e in endpoints
                if isinstance(e, dict) and e.get("state") == "online"
            }
            online_by_pbx[pbx.id] = online
            data = pbx_state(pbx.id, pjsip.decode("utf-8", "replace"), online)
            record = {
                "sip_options": {
                    "target": f"udp:{endpoint.address}:{endpoint.port}",
                    "status": answer["status"],
                    "reason": answer["reason"],
                    "user_agent": answer["headers"].get("User-Agent"),
                    "allow": answer["headers"].get("Allow"),
                    "rtt_ms": answer["rtt_ms"],
                },
                "pjsip_conf": {"source": f"{api}/config/pjsip.conf", "sha256": _sha256(pjsip)},
                "endpoints": endpoints,
                "state": data,
                "seconds": round(time.monotonic() - started, 3),
                "pjsip_conf_text": pjsip.decode("utf-8", "replace"),
            }
            items.append(
                EvidenceItem(
                    kind="voice_state",
                    name=f"voice_state/{pbx.id}.json",
                    content=json_text(record),
                    source=(
                        f"SIP OPTIONS udp:{endpoint.address}:{endpoint.port} (lab), "
                        f"PBX interface {api} (pjsip.conf, ARI endpoints)"
                    ),
                    subject=pbx.id,
                    data=data,
                )
            )
        for phone in inv.phones:
            if ctx.hosts and phone.id not in ctx.hosts:
                continue
            item = self._phone(ctx, phone, state.endpoints.get(phone.id), rendered, online_by_pbx)
            if isinstance(item, str):
                failed[phone.id] = item
            else:
                items.append(item)
        if failed:
            items.append(unreachable_item("voice_state", failed, "kentops voice collector"))
        return items

    def _phone(
        self,
        ctx: CollectContext,
        phone: Phone,
        endpoint: Any,
        rendered: dict[tuple[str, str], str],
        online_by_pbx: dict[str, set[str]],
    ) -> EvidenceItem | str:
        """The phone's item, or why it was not read."""
        if endpoint is None or endpoint.service != "provisioning":
            return "no provisioning endpoint in the lab"
        if phone.pbx not in online_by_pbx:
            return f"its PBX {phone.pbx} was not read"
        files = [
            (name, text)
            for (subject, name), text in rendered.items()
            if subject == phone.id and name.endswith(".cfg")
        ]
        if not files:
            return "no rendered provisioning file in this run"
        name, intended = files[0]
        url = f"http://{endpoint.address}:{endpoint.port}/{name}"
        try:
            served = _get(url)
        except urllib.error.HTTPError as exc:
            return f"GET {url}: HTTP {exc.code}"
        except (OSError, urllib.error.URLError) as exc:
            return f"GET {url}: {exc}"
        text = served.decode("utf-8", "replace")
        data = phone_state(phone.id, text, online_by_pbx[phone.pbx])
        pbx = ctx.loaded.inventory.index().get(phone.pbx)
        record = {
            "provisioning": {
                "url": url,
                "served_sha256": _sha256(served),
                "rendered_sha256": _sha256(intended.encode("utf-8")),
                "matches_rendered": served == intended.encode("utf-8"),
            },
            "pbx": phone.pbx if isinstance(pbx, Pbx) else None,
            "state": data,
        }
        return EvidenceItem(
            kind="voice_state",
            name=f"voice_state/{phone.id}.json",
            content=json_text(record),
            source=f"provisioning GET {url} (lab); registration from the PBX's endpoint list",
            subject=phone.id,
            data=data,
        )
