"""The ASGI adapter lives in :mod:`scimcore.adapters.asgi`; this module keeps ``from scimcore.asgi import ScimASGI``."""

from scimcore.adapters.asgi import ScimASGI

__all__ = ["ScimASGI"]
