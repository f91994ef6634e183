from django.urls import include, path

from finance import lists_views
from finance.tenancy import views as tenancy_views

handler404 = "finance.views.not_found"
handler403 = "finance.views.forbidden"
handler500 = "finance.views.server_error"

urlpatterns = [
    path("", tenancy_views.home, name="home"),
    path("healthz", tenancy_views.healthz, name="healthz"),
    path("environments/", tenancy_views.environments, name="environments"),
    path("", include("finance.accounts.urls")),
    path("", include("interfaces.urls")),
    path("", include("finance.contacts.urls")),
    path("", include("finance.audit.urls")),
    path("", include("finance.ledger.urls")),
    path("", include("finance.banking.urls")),
    path("", include((lists_views.urlpatterns, "lists"))),
    path("", include("finance.notices.urls")),
    path("", include("finance.dataformats.urls")),
    path("", include("vault.urls")),
    path("", include("finance.catalog.urls")),
    path("", include("scheduler.urls")),
    path("", include("scheduler.provider_urls")),
    # Keep last: the environment's home matches any slug.
    path("<slug:tenant_slug>/quick-launch/", tenancy_views.quick_launch, name="quick_launch"),
    path("<slug:tenant_slug>/", tenancy_views.dashboard, name="dashboard"),
]
