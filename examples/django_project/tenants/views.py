"""The application's own pages: its tenants and what their identity providers provisioned."""

from __future__ import annotations

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render

from scimcore.reader import DirectoryReader

from scimsite.scim import directories, store


def index(request: HttpRequest) -> HttpResponse:
    """Every tenant with its SCIM base URL."""
    tenants = [
        {"directory": d, "scim_url": request.build_absolute_uri(f"/scim/v2/{d.id}")} for d in directories().list()
    ]
    return render(request, "tenants/index.html", {"tenants": tenants})


def tenant(request: HttpRequest, directory_id: str) -> HttpResponse:
    """One tenant's users, groups and latest events, read with scimcore's read API."""
    try:
        directory = directories().get(directory_id)
    except KeyError:
        raise Http404("no such tenant") from None
    reader = DirectoryReader(store(), directory.id)
    context = {
        "directory": directory,
        "users": reader.users(count=200).resources,
        "groups": reader.groups(count=200, members=True).resources,
        "events": reader.events(limit=20),
    }
    return render(request, "tenants/tenant.html", context)
