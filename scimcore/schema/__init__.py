"""Schema metadata (RFC 7643): the registry of schemas and resource types, and canonical documents."""
