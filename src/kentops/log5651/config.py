"""Which TSA to seal with and trust: options, the environment, or the lab's state file.

Order: ``--tsa-url/--tsa-root/--tsa-cert``; else ``KENTOPS_TSA_URL``, ``KENTOPS_TSA_ROOT_CERT``,
``KENTOPS_TSA_CERT``; else with ``--lab`` (or ``KENTOPS_LAB=1``) the lab TSA written to the lab
state file by ``kentops lab up --only tsa``. TÜBİTAK Kamu SM customers add
``KENTOPS_TSA_CUSTOMER_ID`` and ``KENTOPS_TSA_PASSWORD`` (never written anywhere by kentops).
"""

from __future__ import annotations

import os
from pathlib import Path

from kentops.log5651.store import ArchiveError
from kentops.log5651.timestamp import TsaConfig, TubitakIdentity

URL_ENV = "KENTOPS_TSA_URL"
ROOT_ENV = "KENTOPS_TSA_ROOT_CERT"
CERT_ENV = "KENTOPS_TSA_CERT"
CUSTOMER_ENV = "KENTOPS_TSA_CUSTOMER_ID"
PASSWORD_ENV = "KENTOPS_TSA_PASSWORD"  # noqa: S105 (the variable's name)


def lab_tsa() -> tuple[str, Path, Path] | None:
    """URL, root and TSA certificate of the running lab TSA, or None."""
    from kentops.lab.state import lab_dir, read_state

    state = read_state(lab_dir())
    entry = state.extra.get("tsa") if state is not None else None
    if not entry:
        return None
    return str(entry["url"]), Path(entry["root_cert"]), Path(entry["tsa_cert"])


def tsa_config(
    url: str | None = None,
    root: Path | None = None,
    cert: Path | None = None,
    lab: bool = False,
    need_url: bool = True,
) -> TsaConfig:
    """The TSA configuration, or ArchiveError saying what to give."""
    from kentops.lab.state import lab_requested

    url = url or os.environ.get(URL_ENV)
    root = root or (Path(os.environ[ROOT_ENV]) if os.environ.get(ROOT_ENV) else None)
    cert = cert or (Path(os.environ[CERT_ENV]) if os.environ.get(CERT_ENV) else None)
    if (lab or lab_requested()) and not (root and cert):
        found = lab_tsa()
        if found is None:
            raise ArchiveError(
                "--lab: the lab state has no TSA; start it with "
                "`uv run kentops lab up inventories/demo --only tsa`"
            )
        url, root, cert = url or found[0], found[1], found[2]
    if root is None or cert is None or (need_url and not url):
        raise ArchiveError(
            "no time-stamp authority configured: give --tsa-url URL --tsa-root ROOT.pem "
            f"--tsa-cert TSA.pem (or set {URL_ENV}, {ROOT_ENV}, {CERT_ENV}; or --lab)"
        )
    for path in (root, cert):
        if not path.is_file():
            raise ArchiveError(f"{path}: certificate file not found")
    identity = None
    customer = os.environ.get(CUSTOMER_ENV)
    if customer:
        password = os.environ.get(PASSWORD_ENV)
        if not password or not customer.isdigit():
            raise ArchiveError(
                f"{CUSTOMER_ENV} must be the numeric customer id and {PASSWORD_ENV} its password"
            )
        identity = TubitakIdentity(int(customer), password)
    return TsaConfig(url or "", root, cert, identity=identity)
