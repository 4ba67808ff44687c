"""scimcore: a sans-I/O SCIM 2.0 service provider (RFC 7643, RFC 7644) for any Python application.

The core turns a :class:`ScimRequest` into a :class:`ScimResponse`; adapters (:mod:`scimcore.asgi`,
:mod:`scimcore.wsgi`) connect it to servers, and stores keep the resources.  Importing this package loads
no web framework, server or database driver.
"""

from scimcore.auth import BearerTokens, generate_token, hash_token
from scimcore.errors import ScimError
from scimcore.schema.registry import SchemaRegistry
from scimcore.service import ScimService, ServiceConfig
from scimcore.store.memory import MemoryStore
from scimcore.store.port import Page, Query, Store
from scimcore.transport import ScimRequest, ScimResponse

__version__ = "0.1.0"

__all__ = [
    "BearerTokens",
    "MemoryStore",
    "Page",
    "Query",
    "SchemaRegistry",
    "ScimError",
    "ScimRequest",
    "ScimResponse",
    "ScimService",
    "ServiceConfig",
    "Store",
    "__version__",
    "generate_token",
    "hash_token",
]
