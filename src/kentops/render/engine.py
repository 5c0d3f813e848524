"""A Jinja environment that renders exactly as Ansible's ``template`` module does.

Same options (``trim_blocks`` on, ``#jinja2:`` first-line overrides, trailing newlines of the
template kept), same filters (loaded from filter_plugins/), strict undefined variables. A test
renders one device both ways and compares the bytes.
"""

from __future__ import annotations

import ast
import re
from dataclasses import dataclass
from pathlib import Path
from types import TracebackType
from typing import Any

import jinja2

OVERRIDE_PREFIX = "#jinja2:"
_OVERRIDE_KEYS = frozenset(
    {"trim_blocks", "lstrip_blocks", "keep_trailing_newline", "newline_sequence"}
)


class TemplateFailure(Exception):
    """A template could not be rendered: where (file, line) and why."""

    def __init__(self, template: str, line: int, message: str) -> None:
        super().__init__(f"{template}:{line}: {message}")
        self.template = template
        self.line = line
        self.message = message


@dataclass
class _Compiled:
    template: jinja2.Template
    source: str  # after the override line
    offset: int  # lines removed from the top (the override line)
    trailing_newlines: int


def split_overrides(source: str) -> tuple[str, dict[str, Any], int]:
    """Remove a ``#jinja2: key: value, ...`` first line as Ansible does; return its options."""
    if not source.startswith(OVERRIDE_PREFIX):
        return source, {}, 0
    eol = source.find("\n")
    if eol == -1:
        raise ValueError("missing newline after the #jinja2: line")
    options: dict[str, Any] = {}
    for pair in source[len(OVERRIDE_PREFIX) : eol].split(","):
        key, sep, value = pair.partition(":")
        key = key.strip()
        if not sep or key not in _OVERRIDE_KEYS:
            raise ValueError(f"unsupported #jinja2: option {pair.strip()!r}")
        options[key] = ast.literal_eval(value.strip())
    return source[eol + 1 :], options, 1


def _trailing_newlines(text: str) -> int:
    return len(text) - len(text.rstrip("\n"))


class Renderer:
    """Compiles templates under a root folder once and renders them with contexts."""

    def __init__(self, templates: Path, filters: dict[str, Any]) -> None:
        self.templates = templates
        self.filters = filters
        self._environments: dict[tuple[tuple[str, Any], ...], jinja2.Environment] = {}
        self._compiled: dict[str, _Compiled] = {}

    def _environment(self, options: dict[str, Any]) -> jinja2.Environment:
        key = tuple(sorted(options.items()))
        env = self._environments.get(key)
        if env is None:
            settings: dict[str, Any] = {
                "trim_blocks": True,
                "lstrip_blocks": False,
                "keep_trailing_newline": False,
                "newline_sequence": "\n",
            }
            settings.update(options)
            env = jinja2.Environment(
                undefined=jinja2.StrictUndefined,
                autoescape=False,  # noqa: S701 - device configs, not HTML: nothing to escape
                **settings,
            )
            env.filters.update(self.filters)
            self._environments[key] = env
        return env

    def compiled(self, name: str) -> _Compiled:
        found = self._compiled.get(name)
        if found is not None:
            return found
        path = self.templates / name
        try:
            raw = path.read_text(encoding="utf-8")
        except OSError as exc:
            raise TemplateFailure(name, 1, f"template not readable: {exc}") from None
        try:
            source, options, offset = split_overrides(raw)
        except ValueError as exc:
            raise TemplateFailure(name, 1, str(exc)) from None
        env = self._environment(options)
        try:
            code = env.compile(source, name=name, filename=str(path))
            template = env.template_class.from_code(env, code, env.make_globals(None), None)
        except jinja2.TemplateSyntaxError as exc:
            raise TemplateFailure(
                name, (exc.lineno or 1) + offset, exc.message or str(exc)
            ) from None
        found = _Compiled(template, source, offset, _trailing_newlines(source))
        self._compiled[name] = found
        return found

    def render(self, name: str, context: dict[str, Any]) -> str:
        compiled = self.compiled(name)
        try:
            text = compiled.template.render(context)
        except jinja2.TemplateError as exc:
            line = _template_line(exc.__traceback__, str(self.templates / name))
            raise TemplateFailure(
                name, line + compiled.offset if line else 1, exc.message or type(exc).__name__
            ) from None
        except (ValueError, TypeError, KeyError, AttributeError) as exc:  # filters raise these
            line = _template_line(exc.__traceback__, str(self.templates / name))
            raise TemplateFailure(
                name, line + compiled.offset if line else 1, f"{type(exc).__name__}: {exc}"
            ) from None
        missing = compiled.trailing_newlines - _trailing_newlines(text)
        if missing > 0:  # Ansible keeps the template's trailing newlines
            text += "\n" * missing
        return text

    def guess_line(self, name: str, output_line: str) -> int:
        """The template line that most likely wrote an output line (longest literal prefix)."""
        compiled = self.compiled(name)
        wanted = output_line.strip()
        best, best_len = 1, 0
        for number, line in enumerate(compiled.source.splitlines(), start=1):
            literal = re.split(r"\{\{|\{%", line, maxsplit=1)[0].strip()
            if literal and wanted.startswith(literal) and len(literal) > best_len:
                best, best_len = number + compiled.offset, len(literal)
        return best


def _template_line(tb: TracebackType | None, filename: str) -> int | None:
    line = None
    while tb is not None:
        if tb.tb_frame.f_code.co_filename == filename:
            line = tb.tb_lineno
        tb = tb.tb_next
    return line
