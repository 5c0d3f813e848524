"""What the voice collector reads from a PBX's running pjsip.conf and a phone's served
provisioning file (the demo's rendered files, and variants that break one rule each)."""

from __future__ import annotations

from functools import cache

import pytest

from kentops.inventory.loader import load_inventory
from kentops.lab.voice import parse_pjsip, pjsip_endpoints
from kentops.network.voice import pbx_state, phone_state
from kentops.render import Artefact, render_site
from tests.helpers import DEMO, REPO


@cache
def _artefacts() -> tuple[Artefact, ...]:
    loaded = load_inventory(DEMO)
    return tuple(render_site(loaded, REPO / "policies", out=None).artefacts)


def _pbx() -> tuple[str, str, set[str]]:
    loaded = load_inventory(DEMO)
    pbx = loaded.inventory.pbxs[0]
    text = next(a.text for a in _artefacts() if a.device_id == pbx.id and a.name == "pjsip.conf")
    return pbx.id, text, {e.number for e in pbx.extensions}


def _phone() -> tuple[str, str]:
    loaded = load_inventory(DEMO)
    phone = loaded.inventory.phones[0]
    file = next(a for a in _artefacts() if a.device_id == phone.id and a.name.endswith(".cfg"))
    return phone.id, file.text


def test_the_rendered_pbx_configuration_is_tls_srtp_and_closed_to_guests() -> None:
    pbx_id, text, numbers = _pbx()
    online = set(sorted(numbers)[:3]) | {"9999"}  # 9999: online but not configured
    state = pbx_state(pbx_id, text, online)
    assert state.sip_transports == ["tls"]
    assert state.srtp_required is True
    assert state.anonymous_calls is False
    assert set(state.configured_extensions) == numbers
    assert state.registered_extensions == sorted(numbers)[:3]
    assert set(pjsip_endpoints(text)) == numbers


@pytest.mark.parametrize(
    ("change", "field", "value"),
    [
        (
            "\n[transport-udp]\ntype=transport\nprotocol=udp\nbind=0.0.0.0\n",
            "sip_transports",
            ["tls", "udp"],
        ),
        ("\n[kentops-phone](!)\nmedia_encryption_optimistic=yes\n", None, None),
        ("\n[anonymous]\ntype=endpoint\ncontext=dahili\n", "anonymous_calls", True),
    ],
    ids=["udp-transport", "optimistic-srtp", "anonymous-endpoint"],
)
def test_one_broken_rule_shows(change: str, field: str | None, value: object) -> None:
    pbx_id, text, _numbers = _pbx()
    if field is None:  # a template changed before the endpoints that use it
        text = text.replace("media_encryption_optimistic=no", "media_encryption_optimistic=yes", 1)
        assert pbx_state(pbx_id, text, set()).srtp_required is False
        return
    assert getattr(pbx_state(pbx_id, text + change, set()), field) == value


def test_identifying_endpoints_by_address_lets_guests_in() -> None:
    pbx_id, text, _numbers = _pbx()
    opened = text.replace(
        "endpoint_identifier_order=auth_username,username",
        "endpoint_identifier_order=ip,username",
    )
    assert opened != text
    assert pbx_state(pbx_id, opened, set()).anonymous_calls is True


def test_templates_are_not_endpoints_and_their_options_are_inherited() -> None:
    sections = parse_pjsip("[t](!)\ntype=endpoint\nauth=a\n[1001](t)\ncontext=x ; comment\n")
    assert [(s.name, s.template) for s in sections] == [("t", True), ("1001", False)]
    assert sections[1].options == {"type": "endpoint", "auth": "a", "context": "x"}


def test_the_served_phone_file_gives_transport_srtp_extension_and_registration() -> None:
    phone_id, text = _phone()
    extension = next(
        line.split("=", 1)[1].strip()
        for line in text.splitlines()
        if line.startswith("account.1.user_name")
    )
    state = phone_state(phone_id, text, {extension})
    assert (state.sip_transports, state.srtp_required) == (["tls"], True)
    assert (state.extension, state.registered) == (extension, True)
    udp = text.replace("transport_type = 2", "transport_type = 0")
    assert phone_state(phone_id, udp, set()).sip_transports == ["udp"]
    assert phone_state(phone_id, udp, set()).registered is False
