"""Identity-provider simulators: each vendor's documented request sequence, replayed against your SCIM server.

:class:`~scimcore.testing.simulators.entra.Entra`, :class:`~scimcore.testing.simulators.okta.Okta`,
:class:`~scimcore.testing.simulators.onelogin.OneLogin` and :class:`~scimcore.testing.simulators.jumpcloud.JumpCloud`
send what Microsoft Entra ID, Okta, OneLogin and JumpCloud send — the requests, in their order, with the
vendor's headers and the vendor's payload shapes taken from the one catalogue :mod:`scimcore.check.payloads`
(the one ``scimcore check`` replays) — and conclude from the answers what the vendor would::

    from scimcore.testing.simulators import Entra, Group, User

    def test_entra_provisions_my_app(scim_app, scim_token):
        alice = User("alice@contoso.example")
        with Entra(scim_app, token=scim_token) as entra:
            entra.test_connection().assert_success()
            entra.sync(users=[alice], groups=[Group("Staff", members=[alice])]).assert_success()
            entra.disable(alice).assert_success()

The target is an ASGI or WSGI application (called in process) or the URL of a live SCIM server.

The shared parts live in :mod:`~scimcore.testing.simulators.base`, one module per vendor beside it.
Must not: hold a payload (the catalogue holds them), or import httpx before a simulator is built.
"""

from scimcore.testing.simulators.base import Group, Outcome, Simulator, StepResult, User
from scimcore.testing.simulators.entra import Entra
from scimcore.testing.simulators.jumpcloud import JumpCloud
from scimcore.testing.simulators.okta import Okta
from scimcore.testing.simulators.onelogin import OneLogin

__all__ = ["Entra", "Group", "JumpCloud", "Okta", "OneLogin", "Outcome", "Simulator", "StepResult", "User"]
