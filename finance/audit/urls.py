from django.urls import path

from finance.lists import urlpatterns_for

from . import views
from .lists import EVENTS

app_name = "audit"

urlpatterns = [
    *urlpatterns_for(EVENTS),
    path("<slug:tenant_slug>/events/<uuid:event_id>/", views.event_detail, name="event"),
]
