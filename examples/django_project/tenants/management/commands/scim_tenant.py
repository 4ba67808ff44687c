"""``python manage.py scim_tenant create NAME`` prints a new tenant's SCIM URL and token (shown once)."""

from __future__ import annotations

import json
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from scimcore.directories import PROVIDERS, entra_tenant_url

from scimsite.scim import directories


class Command(BaseCommand):
    help = "Create or list tenants' SCIM directories."

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        create = sub.add_parser("create", help="Create a tenant directory and print its SCIM URL and token.")
        create.add_argument("name")
        create.add_argument("--provider", default="generic", choices=PROVIDERS)
        create.add_argument("--base-url", default="http://127.0.0.1:8000")
        sub.add_parser("list", help="List tenant directories.")

    def handle(self, *args: Any, **options: Any) -> None:
        manager = directories()
        if options["action"] == "list":
            self.stdout.write(json.dumps([d.public() for d in manager.list()], indent=2))
            return
        try:
            directory, token = manager.create(options["name"], provider=options["provider"], tenant=options["name"])
        except ValueError as exc:
            raise CommandError(str(exc)) from None
        scim_url = f"{options['base_url'].rstrip('/')}/scim/v2/{directory.id}"
        out = {"id": directory.id, "name": directory.name, "scim_url": scim_url, "token": token}
        if directory.provider == "entra":
            out["tenant_url"] = entra_tenant_url(scim_url)
        self.stdout.write(json.dumps(out, indent=2))
