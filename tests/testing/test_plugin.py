"""The pytest plugin: registered by its entry point, its fixtures, and your own app in place of scimcore's."""

from __future__ import annotations

from importlib.metadata import entry_points
from pathlib import Path

import pytest

pytest_plugins = ["pytester"]


def test_the_plugin_is_registered_as_a_pytest11_entry_point() -> None:
    """Installing scimcore registers ``scimcore = scimcore.testing.plugin`` for pytest to load."""
    (plugin,) = [e for e in entry_points(group="pytest11") if e.name == "scimcore"]
    assert plugin.value == "scimcore.testing.plugin"


def test_scim_client_reaches_the_service_and_scim_events_records_what_it_did(pytester: pytest.Pytester) -> None:
    """A user POSTed through scim_client is created by scim_service, and scim_events holds its user.created."""
    pytester.makepyfile(
        """
        def test_create(scim_client, scim_events, scim_service):
            reply = scim_client.post("/Users", {"schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"],
                                                "userName": "alice"})
            assert reply.status_code == 201
            assert reply.headers["content-type"].startswith("application/scim+json")
            assert [e.type for e in scim_events] == ["user.created"]
            assert scim_events[0].data["id"] == reply.json()["id"]
        """
    )
    pytester.runpytest("-p", "no:cacheprovider").assert_outcomes(passed=1)


def test_scim_token_is_required(pytester: pytest.Pytester) -> None:
    """The service of the fixtures authenticates: another token gets 401."""
    pytester.makepyfile(
        """
        def test_refused(scim_client):
            assert scim_client.with_token("wrong").get("/Users").status_code == 401
            assert scim_client.get("/Users").status_code == 200
        """
    )
    pytester.runpytest("-p", "no:cacheprovider").assert_outcomes(passed=1)


def test_scim_directory_has_its_own_token_and_base_url(pytester: pytest.Pytester) -> None:
    """The directory's token works at its base URL; the root token does not open it."""
    pytester.makepyfile(
        """
        from scimcore.testing.client import ScimClient

        def test_directory(scim_app, scim_directory, scim_token):
            assert scim_directory.base_url.endswith("/scim/v2/" + scim_directory.id)
            with ScimClient(scim_app, token=scim_directory.token, base_url=scim_directory.base_url) as client:
                assert client.get("/Users").status_code == 200
                assert client.with_token(scim_token).get("/Users").status_code == 401
        """
    )
    pytester.runpytest("-p", "no:cacheprovider").assert_outcomes(passed=1)


def test_a_store_of_your_own_replaces_scim_store(pytester: pytest.Pytester) -> None:
    """Overriding scim_store puts the whole stack on that store."""
    pytester.makepyfile(
        """
        import pytest
        from scimcore.store.sql import SqlStore

        @pytest.fixture
        def scim_store(tmp_path):
            store = SqlStore(f"sqlite:///{tmp_path / 'x.db'}")
            yield store
            store.close()

        def test_sqlite(scim_client, scim_service):
            assert isinstance(scim_service.store, SqlStore)
            assert scim_client.post("/Groups", {"schemas": ["urn:ietf:params:scim:schemas:core:2.0:Group"],
                                                "displayName": "g"}).status_code == 201
        """
    )
    pytester.runpytest("-p", "no:cacheprovider").assert_outcomes(passed=1)


def test_a_fastapi_app_of_your_own_takes_entra_traffic(pytester: pytest.Pytester) -> None:
    """Overriding scim_app with a FastAPI app that mounts scimcore: the Entra simulator drives it in process."""
    pytester.makepyfile(
        """
        import pytest
        from fastapi import FastAPI
        from scimcore.asgi import ScimASGI
        from scimcore.testing.simulators import Entra, Group, User

        @pytest.fixture
        def scim_app(scim_service):
            app = FastAPI()
            app.mount("/scim/v2", ScimASGI(scim_service))

            @app.get("/health")
            def health():
                return {"ok": True}

            return app

        def test_entra(scim_app, scim_token, scim_events, scim_client):
            assert scim_client.http.get("http://testserver/health").json() == {"ok": True}
            alice = User("alice@contoso.example")
            with Entra(scim_app, token=scim_token, flag=True) as entra:
                entra.test_connection().assert_success()
                entra.sync(users=[alice], groups=[Group("Staff", members=[alice])]).assert_success()
                entra.disable(alice).assert_success()
            assert [e.type for e in scim_events] == [
                "user.created", "group.created", "group.user_added", "user.updated"]
        """
    )
    pytester.runpytest("-p", "no:cacheprovider").assert_outcomes(passed=1)


