from django.urls import path

from . import views

app_name = "vault"

V = "<slug:tenant_slug>/vault/"

urlpatterns = [
    path(V, views.entry_list, name="list"),
    path(f"{V}new/", views.entry_new, name="new"),
    path(f"{V}<uuid:vaultentry_id>/edit/", views.entry_edit, name="edit"),
    path(f"{V}<uuid:vaultentry_id>/value/", views.entry_value, name="value"),
    path(f"{V}<uuid:vaultentry_id>/delete/", views.entry_delete, name="delete"),
]
