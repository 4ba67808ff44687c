"""Settings of the example project: one SCIM directory per tenant, kept in SQLite by scimcore.

Django itself needs no database here; scimcore keeps directories, tokens, users, groups and events in
``SCIMCORE_DATABASE`` (default ``sqlite:///<this folder>/scimcore.db``).
"""

import os
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent.parent

SECRET_KEY = os.environ.get("DJANGO_SECRET_KEY", "insecure-example-key-change-me")
DEBUG = os.environ.get("DJANGO_DEBUG", "1") == "1"
ALLOWED_HOSTS = os.environ.get("DJANGO_ALLOWED_HOSTS", "localhost,127.0.0.1,testserver").split(",")

INSTALLED_APPS = ["tenants"]
MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
]
ROOT_URLCONF = "scimsite.urls"
WSGI_APPLICATION = "scimsite.wsgi.application"
ASGI_APPLICATION = "scimsite.asgi.application"
TEMPLATES = [{"BACKEND": "django.template.backends.django.DjangoTemplates", "APP_DIRS": True}]
DATABASES: dict[str, dict[str, str]] = {}
USE_TZ = True

# scimcore
SCIMCORE_DATABASE = os.environ.get("SCIMCORE_DATABASE", f"sqlite:///{BASE_DIR / 'scimcore.db'}")
SCIM_PREFIX = "scim/v2"
# SCIM bodies up to scimcore's own bound (4 MiB) reach the SCIM app; Django's default stops at 2.5 MiB.
DATA_UPLOAD_MAX_MEMORY_SIZE = 4 * 1024 * 1024
