"""The payload catalogue: every request body that ``scimcore check``, the vendor tests and the simulators send.

Owns: the literal request bodies and PATCH operation lists (RFC 7644 §3.3, §3.5.1, §3.5.2) of each identity
provider, one module per vendor — :mod:`~scimcore.check.payloads.entra` (Microsoft Entra ID),
:mod:`~scimcore.check.payloads.okta` (Okta), :mod:`~scimcore.check.payloads.onelogin` (OneLogin),
:mod:`~scimcore.check.payloads.jumpcloud` (JumpCloud) and :mod:`~scimcore.check.payloads.generic` (the plain
RFC 7643 bodies the checks create their fixtures with).  Each payload is a named constant preceded by a ``#: Source:``
comment naming the document or captured traffic it reproduces, and listed in its module's ``__all__``;
``tests/check/test_payloads.py`` holds every one to that.  Ids and names are the vendor's own examples:
:mod:`scimcore.check.bodies` puts the run's in their place, ``tests/idp/`` the ids its server assigned.

Must not: import anything beyond :mod:`typing` (the payloads are plain JSON data: dicts, lists, strings,
numbers, booleans and ``None``), hold behaviour, or be changed by a caller: copy a payload before changing it.
"""
