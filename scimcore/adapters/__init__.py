"""Helpers shared by the ASGI and WSGI adapters (:mod:`scimcore.asgi`, :mod:`scimcore.wsgi`)."""
