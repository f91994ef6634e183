from django.urls import path

from . import views

app_name = "interfaces"

urlpatterns = [
    path("<slug:tenant_slug>/interfaces/", views.interface_list, name="list"),
]
