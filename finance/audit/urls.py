from finance.lists import urlpatterns_for

from .lists import EVENTS

app_name = "audit"

urlpatterns = urlpatterns_for(EVENTS)
