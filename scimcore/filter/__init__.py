"""The SCIM filter language (RFC 7644 §3.4.2.2): parsing to a bound AST and in-memory evaluation."""

from scimcore.filter.evaluate import compile_predicate
from scimcore.filter.parser import FilterLimits, parse_filter

__all__ = ["FilterLimits", "compile_predicate", "parse_filter"]
