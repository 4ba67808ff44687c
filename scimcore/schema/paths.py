"""Attribute paths (RFC 7644 §3.10, §3.5.2): splitting, resolving against a resource type, PATCH paths.

Owns: :class:`Path` (a resolved ``[urn:]name[.sub]``), :func:`split_attr_path`, :func:`resolve_path`, and
PATCH paths — :class:`PatchPath` and :func:`parse_patch_path` (``PATH = attrPath / valuePath [subAttr]``).
Filters, rendering, projection, sorting and the PATCH engine all resolve names here, so a name means the
same attribute everywhere.

Must not: parse filters or import from the filter, service or store packages; this layer sits under them.
The value filter inside ``attr[...]`` of a PATCH path is parsed by a function the caller passes in
(:func:`scimcore.filter.parser.parse_value_filter`), so the dependency points down, never up.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from scimcore.errors import InvalidFilter, InvalidPath
from scimcore.schema.registry import AttributeDef, ResourceTypeDef

if TYPE_CHECKING:
    from scimcore.filter.ast import Expr

ValueFilterParser = Callable[[str, ResourceTypeDef, "str | None", AttributeDef], "Expr"]
"""Parses the ``valFilter`` of ``attr[valFilter]``: (text, resource type, extension URN, attribute)."""


@dataclass(frozen=True, slots=True)
class Path:
    """A resolved attribute path: an optional extension URN, the attribute, and an optional sub-attribute.

    ``extension`` is the URN of the extension schema holding the attribute, or ``None`` for the core schema
    and the common attributes.  For a complex attribute named without a sub-attribute, filters compare its
    ``value`` sub-attribute (RFC 7644 §3.4.2.2), which the parser fills in as ``sub``; ``pr`` and ``eq null``
    / ``ne null`` keep ``sub`` empty and ask about the whole node instead.
    """

    extension: str | None
    attr: AttributeDef
    sub: AttributeDef | None = None

    @property
    def target(self) -> AttributeDef:
        """The attribute whose values are compared: the sub-attribute when there is one."""
        return self.sub or self.attr

    def __str__(self) -> str:
        text = self.attr.name if self.sub is None else f"{self.attr.name}.{self.sub.name}"
        return f"{self.extension}:{text}" if self.extension else text


def split_attr_path(text: str) -> tuple[str | None, str, str | None]:
    """Split ``[urn:]name[.sub]`` (RFC 7644 §3.10) into its parts without resolving it."""
    urn: str | None = None
    rest = text.strip()
    if rest.lower().startswith("urn:"):
        head, sep, tail = rest.rpartition(":")
        if not sep or not tail:
            raise InvalidFilter(f"'{text}' is not an attribute path")
        urn, rest = head, tail
    name, dot, sub = rest.partition(".")
    if not name or (dot and not sub) or "." in sub:
        raise InvalidFilter(f"'{text}' is not an attribute path")
    return urn, name, (sub if dot else None)


def resolve_path(
    rtype: ResourceTypeDef, urn: str | None, name: str, sub: str | None, *, for_filter: bool = False
) -> Path:
    """Resolve ``[urn:]name[.sub]`` against ``rtype`` (names are case-insensitive, RFC 7643 §2.1).

    Unqualified names are looked up in the core schema and the common attributes first, then in the
    extensions (Entra sends ``manager`` for the enterprise manager).  For filters, a complex attribute named
    alone compares its ``value`` sub-attribute (RFC 7644 §3.4.2.2; Entra filters ``manager eq "<id>"``).
    """
    extension: str | None = None
    attr: AttributeDef | None
    if urn is not None:
        split = rtype.split_urn(urn)
        if split is None or split[1]:
            raise InvalidFilter(f"unknown schema '{urn}'")
        schema = split[0]
        if schema.id == rtype.schema.id:
            attr = rtype.attr(name)
        else:
            attr = schema.attr(name)
            extension = schema.id
        qualified = f"{urn}:{name}"
    else:
        attr = rtype.attr(name)
        if attr is None:
            for schema, _ in rtype.extensions.values():
                attr = schema.attr(name)
                if attr is not None:
                    extension = schema.id
                    break
        qualified = name
    if attr is None:
        raise InvalidFilter(f"unknown attribute '{qualified}'")
    sub_def: AttributeDef | None = None
    if sub is not None:
        sub_def = attr.sub(sub)
        if sub_def is None:
            raise InvalidFilter(f"unknown attribute '{qualified}.{sub}'")
    elif for_filter and attr.is_complex:
        sub_def = attr.sub("value")
    return Path(extension, attr, sub_def)


@dataclass(frozen=True, slots=True)
class PatchPath:
    """A parsed PATCH path: ``attr``, ``attr.sub``, ``attr[filter]``, ``attr[filter].sub`` or a schema root."""

    text: str
    extension: str | None
    attr: AttributeDef | None
    filter: Expr | None = None
    sub: AttributeDef | None = None


def parse_patch_path(rtype: ResourceTypeDef, text: str, value_filter: ValueFilterParser) -> PatchPath:
    """Parse a PATCH ``path`` (RFC 7644 §3.5.2 ``PATH = attrPath / valuePath [subAttr]``).

    Every error is an :class:`~scimcore.errors.InvalidPath` naming the path; ``value_filter`` parses the
    text between ``[`` and ``]``.
    """
    if not isinstance(text, str) or not text.strip():
        raise InvalidPath("The 'path' must be a non-empty string.")
    text = text.strip()
    root = rtype.split_urn(text)
    if root is not None and root[1] == "":
        schema = root[0]
        return PatchPath(text, None if schema.id == rtype.schema.id else schema.id, None)
    head, filter_text, tail = text, None, ""
    open_at = text.find("[")
    if open_at != -1:
        close_at = text.rfind("]")
        if close_at < open_at:
            raise InvalidPath(f"Path '{text}' has an unclosed '['.")
        head, filter_text, tail = text[:open_at], text[open_at + 1 : close_at], text[close_at + 1 :]
        if tail and (not tail.startswith(".") or "." in tail[1:] or len(tail) < 2):
            raise InvalidPath(f"Path '{text}' has an invalid sub-attribute after ']'.")
    try:
        urn, name, sub = split_attr_path(head)
        if filter_text is not None and sub is not None:
            raise InvalidPath(f"Path '{text}': a value filter must follow a top-level attribute.")
        resolved = resolve_path(rtype, urn, name, sub)
    except InvalidFilter as exc:
        raise InvalidPath(f"Path '{text}' is invalid: {exc.detail}") from None
    attr, sub_def = resolved.attr, resolved.sub
    expr: Expr | None = None
    if filter_text is not None:
        if not (attr.is_complex and attr.multi_valued):
            raise InvalidPath(f"Path '{text}': '{attr.name}' is not a multi-valued complex attribute.")
        try:
            expr = value_filter(filter_text, rtype, resolved.extension, attr)
        except InvalidFilter as exc:
            raise InvalidPath(f"Path '{text}' has an invalid filter: {exc.detail}") from None
        if tail:
            sub_def = attr.sub(tail[1:])
            if sub_def is None:
                raise InvalidPath(f"Path '{text}': unknown sub-attribute '{tail[1:]}' of '{attr.name}'.")
    return PatchPath(text, resolved.extension, attr, expr, sub_def)
