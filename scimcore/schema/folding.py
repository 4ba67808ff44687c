"""How the strings of a case-insensitive attribute compare (RFC 7643 §2.2 ``caseExact: false``).

RFC 7643 leaves "case-insensitive" to the service provider.  Lower-casing alone lets look-alike names be
different users: ``straße`` and ``STRASSE``, full-width ``ｊｏｅ`` and ``joe``, ``café`` written with one code
point or with ``e`` and a combining accent.  The attributes a service keeps unique (``userName``, a group's
``displayName``: ``uniqueness`` server or global) therefore compare by :func:`fold`, in the spirit of the PRECIS
``UsernameCaseMapped`` profile (RFC 8265 §3.3): compatibility normalisation (which also maps full-width and
half-width forms, §3.3.1 rule 1), Unicode default case folding (rule 2) and normalisation again (rule 3).
Folding also maps the dotless ``ı`` to ``i``, as ``I`` folds to ``i``.  Every store uses the same key, for
uniqueness and for filters on those attributes alike, so the memory, SQLite and PostgreSQL stores agree.

Other case-insensitive attributes (``emails.value``, ``name.givenName``, ...) compare lower-cased, which SQL
can do without a stored key.

Owns: :func:`fold` and the choice of a comparison key per attribute (:func:`text_key`).
Must not: read documents or stores.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Callable

from scimcore.schema.registry import AttributeDef

TextKey = Callable[[str], str]


def fold(text: str) -> str:
    """The comparison key of a unique case-insensitive value: NFKC, case folding, ``ı`` as ``i``, NFKC."""
    if text.isascii():
        return text.lower()  # the same as the full procedure for ASCII, and the common case
    folded = unicodedata.normalize("NFKC", text).casefold().replace("ı", "i")
    return unicodedata.normalize("NFKC", folded)


def folds(attr: AttributeDef) -> bool:
    """Whether ``attr``'s values compare by :func:`fold`: a top-level unique string that is not caseExact."""
    return (
        not attr.case_exact
        and attr.parent is None
        and attr.type in ("string", "reference")
        and attr.uniqueness in ("server", "global")
    )


def text_key(attr: AttributeDef) -> TextKey | None:
    """How ``attr``'s strings compare: ``None`` as they are (caseExact), :func:`fold`, or lower-cased."""
    if attr.case_exact or attr.type == "binary":
        return None
    return fold if folds(attr) else str.lower
