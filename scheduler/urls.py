from django.urls import path

from finance.lists import urlpatterns_for

from . import views
from .lists import TASKS

app_name = "scheduler"

S = "<slug:tenant_slug>/scheduler/"

urlpatterns = [
    *urlpatterns_for(TASKS),
    path(f"{S}new/", views.task_new, name="new"),
    path(f"{S}preview/", views.pattern_preview, name="preview"),
    path(f"{S}<uuid:scheduledtask_id>/", views.task_detail, name="detail"),
    path(f"{S}<uuid:scheduledtask_id>/edit/", views.task_edit, name="edit"),
    path(f"{S}<uuid:scheduledtask_id>/delete/", views.task_delete, name="delete"),
    path(f"{S}<uuid:scheduledtask_id>/run-now/", views.task_run_now, name="run_now"),
    path(f"{S}<uuid:scheduledtask_id>/enabled/", views.task_toggle, name="toggle"),
]
