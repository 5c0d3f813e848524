"""What the models of every declarative file share (inventory, policies, catalogs).

Objects are strict (an unknown key is an error) and frozen; ids are short, stable, ASCII
lowercase; text people read is Turkish first with English beside it.
"""

from __future__ import annotations

from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, StringConstraints

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

    tr: str = Field(min_length=1)
    en: str = Field(min_length=1)
