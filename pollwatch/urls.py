from django.contrib import admin
from django.urls import include, path

urlpatterns = [
    path("", include("pollwatch.accounts.urls")),
    path("", include("pollwatch.elections.urls")),
    path("", include("pollwatch.checklists.urls")),
    path("", include("pollwatch.observers.urls")),
    path("", include("pollwatch.submissions.urls")),
    path("", include("pollwatch.messaging.urls")),
    path("", include("pollwatch.media.urls")),
    path("", include("pollwatch.results.urls")),
    path("", include("pollwatch.reports.urls")),
    path("", include("pollwatch.api.urls")),
    path("odk/", include("pollwatch.submissions.openrosa_urls")),
    path("admin/", admin.site.urls),
]
