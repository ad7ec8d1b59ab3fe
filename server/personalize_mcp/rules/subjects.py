"""What a rule tests, in words: "country", "custom attribute "Lifetime orders"", "query parameter "utm_source"".

Shared by the renderer (`country equals "AU"`) and the evaluator's trace (`country is "NZ", not "AU"`), so an
attribute is named the same way in a rule and in the reason it failed.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from personalize_mcp.rules.model import (
    IDENTIFIER,
    Attribute,
    AttributeKind,
)
from personalize_mcp.rules.options import (
    ATTRIBUTE_SUBKEY_FIELDS,
    NAME_FIELDS,
    OPTIONS_SUBKEY_FIELDS,
    first_field,
)
from personalize_mcp.rules.wording import quote

AttributeNames = Mapping[str, str]
"""Custom attribute uid -> its name (from the project's `GET /attributes`)."""

DELETED_ATTRIBUTE = "(deleted attribute)"


class ListedAttributes(dict[str, str]):
    """Attribute names read from the project's whole attribute list (`listed`: every uid and key in it), so a
    custom attribute a rule names and the list lacks was deleted: the rule then says so, `DELETED_ATTRIBUTE`."""

    __slots__ = ("listed",)

    def __init__(self, names: Mapping[str, str], listed: Iterable[str]) -> None:
        super().__init__(names)
        self.listed = frozenset(listed)


_CAMEL_BOUNDARY = re.compile(r"(?<=[a-z0-9])(?=[A-Z])")

PRESET_NAMES: dict[str, str] = {
    "COUNTRY": "country",
    "REGION": "region",
    "CITY": "city",
    "DEVICE_TYPE": "device type",
    "OPERATING_SYSTEM": "operating system",
    "QUERY_PARAMETERS": "query parameters",
    "REFERRER": "referrer",
    "DATE_AND_TIME": "date and time",
}


@dataclass(frozen=True, slots=True)
class Subject:
    text: str
    plural: bool = False
    value_noun: tuple[str, str] | None = None  # (singular, plural) put before member values
    flow_noun: str = "flow"
    consumed_option: str | None = None  # an options field already used by the subject


def subject_of(attribute: Attribute, condition: str | None, options: object, names: AttributeNames) -> Subject:
    kind = attribute.kind
    if kind is AttributeKind.INVALID:
        return Subject("unknown attribute")
    if kind is AttributeKind.CUSTOM:
        label = attribute.text(NAME_FIELDS)
        ref = attribute.ref
        if label is None and ref is not None and ref in names and names[ref].strip():
            label = names[ref].strip()
        label = label or attribute.text(("key", "ref", "uid"))
        deleted = isinstance(names, ListedAttributes) and ref is not None and ref not in names.listed
        base = Subject(
            (f"custom attribute {quote(label)}" if label else "unknown custom attribute")
            + (f" {DELETED_ATTRIBUTE}" if deleted else "")
        )
    elif kind is AttributeKind.LYTICS:
        base = _lytics_subject(attribute, condition)
    elif kind is AttributeKind.PRESET:
        return _preset_subject(attribute, options)
    else:
        label = attribute.text((*NAME_FIELDS, "ref", "key", "uid"))
        base = Subject(f"attribute {quote(label)}" if label else "unknown attribute")
    return _with_options_subkey(base, options)


def _preset_subject(attribute: Attribute, options: object) -> Subject:
    ref = attribute.ref
    if ref is None or not ref.strip():
        label = attribute.text(NAME_FIELDS)
        base = Subject(f"preset attribute {quote(label)}" if label else "unknown attribute")
        return _with_options_subkey(base, options)
    key = ref.strip().upper()
    if key == "QUERY_PARAMETERS":
        parameter = attribute.text(ATTRIBUTE_SUBKEY_FIELDS)
        if parameter:
            return Subject(f"query parameter {quote(parameter)}")
        field, parameter = first_field(options, OPTIONS_SUBKEY_FIELDS)
        if parameter:
            return Subject(f"query parameter {quote(parameter)}", consumed_option=field)
        return Subject("query parameters", plural=True)
    if key in PRESET_NAMES:
        base = Subject(PRESET_NAMES[key])
    elif IDENTIFIER.fullmatch(ref.strip()):
        base = Subject(humanize(ref.strip()))
    else:
        base = Subject(f"preset attribute {quote(ref)}")
    return _with_options_subkey(base, options)


def _lytics_subject(attribute: Attribute, condition: str | None) -> Subject:
    ref = attribute.ref
    key = ref.strip().upper() if ref is not None else None
    if key == "LYTICS_AUDIENCE":
        if condition == "IS_MEMBER_OF":
            return Subject("visitor", value_noun=("Lytics audience", "Lytics audiences"))
        return Subject("Lytics audience")
    if key == "LYTICS_FLOW_STATE":
        if condition == "IS_IN_FLOW_STATE":
            return Subject("visitor", flow_noun="Lytics flow")
        return Subject("Lytics flow state")
    label = attribute.text((*NAME_FIELDS, "ref", "key", "uid"))
    return Subject(f"Lytics attribute {quote(label)}" if label else "unknown Lytics attribute")


def _with_options_subkey(base: Subject, options: object) -> Subject:
    field, subkey = first_field(options, OPTIONS_SUBKEY_FIELDS)
    if not subkey:
        return base
    return Subject(
        f"{base.text} key {quote(subkey)}",
        plural=False,
        value_noun=base.value_noun,
        flow_noun=base.flow_noun,
        consumed_option=field,
    )


def humanize(identifier: str) -> str:
    words = _CAMEL_BOUNDARY.sub(" ", identifier).replace("_", " ").split()
    return " ".join(word.lower() for word in words)
