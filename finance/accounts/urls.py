from django.contrib.auth import views as auth_views
from django.urls import path

from . import views

app_name = "accounts"

# Sign-in and invitations live outside any environment; everything else under /<tenant_slug>/.
urlpatterns = [
    path("accounts/login/", views.SignInView.as_view(), name="login"),
    path("accounts/logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("accounts/invitation/<uidb64>/<token>/", views.InvitationView.as_view(), name="invitation"),
    # User accounts of one environment.
    path("<slug:tenant_slug>/users/", views.users, name="users"),
    path("<slug:tenant_slug>/users/<uuid:membership_id>/", views.user, name="user"),
    path("<slug:tenant_slug>/users/<uuid:membership_id>/role/", views.user_role, name="user_role"),
    path("<slug:tenant_slug>/users/<uuid:membership_id>/active/", views.user_active, name="user_active"),
    path("<slug:tenant_slug>/users/<uuid:membership_id>/invite/", views.user_invite, name="user_invite"),
    path("<slug:tenant_slug>/users/<uuid:membership_id>/api-keys/new/", views.api_key_new, name="api_key_new"),
    path(
        "<slug:tenant_slug>/users/<uuid:membership_id>/api-keys/<uuid:api_key_id>/revoke/",
        views.api_key_revoke,
        name="api_key_revoke",
    ),
]
