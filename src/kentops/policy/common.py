"""What every policy file shares: strict models, secret references, loading with file:line."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Annotated, Any, TypeVar

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, ValidationError

from kentops.inventory.loader import describe_error
from kentops.modelbase import Id, Strict
from kentops.yamlsource import InvalidInput, Problem, SourceDocument, load_yaml

#: ``vault:NAME`` (an Ansible-vault variable, resolved at deploy time) or ``env:NAME`` (an
#: environment variable). A name may hold ``{extension}`` where one reference serves many
#: accounts (one SIP password per extension).
REFERENCE_PATTERN = r"^(vault|env):[A-Za-z_][A-Za-z0-9_]*(\{extension\}[A-Za-z0-9_]*)?$"
REFERENCE_RE = re.compile(REFERENCE_PATTERN)

SecretRef = Annotated[
    str,
    StringConstraints(pattern=REFERENCE_PATTERN),
    Field(
        description="A reference to a secret, never its value: vault:NAME (Ansible vault "
        "variable vault_NAME at deploy time) or env:NAME (environment variable)"
    ),
]

PolicyId = Id


class PolicyModel(Strict):
    """Base of every policy object: strict and frozen; a field may have a YAML alias."""

    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)


M = TypeVar("M", bound=BaseModel)

_SECRET_HINTS = ("secret", "password", "key", "hash")


def _fix_for(err_loc: tuple[Any, ...], message: str, fix: str) -> tuple[str, str]:
    names = [str(x) for x in err_loc if not isinstance(x, int)]
    name = names[-1] if names else ""
    if "does not match the expected form" in message and any(h in name for h in _SECRET_HINTS):
        return (
            f"'{name}' must be a secret reference, not a value",
            "write vault:NAME or env:NAME and keep the value in the vault or the environment",
        )
    return message, fix


def load_policy_file(file: Path, model: type[M], what: str) -> tuple[M, SourceDocument]:
    """Load one policy YAML file into ``model``; raise InvalidInput naming file and line."""
    if not file.is_file():
        raise InvalidInput(
            [Problem(file, 1, f"{what} policy file not found", f"create {file.name} (see docs)")]
        )
    doc, problems = load_yaml(file)
    if problems:
        raise InvalidInput(problems)
    if not isinstance(doc.data, dict):
        raise InvalidInput(
            [Problem(file, 1, "the file must be a mapping", f"write the {what} policy as keys")]
        )
    try:
        return model.model_validate(doc.data), doc
    except ValidationError as exc:
        out: list[Problem] = []
        for err in exc.errors(include_url=False):
            message, fix = describe_error(err)
            message, fix = _fix_for(tuple(err["loc"]), message, fix)
            out.append(Problem(file, doc.line_of(tuple(err["loc"])), message, fix, what))
        raise InvalidInput(out) from None