def test_a_flask_app_of_your_own_takes_okta_traffic(pytester: pytest.Pytester) -> None:
    """Overriding scim_app with a Flask (WSGI) app that mounts scimcore: the Okta simulator drives it."""
    pytester.makepyfile(
        """
        import pytest
        from flask import Flask
        from werkzeug.middleware.dispatcher import DispatcherMiddleware
        from scimcore.wsgi import ScimWSGI
        from scimcore.testing.simulators import Okta, User

        @pytest.fixture
        def scim_app(scim_service):
            app = Flask("acme")
            app.wsgi_app = DispatcherMiddleware(app.wsgi_app, {"/scim/v2": ScimWSGI(scim_service)})
            return app

        def test_okta(scim_app, scim_token):
            alice = User("alice@okta.local")
            with Okta(scim_app, token=scim_token) as okta:
                okta.test_connection().assert_success()
                okta.sync(users=[alice]).assert_success()
                okta.delete(alice).assert_success()
        """
    )
    pytester.runpytest("-p", "no:cacheprovider").assert_outcomes(passed=1)


def test_no_scimcore_turns_the_plugin_off(pytester: pytest.Pytester) -> None:
    """``-p no:scimcore`` unloads the plugin: its fixtures are gone."""
    pytester.makepyfile("def test_needs(scim_service): pass")
    result = pytester.runpytest("-p", "no:cacheprovider", "-p", "no:scimcore")
    result.assert_outcomes(errors=1)
    result.stdout.fnmatch_lines(["*fixture 'scim_service' not found*"])


def test_the_plugin_can_be_named_explicitly(pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch) -> None:
    """With plugin autoloading off, ``pytest_plugins = ["scimcore.testing.plugin"]`` in a conftest loads it."""
    monkeypatch.setenv("PYTEST_DISABLE_PLUGIN_AUTOLOAD", "1")
    pytester.makeconftest('pytest_plugins = ["scimcore.testing.plugin"]')
    pytester.makepyfile("def test_needs(scim_service): assert scim_service.authenticator is not None")
    pytester.runpytest_subprocess("-p", "no:cacheprovider").assert_outcomes(passed=1)


def test_loading_the_plugin_imports_no_httpx() -> None:
    """pytest loads the plugin in every run: it imports httpx only when a fixture that needs it runs."""
    import subprocess
    import sys

    code = "import sys, scimcore.testing.plugin; print('httpx' in sys.modules, 'asyncio' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.split() == ["False", "False"]


def test_a_django_project_takes_entra_traffic_under_wsgi_and_asgi(pytester: pytest.Pytester) -> None:
    """The Django example project, under Django's WSGI and ASGI handlers, passes Entra's sync at a tenant's URL."""
    pytest.importorskip("django")
    project = Path(__file__).resolve().parents[2] / "examples" / "django_project"
    pytester.makepyfile(
        f"""
        import os, sys
        import pytest

        sys.path.insert(0, {str(project)!r})
        os.environ["DJANGO_SETTINGS_MODULE"] = "scimsite.settings"

        import django
        from scimcore.testing.simulators import Entra, Group, User

        @pytest.fixture(scope="session", autouse=True)
        def project(tmp_path_factory):
            os.environ["SCIMCORE_DATABASE"] = f"sqlite:///{{tmp_path_factory.mktemp('db') / 'scim.db'}}"
            django.setup()

        @pytest.fixture(params=["wsgi", "asgi"])
        def scim_app(request):
            if request.param == "wsgi":
                from django.core.handlers.wsgi import WSGIHandler
                return WSGIHandler()
            from django.core.handlers.asgi import ASGIHandler
            return ASGIHandler()

        def test_entra(scim_app):
            from scimsite.scim import directories
            directory, token = directories().create("acme")
            alice = User("alice@contoso.example")
            with Entra(scim_app, token=token, base_url="http://testserver/scim/v2/" + directory.id) as entra:
                entra.test_connection().assert_success()
                entra.sync(users=[alice], groups=[Group("Staff", members=[alice])]).assert_success()
                entra.disable(alice).assert_success()
        """
    )
    pytester.runpytest_subprocess("-p", "no:cacheprovider").assert_outcomes(passed=2)
