from django.urls import path

from finance.lists import urlpatterns_for

from . import views
from .lists import FILES

app_name = "interfaces"

urlpatterns = [
    path("<slug:tenant_slug>/interfaces/", views.interface_list, name="list"),
    *urlpatterns_for(FILES),
    path("<slug:tenant_slug>/imports/<uuid:importfile_id>/download/", views.file_download, name="file_download"),
]
