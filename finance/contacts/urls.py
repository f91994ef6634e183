from django.urls import path

from . import views

app_name = "contacts"

# The list page (`contacts:list`, at contacts/) comes with the shared list framework.
urlpatterns = [
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
