"""ASGI entry point: ``uvicorn scimsite.asgi:application`` (from examples/django_project).

The SCIM view is synchronous (the SQL store blocks); Django runs it in a worker thread under ASGI.
"""

import os

from django.core.asgi import get_asgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "scimsite.settings")

application = get_asgi_application()
