from django.urls import path

from . import views

app_name = "catalog"

T = "<slug:tenant_slug>/"
M = f"{T}mappings/"

urlpatterns = [
    path(f"{T}catalogs/features/", views.features, name="features"),
    path(f"{T}catalogs/features/<uuid:feature_id>/remove/", views.feature_remove, name="feature_remove"),
    path(f"{T}defaults/features/", views.defaults, name="defaults"),
    path(f"{T}defaults/features/<uuid:feature_id>/", views.feature_switch, name="feature_switch"),
    path(M, views.mappings, name="mappings"),
    path(f"{M}<uuid:mappingtype_id>/", views.mapping_type, name="mapping_type"),
    path(f"{M}<uuid:mappingtype_id>/add/", views.mapping_add, name="mapping_add"),
    path(f"{M}<uuid:mappingtype_id>/export.csv", views.mapping_export, name="mapping_export"),
    path(f"{M}<uuid:mappingtype_id>/import/", views.mapping_import, name="mapping_import"),
    path(f"{M}rows/<uuid:mapping_id>/", views.mapping_row, name="mapping_row"),
    path(f"{M}rows/<uuid:mapping_id>/edit/", views.mapping_edit, name="mapping_edit"),
    path(f"{M}rows/<uuid:mapping_id>/delete/", views.mapping_delete, name="mapping_delete"),
]
