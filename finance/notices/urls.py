from django.urls import path

from . import views

app_name = "notices"

urlpatterns = [
    path("<slug:tenant_slug>/notices/", views.notice_list, name="list"),
    path("<slug:tenant_slug>/notices/read/", views.notices_read_all, name="read_all"),
    path("<slug:tenant_slug>/notices/<uuid:notice_id>/open/", views.notice_open, name="open"),
]
