"""Validate Graph JSON against the entity and complex types of Microsoft's Graph v1.0 CSDL
(``sandbox/microsoft/specs/graph-v1.0.csdl``, a verbatim copy of ``../shared/specs/microsoft/graph-v1.0.csdl``).

Closed on purpose: a property the type (with its base types) does not declare fails, so an invented or misspelled
field is caught; ``@odata.*`` annotations are allowed. Primitive types are checked (strings, booleans, numbers,
``DateTimeOffset`` in ISO 8601, enum members), ``Nullable="false"`` refuses null.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from functools import lru_cache
from pathlib import Path
from typing import Any

CSDL = Path(__file__).resolve().parents[1] / "specs" / "graph-v1.0.csdl"
EDM = "{http://docs.oasis-open.org/odata/ns/edm}"
_WHEN = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$")


@lru_cache(maxsize=1)
def _types() -> dict[str, ET.Element]:
    found: dict[str, ET.Element] = {}
    for schema in ET.parse(CSDL).getroot().iter(EDM + "Schema"):
        if schema.get("Namespace") != "microsoft.graph":
            continue
        for kind in ("EntityType", "ComplexType", "EnumType"):
            for node in schema.iter(EDM + kind):
                found[str(node.get("Name"))] = node
    return found


def _local(name: str) -> str:
    return name.removeprefix("microsoft.graph.").removeprefix("graph.")


def _members(name: str) -> dict[str, ET.Element]:
    node = _types()[_local(name)]
    props: dict[str, ET.Element] = {}
    base = node.get("BaseType")
    if base:
        props |= _members(base)
    for child in node:
        if child.tag in (EDM + "Property", EDM + "NavigationProperty"):
            props[str(child.get("Name"))] = child
    return props


def validate(value: Any, type_name: str, where: str = "$", nullable: bool = True) -> None:
    """Raise AssertionError naming the path when ``value`` does not fit ``type_name`` (``graph.contact``,
    ``Collection(graph.emailAddress)``, ``Edm.String``)."""
    if value is None:
        assert nullable, f"{where}: null where {type_name} may not be null"
        return
    if type_name.startswith("Collection("):
        assert isinstance(value, list), f"{where}: expected a list of {type_name[11:-1]}"
        for i, item in enumerate(value):
            validate(item, type_name[11:-1], f"{where}[{i}]")
        return
    if type_name.startswith("Edm."):
        _primitive(value, type_name, where)
        return
    node = _types()[_local(type_name)]
    if node.tag == EDM + "EnumType":
        names = {str(m.get("Name")) for m in node.iter(EDM + "Member")}
        assert value in names, f"{where}: {value!r} is not a member of {type_name}"
        return
    assert isinstance(value, dict), f"{where}: expected an object ({type_name})"
    members = _members(type_name)
    for key, item in value.items():
        if key.startswith("@odata.") or "@odata." in key:
            continue
        assert key in members, f"{where}: {type_name} has no property {key!r}"
        spec = members[key]
        validate(item, str(spec.get("Type")), f"{where}.{key}", spec.get("Nullable") != "false")


def _primitive(value: Any, type_name: str, where: str) -> None:
    if type_name == "Edm.Boolean":
        assert isinstance(value, bool), f"{where}: expected a boolean"
    elif type_name in ("Edm.Int32", "Edm.Int64", "Edm.Int16", "Edm.Byte"):
        assert isinstance(value, int) and not isinstance(value, bool), f"{where}: expected an integer"
    elif type_name in ("Edm.Double", "Edm.Single", "Edm.Decimal"):
        assert isinstance(value, (int, float)) and not isinstance(value, bool), f"{where}: expected a number"
    elif type_name == "Edm.DateTimeOffset":
        assert isinstance(value, str) and _WHEN.match(value), f"{where}: expected an ISO 8601 time, got {value!r}"
    else:
        assert isinstance(value, str), f"{where}: expected a string ({type_name})"


def validate_collection(body: dict[str, Any], type_name: str) -> None:
    assert isinstance(body.get("value"), list), "a collection answer has a value list"
    for key in body:
        assert key == "value" or key.startswith("@odata."), f"unexpected top-level {key!r}"
    validate(body["value"], f"Collection({type_name})", "$.value")
