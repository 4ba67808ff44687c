"""The adapters between servers and the service: :mod:`~scimcore.adapters.asgi`, :mod:`~scimcore.adapters.wsgi`.

Both translate only, and share :mod:`~scimcore.adapters.common` (options, prefix, ``/<directory>/`` routing,
base URL, the :class:`~scimcore.transport.ScimRequest`) and :mod:`~scimcore.adapters.access` (the access log).
Their public import paths stay :mod:`scimcore.asgi` and :mod:`scimcore.wsgi`.
"""
