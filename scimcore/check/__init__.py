"""``scimcore check``: replay identity-provider traffic against a SCIM 2.0 deployment and report what breaks.

Owns: the public names of the offline compatibility checker users run against their own SCIM endpoint
(scimcore's or any other), re-exported from the modules that own them:

- :mod:`~scimcore.check.wire` — one HTTP request as an identity provider sends it, and its record;
- :mod:`~scimcore.check.expectations` — what a response must look like, and :class:`CheckFailed`;
- :mod:`~scimcore.check.payloads` — the catalogue of the vendors' literal request bodies (Entra ID, Okta,
  plain RFC 7643), and :mod:`~scimcore.check.bodies`, which puts the run's names and ids in them;
- :mod:`~scimcore.check.session` — the run above the wire: fixtures, shared users, the cleanup;
- :mod:`~scimcore.check.checks` — the ordered table of checks, each replaying one request shape that
  Microsoft Entra ID's SCIM validator or Okta's SPEC/CRUD test suites send and verifying it with a GET;
- :mod:`~scimcore.check.runner` — :func:`run_checks`; :mod:`~scimcore.check.report` — the results and the
  text and JSON reports; :mod:`~scimcore.check.command` — the ``check`` click command.

Must not: import anything of scimcore but its version (the checker talks HTTP to any SCIM server), import
httpx when ``scimcore`` is imported (the runner imports it lazily), print or write the token anywhere, or
leave a resource it created behind when the server lets it delete it.  It never decides what a server
*should* accept beyond what the vendors send and expect.

Errors a check can meet::

    CheckFailed            an expectation was not met (the message says what, the exchanges show the wire)
    ConnectionLost         the server stopped answering at the transport level: the run stops (exit 2)
    click.UsageError       bad options (exit 2)
    CannotCheck            the server cannot be reached or refuses the token before any check, or the
                           report cannot be written (exit 2)
"""

from __future__ import annotations

from scimcore.check.bodies import entra_group, entra_user, okta_group, okta_user, plain_group, plain_user
from scimcore.check.checks import CHECKS, Check, Replay, select_checks
from scimcore.check.command import check
from scimcore.check.expectations import (
    CheckFailed,
    attribute,
    expect_equal,
    expect_error,
    expect_listed,
    expect_status,
    json_object,
    manager_of,
    member_ids,
    work_emails,
)
from scimcore.check.names import (
    ADSCIM_GROUP,
    ENTERPRISE,
    ENTRA,
    ERROR,
    FLAG,
    GENERIC,
    GROUP,
    LIST_RESPONSE,
    MANAGER,
    OKTA,
    OKTA_USER_AGENT,
    PATCH_OP,
    PROVIDERS,
    SCIM_JSON,
    USER,
    Style,
)
from scimcore.check.report import EXCHANGES_SHOWN, CheckResult, Outcome, Report
from scimcore.check.runner import INTERRUPTED, CannotCheck, run_checks
from scimcore.check.session import Session
from scimcore.check.wire import BODY_LIMIT, ConnectionLost, Exchange

__all__ = [
    "ADSCIM_GROUP",
    "BODY_LIMIT",
    "CHECKS",
    "ENTERPRISE",
    "ENTRA",
    "ERROR",
    "EXCHANGES_SHOWN",
    "FLAG",
    "GENERIC",
    "GROUP",
    "INTERRUPTED",
    "LIST_RESPONSE",
    "MANAGER",
    "OKTA",
    "OKTA_USER_AGENT",
    "PATCH_OP",
    "PROVIDERS",
    "SCIM_JSON",
    "USER",
    "CannotCheck",
    "Check",
    "CheckFailed",
    "CheckResult",
    "ConnectionLost",
    "Exchange",
    "Outcome",
    "Replay",
    "Report",
    "Session",
    "Style",
    "attribute",
    "check",
    "entra_group",
    "entra_user",
    "expect_equal",
    "expect_error",
    "expect_listed",
    "expect_status",
    "json_object",
    "manager_of",
    "member_ids",
    "okta_group",
    "okta_user",
    "plain_group",
    "plain_user",
    "run_checks",
    "select_checks",
    "work_emails",
]
