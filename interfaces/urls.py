from django.urls import path

from finance.lists import urlpatterns_for

from . import retention, views
from .lists import FILES, INTERFACES, LOG

app_name = "interfaces"

I = "<slug:tenant_slug>/interfaces/"  # noqa: E741 - the prefix of every interface page

urlpatterns = [
    *urlpatterns_for(INTERFACES, LOG, FILES),
    path(f"{I}new/", views.interface_new, name="new"),
    path(f"{I}<uuid:interface_id>/edit/", views.interface_edit, name="edit"),
    path(f"{I}<uuid:interface_id>/clone/", views.interface_clone, name="clone"),
    path(f"{I}<uuid:interface_id>/enabled/", views.interface_toggle, name="toggle"),
    path(f"{I}<uuid:interface_id>/run/", views.interface_run, name="run_form"),
    path("<slug:tenant_slug>/runs/<uuid:run_id>/", views.run_detail, name="run"),
    path("<slug:tenant_slug>/runs/<uuid:run_id>/cancel/", views.run_cancel, name="run_cancel"),
    path("<slug:tenant_slug>/runs/<uuid:run_id>/again/", views.run_again, name="run_again"),
    path("<slug:tenant_slug>/runs/<uuid:run_id>/submit/", views.run_submit, name="run_submit"),
    path("<slug:tenant_slug>/runs/<uuid:run_id>/retry-failed/", views.run_retry_failed, name="run_retry_failed"),
    path("<slug:tenant_slug>/runs/<uuid:run_id>/void/", views.run_void, name="run_void"),
    path("<slug:tenant_slug>/runs/<uuid:run_id>/restore/", views.run_restore, name="run_restore"),
    path("<slug:tenant_slug>/runs/<uuid:run_id>/messages.csv", views.run_messages_csv, name="run_messages_csv"),
    path("<slug:tenant_slug>/imports/<uuid:importfile_id>/download/", views.file_download, name="file_download"),
    path("<slug:tenant_slug>/imports/settings/", retention.imports_settings, name="imports_settings"),
]
