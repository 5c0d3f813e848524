"""The LDAP reader against ldap3's mock server: standard AD attributes in, the directory
payload out (AD times, disabled flag, group members, domain password policy)."""

from __future__ import annotations

import datetime as dt

import ldap3

from kentops.servers.directory import base_dn, read, state_from_raw

BASE = "DC=ornek,DC=bel,DC=tr"


def test_reads_accounts_groups_and_policy() -> None:
    server = ldap3.Server("mock", get_info=ldap3.OFFLINE_AD_2012_R2)
    conn = ldap3.Connection(
        server, user=f"CN=reader,CN=Users,{BASE}", password="mock", client_strategy=ldap3.MOCK_SYNC
    )
    add = conn.strategy.add_entry
    add(f"CN=reader,CN=Users,{BASE}", {"userPassword": "mock"}, validate=False)
    add(
        BASE,
        {
            "objectClass": ["domain"],
            "minPwdLength": "7",
            "pwdProperties": "0",
            "lockoutThreshold": "0",
            "maxPwdAge": "-37108517437440",
        },
        validate=False,
    )
    add(
        f"CN=Ali Ozturk,CN=Users,{BASE}",
        {
            "objectClass": ["user"],
            "objectCategory": "person",
            "sAMAccountName": "ali.ozturk",
            "userAccountControl": "514",
            "lastLogonTimestamp": "133400000000000000",
            "memberOf": [f"CN=Domain Admins,CN=Users,{BASE}"],
        },
        validate=False,
    )
    add(
        f"CN=Domain Admins,CN=Users,{BASE}",
        {
            "objectClass": ["group"],
            "cn": "Domain Admins",
            "member": [f"CN=Ali Ozturk,CN=Users,{BASE}"],
        },
        validate=False,
    )
    conn.bind()
    state = state_from_raw("hq-srv-dc-01", read(conn, BASE))
    assert base_dn("ornek.bel.tr") == BASE
    assert state.privileged == {"Domain Admins": ["ali.ozturk"]}
    [ali] = [a for a in state.accounts or [] if a.name == "ali.ozturk"]
    assert ali.enabled is False
    assert ali.groups == ["Domain Admins"]
    assert ali.last_logon == dt.datetime(2023, 9, 24, 3, 33, 20, tzinfo=dt.UTC)
    policy = state.password_policy
    assert policy is not None
    assert (policy.min_length, policy.complexity, policy.lockout_threshold) == (7, False, 0)
    assert policy.max_age_days is not None
    assert round(policy.max_age_days) == 43


def test_a_privileged_group_nested_in_another_is_not_an_unknown_member() -> None:
    from kentops.servers.directory import directory_state

    admins = f"CN=Domain Admins,CN=Users,{BASE}"
    state = directory_state(
        "hq-srv-dc-01",
        BASE,
        None,
        [(f"CN=ahmet,CN=Users,{BASE}", {"sAMAccountName": ["ahmet.yilmaz"]})],
        [
            (admins, {"member": [f"CN=ahmet,CN=Users,{BASE}"]}),
            (
                f"CN=Administrators,CN=Builtin,{BASE}",
                {"member": [admins, f"CN=Helpdesk,CN=Users,{BASE}"]},
            ),
        ],
    )
    # Domain Admins is judged by its own members; a non-privileged group inside stays visible
    assert state.privileged == {"Domain Admins": ["ahmet.yilmaz"], "Administrators": ["Helpdesk"]}
