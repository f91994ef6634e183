from finance.lists import urlpatterns_for

from .lists import ACCOUNTS, LINES, STATEMENTS

app_name = "banking"

urlpatterns = urlpatterns_for(ACCOUNTS, STATEMENTS, LINES)
