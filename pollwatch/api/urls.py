import ninja
from django.urls import URLPattern, URLResolver, path

from pollwatch.api import views
from pollwatch.api.api import api

urlpatterns: list[URLPattern | URLResolver] = [
    path("account/api-tokens/", views.api_tokens, name="api-tokens"),
    path("e/<slug:slug>/export/", views.exports, name="exports"),
    path("e/<slug:slug>/export/<slug:dataset>.<slug:fmt>", views.export, name="export"),
    path(
        f"api/v1/docs/ninja-{ninja.__version__}/<str:name>", views.docs_asset, name="api-docs-asset"
    ),
    path("api/v1/", api.urls),
]
