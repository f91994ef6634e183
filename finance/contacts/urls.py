from django.urls import path

from finance.lists import urlpatterns_for

from . import views
from .lists import CONTACTS

app_name = "contacts"

urlpatterns = [
    *urlpatterns_for(CONTACTS),
    path("<slug:tenant_slug>/contacts/new/", views.create, name="create"),
    path("<slug:tenant_slug>/contacts/<uuid:contactaccount_id>/", views.detail, name="detail"),
    path("<slug:tenant_slug>/contacts/<uuid:contactaccount_id>/edit/", views.edit, name="edit"),
    path("<slug:tenant_slug>/contacts/<uuid:contactaccount_id>/notes/", views.notes, name="notes"),
    path("<slug:tenant_slug>/contacts/<uuid:contactaccount_id>/notes/new/", views.note_create, name="note_create"),
    path(
        "<slug:tenant_slug>/contacts/<uuid:contactaccount_id>/notes/<uuid:note_id>/edit/",
        views.note_edit,
        name="note_edit",
    ),
    path(
        "<slug:tenant_slug>/contacts/<uuid:contactaccount_id>/notes/<uuid:note_id>/delete/",
        views.note_delete,
        name="note_delete",
    ),
]
