"""``python -m scimcore.cli``: the same as the ``scimcore`` console script."""

from scimcore.cli import run

run()
