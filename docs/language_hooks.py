"""MkDocs hook: the site's 404 page stays in the default language when mkdocs-static-i18n adds the zh/ tree.

The i18n plugin builds every language into the same site directory, one build after the other, so without
this the last build's ``404.html`` (Chinese) would replace the English one at the root of the site.
Used by mkdocs.yml only.
"""

from __future__ import annotations

from mkdocs.config.defaults import MkDocsConfig
from mkdocs.plugins import event_priority

DEFAULT_LANGUAGE = "en"


@event_priority(-200)  # after the i18n plugin (-100) has set the theme language of this build
def on_config(config: MkDocsConfig) -> MkDocsConfig:
    """Render the 404 page in the default language's build only."""
    if config.theme["language"] == DEFAULT_LANGUAGE:
        config.theme.static_templates.add("404.html")
    else:
        config.theme.static_templates.discard("404.html")
    return config
