"""WSGI entry point: ``gunicorn scimsite.wsgi`` (from examples/django_project)."""

import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "scimsite.settings")

application = get_wsgi_application()
