from django.urls import path

from . import views

app_name = "dataformats"

urlpatterns = [
    path("<slug:tenant_slug>/data-dictionary/", views.dictionary, name="dictionary"),
    path("<slug:tenant_slug>/data-dictionary/<slug:format_key>/template.csv", views.template_download, name="template"),
]
