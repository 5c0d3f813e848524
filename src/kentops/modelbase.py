"""What the models of every declarative file share (inventory, policies, catalogs).

Objects are strict (an unknown key is an error) and frozen; ids are short, stable, ASCII
lowercase; text people read is Turkish first with English beside it.
"""

from __future__ import annotations

import re
from typing import Annotated

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, StringConstraints
from pydantic_core import PydanticCustomError

# ---------------------------------------------------------------- free text
# Free text reaches device configurations (descriptions, banners, SNMP locations, caller
# names), reports and terminals. Whatever the output language escapes, the model first
# refuses what no free text needs: control characters (a newline is a second command on
# every CLI), the Unicode line separators and bidirectional overrides, template syntax, and
# secret references (those belong in secret fields only, see policy.common.SecretRef).

_LINE_BREAKS = "\n"
_OTHER_CONTROLS = "\x00-\x09\x0b-\x1f\x7f-\x9f\u2028\u2029\u200e\u200f\u202a-\u202e\u2066-\u2069"
#: JSON Schema form of "one line, no control characters" (editors flag it as you type).
LINE_PATTERN = "^[^" + _LINE_BREAKS + _OTHER_CONTROLS + "]*$"
_LINE_BAD = re.compile("[" + _LINE_BREAKS + _OTHER_CONTROLS + "]")
_PARAGRAPH_BAD = re.compile("[" + _OTHER_CONTROLS + "]")
_TEMPLATE = re.compile(r"\{\{|\}\}|\{%|%\}|\{#|#\}")
#: The whole value is a reference in the form secret fields take (vault:NAME, env:NAME).
_SECRET_REFERENCE = re.compile(r"^\s*(vault|env):[A-Za-z_][A-Za-z0-9_{}]*\s*$")
LINE_MAX = 1024
PARAGRAPH_MAX = 8192


def _free_text(value: str, bad: re.Pattern[str], limit: int, what: str) -> str:
    found = bad.search(value)
    if found:
        raise PydanticCustomError(
            "free_text",
            "{what} holds the control character {char} at position {at}",
            {"what": what, "char": repr(found.group())[1:-1], "at": found.start() + 1},
        )
    if len(value) > limit:
        raise PydanticCustomError(
            "free_text", "{what} is longer than {limit} characters", {"what": what, "limit": limit}
        )
    if _TEMPLATE.search(value):
        raise PydanticCustomError("free_text", "{what} holds Jinja template syntax", {"what": what})
    if _SECRET_REFERENCE.match(value):
        raise PydanticCustomError(
            "free_text",
            "{what} holds a secret reference, which only secret fields may hold",
            {"what": what},
        )
    return value


def _line(value: str) -> str:
    return _free_text(value, _LINE_BAD, LINE_MAX, "one-line text")


def _paragraph(value: str) -> str:
    return _free_text(value, _PARAGRAPH_BAD, PARAGRAPH_MAX, "text")


Line = Annotated[
    str,
    AfterValidator(_line),
    Field(
        description="One line of free text: no control characters, template syntax or "
        "secret references",
        json_schema_extra={"pattern": LINE_PATTERN, "maxLength": LINE_MAX},
    ),
]
Paragraph = Annotated[
    str,
    AfterValidator(_paragraph),
    Field(
        description="Free text; lines may break, nothing else: no control characters, "
        "template syntax or secret references",
        json_schema_extra={"maxLength": PARAGRAPH_MAX},
    ),
]
Word = Annotated[
    str,
    StringConstraints(pattern=r"^[^\s\x00-\x1f\x7f-\x9f]{1,255}$"),
    AfterValidator(_line),
    Field(description="One word: no spaces or control characters (a URL, a host name)"),
]
TimeZone = Annotated[
    str,
    StringConstraints(pattern=r"^[A-Za-z][A-Za-z0-9_+-]*(/[A-Za-z0-9_+-]+){0,2}$", max_length=64),
    Field(description="IANA time zone name, e.g. Europe/Istanbul"),
]

Id = Annotated[
    str,
    StringConstraints(pattern=r"^[a-z0-9][a-z0-9-]{0,62}$"),
    Field(description="Stable ASCII lowercase id: letters, digits and '-' (e.g. hq-sw-core-01)"),
]


class Strict(BaseModel):
    """Base of every declarative object: unknown keys are errors; objects do not change."""

    model_config = ConfigDict(extra="forbid", frozen=True)


class Text(Strict):
    """A text people read: Turkish first, English beside it."""

    tr: Paragraph = Field(min_length=1)
    en: Paragraph = Field(min_length=1)
