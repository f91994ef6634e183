from django.urls import path

from finance.lists import urlpatterns_for

from . import retention, views
from .lists import FILES, INTERFACES, LOG

app_name = "interfaces"

urlpatterns = [
    *urlpatterns_for(INTERFACES, LOG, FILES),
    path("<slug:tenant_slug>/runs/<uuid:run_id>/", views.run_detail, name="run"),
    path("<slug:tenant_slug>/imports/<uuid:importfile_id>/download/", views.file_download, name="file_download"),
    path("<slug:tenant_slug>/imports/settings/", retention.imports_settings, name="imports_settings"),
]
