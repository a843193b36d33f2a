"""Tool schemas as ChatGPT and strict clients want them: small, flat, with no `$ref`.

ChatGPT's whole tool list must fit in about 5,000 tokens, and some clients reject `anyOf` with
null or `$ref` in tool schemas. Arguments that do not fit a schema are explained here in one short
line per argument (`argument_problems`), never with the SDK's model names or pydantic's URLs.
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Callable, Iterable
from types import UnionType
from typing import Annotated, Any, Union, get_args, get_origin

from pydantic import BaseModel, ValidationError


def compact_schema(schema: Any) -> Any:
    """No generated titles, and `X | None` published as plain `X`."""
    if isinstance(schema, list):
        return [compact_schema(item) for item in schema]
    if not isinstance(schema, dict):
        return schema
    out: dict[str, Any] = {}
    for key, value in schema.items():
        if key == "title" and isinstance(value, str):
            continue
        if key in ("properties", "$defs"):
            out[key] = {name: compact_schema(sub) for name, sub in value.items()}
        else:
            out[key] = compact_schema(value)
    if "default" in out and (out["default"] is False or out["default"] in ("", [], {})):
        out.pop("default")  # optional-and-empty is what "not required" already says
    variants = out.get("anyOf")
    if isinstance(variants, list) and len(variants) == 2 and {"type": "null"} in variants:
        out.pop("anyOf")
        out.update(next(v for v in variants if v != {"type": "null"}))
        if "default" in out and out["default"] is None:
            out.pop("default")
    return out


def inline_refs(schema: Any, defs: dict[str, Any] | None = None) -> Any:
    """Replace local `$ref`s by their definitions."""
    if isinstance(schema, dict):
        defs = {**(defs or {}), **schema.get("$defs", {})}
        ref = schema.get("$ref", "")
        if ref.startswith("#/$defs/"):
            return inline_refs(defs[ref.removeprefix("#/$defs/")], defs)
        return {k: inline_refs(v, defs) for k, v in schema.items() if k != "$defs"}
    if isinstance(schema, list):
        return [inline_refs(v, defs) for v in schema]
    return schema


def undescribed(schema: Any) -> Any:
    """Output schemas are for machines: field names say enough."""
    if isinstance(schema, dict):
        return {k: undescribed(v) for k, v in schema.items() if not (k == "description" and isinstance(v, str))}
    if isinstance(schema, list):
        return [undescribed(v) for v in schema]
    return schema


# -- arguments: our messages, not the SDK's ------------------------------------------------------

SHOWN_INPUT = 60  # characters of a wrong value quoted back in an argument error
MAX_PROBLEMS = 3


def _is_list(annotation: Any) -> bool:
    """Whether a field takes a list (`list[str]`, `list[str] | None`, `Annotated[list[str], ...]`)."""
    origin = get_origin(annotation)
    if origin is Annotated:
        return _is_list(get_args(annotation)[0])
    if origin in (list, set, frozenset, tuple) or annotation in (list, set, frozenset, tuple):
        return True
    if origin in (Union, UnionType):
        return any(_is_list(arg) for arg in get_args(annotation) if arg is not type(None))
    return False


def list_arguments(model: type[BaseModel]) -> frozenset[str]:
    """The names under which a model's list-valued arguments arrive (aliases included)."""
    return frozenset(field.alias or name for name, field in model.model_fields.items() if _is_list(field.annotation))


def as_lists(arguments: dict[str, Any], lists: frozenset[str]) -> dict[str, Any]:
    """A single value where a list is expected is a one-element list (a model's commonest slip).

    A string holding a JSON list (`'["a", "b"]'`) is left for the SDK's JSON pre-parsing.
    """
    out = dict(arguments)
    for name in lists & out.keys():
        value = out[name]
        if value is None or isinstance(value, (list, tuple)):
            continue
        if isinstance(value, str) and value.lstrip().startswith("["):
            continue
        out[name] = [value]
    return out


SURROGATE = re.compile("[\ud800-\udfff]")


def _first(value: Any, path: str, bad: Callable[[Any], bool]) -> str | None:
    """The path of the first value (or mapping key) inside `value` that is `bad`, if any."""
    if bad(value):
        return path
    if isinstance(value, dict):
        for key, item in value.items():
            if bad(key):
                return f"{path}.{key!r}"
            if (found := _first(item, f"{path}.{key}", bad)) is not None:
                return found
    elif isinstance(value, (list, tuple)):
        for index, item in enumerate(value):
            if (found := _first(item, f"{path}[{index}]", bad)) is not None:
                return found
    return None


def non_finite(value: Any, path: str) -> str | None:
    """The path of the first NaN or infinite number inside `value`, if any."""
    return _first(value, path, lambda v: isinstance(v, float) and not math.isfinite(v))


def unpaired_surrogate(value: Any, path: str) -> str | None:
    """The path of the first text holding half a UTF-16 pair (JSON allows "\\ud800"; no upstream can take it)."""
    return _first(value, path, lambda v: isinstance(v, str) and SURROGATE.search(v) is not None)


def shown(value: Any, limit: int = SHOWN_INPUT) -> str:
    """A wrong value as quoted back: short, one line, control characters escaped."""
    text = repr(value) if isinstance(value, str) else json.dumps(value, default=str, ensure_ascii=True)
    return text if len(text) <= limit else f"{text[:limit]}… ({len(text)} characters)"


def _where(loc: tuple[Any, ...]) -> str:
    path = ""
    for part in loc:
        path += f"[{part}]" if isinstance(part, int) else (f".{part}" if path else str(part))
    return path


def argument_problems(exc: ValidationError, accepted: Iterable[str]) -> str:
    """A validation failure in short sentences: unknown arguments first, then which argument is wrong and
    what is expected, quoting only a little of what came."""
    errors = exc.errors(include_url=False)
    unknown = [_where(tuple(e["loc"])) for e in errors if e["type"] == "extra_forbidden"]
    lines = []
    if unknown:
        names = ", ".join(f"'{shown(name, 40)[1:-1]}'" for name in unknown[:MAX_PROBLEMS])
        lines.append(f"Unknown argument {names}. This tool takes: {', '.join(accepted)}.")
    others = [e for e in errors if e["type"] != "extra_forbidden"]
    for error in others[: MAX_PROBLEMS - len(lines)]:
        where = _where(tuple(error["loc"]))
        if error["type"] == "missing":
            lines.append(f"Argument '{where}' is required.")
        else:
            expected = re.sub(r"^Input should (be|have)", r"expected", error["msg"])
            lines.append(f"Argument '{where}': {expected} (got {shown(error.get('input'))}).")
    more = len(others) - (len(lines) - bool(unknown))
    return " ".join(lines) + (f" ({more} more problems.)" if more > 0 else "")
