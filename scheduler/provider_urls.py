"""The provider's pages (Django staff, outside every environment): scheduled task templates."""

from django.urls import path

from . import views

app_name = "scheduler_provider"

urlpatterns = [
    path("provider/scheduled-tasks/", views.template_list, name="templates"),
    path("provider/scheduled-tasks/new/", views.template_edit, name="template_new"),
    path("provider/scheduled-tasks/<uuid:template_uuid>/", views.template_edit, name="template_edit"),
]
