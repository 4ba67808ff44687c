"""URLs: the SCIM API below /scim/v2, and the tenants' pages."""

from django.conf import settings
from django.urls import path, re_path

from scimsite.scim import scim_view
from tenants import views

urlpatterns = [
    re_path(rf"^{settings.SCIM_PREFIX}/?(?P<path>.*)$", scim_view),
    path("", views.index),
    path("tenants/<str:directory_id>/", views.tenant),
]
