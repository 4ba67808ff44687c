"""A griffe extension for the API reference: reStructuredText roles in docstrings become Markdown code.

scimcore's docstrings name other objects with Sphinx roles (``:class:`~scimcore.store.port.Store```); the
reference renders them as inline code (``Store``), and a paragraph ending in ``::`` (a reST literal block)
ends in ``:``, its indented block becoming a Markdown code block.  Used by mkdocs.yml only.
"""

from __future__ import annotations

import re
from typing import Any

import griffe

ROLE = re.compile(r":(?:py:)?(?:class|func|meth|mod|attr|data|exc|obj|const|ref|rfc):`(~?)([^`]+)`")


def _role(match: re.Match[str]) -> str:
    short, target = match.group(1), match.group(2).strip()
    if "<" in target and target.endswith(">"):  # :ref:`text <target>`
        target = target.split("<", 1)[0].strip()
    elif short:
        target = target.rsplit(".", 1)[-1]
    return f"`{target}`"


def convert(text: str) -> str:
    """The docstring with roles as code spans and ``::`` literal-block markers as ``:``."""
    text = ROLE.sub(_role, text)
    return re.sub(r"(?<=\S)::$", ":", text, flags=re.MULTILINE)


class RstRoles(griffe.Extension):
    """Rewrite each docstring once the object tree is loaded."""

    def on_object(self, *, obj: griffe.Object, **kwargs: Any) -> None:
        """Convert the roles of ``obj``'s docstring."""
        if obj.docstring is not None:
            obj.docstring.value = convert(obj.docstring.value)
