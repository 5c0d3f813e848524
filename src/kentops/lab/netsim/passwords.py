"""How the devices store passwords typed in clear: as the real platforms show them.

A compliance check reading a simulated device's configuration must see what it would see
on a real one: Cisco turns ``secret`` into a type 9 (scrypt) hash and, with ``service
password-encryption``, ``password`` into type 7; Huawei stores ``irreversible-cipher``
passwords hashed and ``cipher`` passwords wrapped in ``%^%#``.
"""

from __future__ import annotations

import base64
import hashlib
import re
import secrets

from kentops.lab.netsim.config import ConfigNode

_CRYPT_ALPHABET = "./0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
_B64_ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"
_TYPE7_KEY = "dsfd;kfoA,.iyewrkldJKDHSUBsgvca69834ncxv9873254k;fg87"


def _crypt64(data: bytes) -> str:
    text = base64.b64encode(data).decode().rstrip("=")
    return text.translate(str.maketrans(_B64_ALPHABET, _CRYPT_ALPHABET))


def cisco_type9(password: str) -> str:
    """A Cisco type 9 secret: scrypt (N=16384, r=1, p=1) with a 14-character salt."""
    salt = "".join(secrets.choice(_CRYPT_ALPHABET) for _ in range(14))
    digest = hashlib.scrypt(password.encode(), salt=salt.encode(), n=16384, r=1, p=1, dklen=32)
    return f"$9${salt}${_crypt64(digest)}"


def cisco_type7(password: str) -> str:
    """The reversible Cisco type 7 encoding (what ``service password-encryption`` shows)."""
    seed = secrets.randbelow(16)
    encoded = "".join(
        f"{ord(char) ^ ord(_TYPE7_KEY[(seed + i) % len(_TYPE7_KEY)]):02X}"
        for i, char in enumerate(password)
    )
    return f"{seed:02d}{encoded}"


def huawei_irreversible(password: str) -> str:
    salt = secrets.token_hex(6)
    digest = hashlib.sha256((salt + password).encode()).digest()
    return f"$1a${salt}${_crypt64(digest)}$"


def huawei_cipher(password: str) -> str:
    return "%^%#" + _crypt64(hashlib.sha256(password.encode()).digest())[:32] + "%^%#"


_IOS_SECRET = re.compile(
    r"^(?P<head>(?:enable|username \S+(?: privilege \d+)?) secret )(?:(?P<type>\d) )?(?P<pw>\S+)$"
)
_IOS_PASSWORD = re.compile(
    r"^(?P<head>(?P<user>username \S+(?: privilege \d+)? )?(?:enable )?password )"
    r"(?:(?P<type>[07]) )?(?P<pw>\S+)$"
)
_VRP_LOCAL_USER = re.compile(
    r"^(?P<head>local-user \S+ password )(?P<kind>irreversible-cipher|cipher|simple) (?P<pw>\S+)$"
)


def _ios_password(match: re.Match[str], encrypted: bool) -> str:
    if match.group("type") == "7":
        return match.group(0)
    if encrypted:
        return f"{match.group('head')}7 {cisco_type7(match.group('pw'))}"
    zero = "0 " if match.group("user") else ""
    return f"{match.group('head')}{zero}{match.group('pw')}"


def ios_rewrite(line: str, root: ConfigNode) -> str:
    """A clear-text secret or password line as IOS stores it."""
    match = _IOS_SECRET.match(line)
    if match:
        if match.group("type") in (None, "0"):
            return f"{match.group('head')}9 {cisco_type9(match.group('pw'))}"
        return line
    match = _IOS_PASSWORD.match(line)
    if match:
        return _ios_password(match, root.child("service password-encryption") is not None)
    return line


def ios_after_change(root: ConfigNode) -> None:
    """With ``service password-encryption``, IOS re-encodes every clear password at once."""
    if root.child("service password-encryption") is None:
        return
    stack = [root]
    while stack:
        node = stack.pop()
        for child in node.children:
            match = _IOS_PASSWORD.match(child.text)
            if match:
                child.text = _ios_password(match, encrypted=True)
            stack.append(child)


def vrp_rewrite(line: str, _root: ConfigNode) -> str:
    """A clear-text local-user password as VRP stores it."""
    match = _VRP_LOCAL_USER.match(line)
    if not match:
        return line
    password = match.group("pw")
    if match.group("kind") == "cipher":
        if password.startswith("%^%#"):
            return line
        return f"{match.group('head')}cipher {huawei_cipher(password)}"
    if password.startswith(("$1a$", "$1c$", "$1d$")):
        return line
    return f"{match.group('head')}irreversible-cipher {huawei_irreversible(password)}"
