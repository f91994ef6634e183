from django.urls import path

from finance.lists import urlpatterns_for

from . import views
from .lists import ARCHIVE, DOCUMENTS, NOMINALS

app_name = "ledger"

urlpatterns = [
    *urlpatterns_for(DOCUMENTS, NOMINALS, ARCHIVE),
    path("<slug:tenant_slug>/documents/<uuid:document_id>/", views.document_detail, name="document"),
    path("<slug:tenant_slug>/nominal-accounts/<uuid:nominalaccount_id>/", views.nominal_detail, name="nominal"),
    path("<slug:tenant_slug>/archive-gl/<uuid:archivedocument_id>/", views.archive_document_detail, name="archive_document"),
]
