"""The WSGI adapter lives in :mod:`scimcore.adapters.wsgi`; this module keeps ``from scimcore.wsgi import ScimWSGI``."""

from scimcore.adapters.wsgi import ScimWSGI

__all__ = ["ScimWSGI"]
