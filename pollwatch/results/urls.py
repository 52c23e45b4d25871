from django.urls import path

from pollwatch.results import sample_views, views

urlpatterns = [
    path("e/<slug:slug>/quick-count/", views.quick_count, name="quick-count"),
    path(
        "e/<slug:slug>/quick-count/confirm-design/",
        views.confirm_sample_design,
        name="sample-design-confirm",
    ),
    path("e/<slug:slug>/exit-polls/", views.exit_polls, name="exit-polls"),
    path(
        "e/<slug:slug>/exit-polls/<int:pk>/delete/",
        views.delete_published_poll,
        name="published-poll-delete",
    ),
    path("e/<slug:slug>/official/", views.official, name="official"),
    path("e/<slug:slug>/official/upload/", views.official_upload, name="official-upload"),
    path(
        "e/<slug:slug>/official/mapping/<int:pk>/",
        views.official_mapping,
        name="official-mapping",
    ),
    path("e/<slug:slug>/official/imports/<int:pk>/", views.official_import, name="official-import"),
    path("e/<slug:slug>/official/discrepancies/", views.discrepancies, name="discrepancies"),
    path("e/<slug:slug>/forensics/", views.forensics, name="forensics"),
    path("e/<slug:slug>/findings/", views.findings, name="findings"),
    path("e/<slug:slug>/findings.csv", views.findings_csv, name="findings-csv"),
    path("e/<slug:slug>/charts/<slug:name>.<str:fmt>", views.chart, name="chart"),
]

urlpatterns += [
    path("e/<slug:slug>/sample/draw/", sample_views.sample_draw, name="sample-draw"),
    path("e/<slug:slug>/sample/upload/", sample_views.sample_upload, name="sample-upload"),
]
