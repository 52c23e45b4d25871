from django.urls import path

from pollwatch.media import views

urlpatterns = [
    path("e/<slug:slug>/media/", views.media_home, name="media-home"),
    path("e/<slug:slug>/media/intake/", views.media_intake, name="media-intake"),
    path(
        "e/<slug:slug>/media/intake/<int:pk>/",
        views.media_intake_detail,
        name="media-intake-detail",
    ),
    path("e/<slug:slug>/media/items/", views.media_queue, name="media-queue"),
    path("e/<slug:slug>/media/items/<int:pk>/", views.media_item, name="media-item"),
    path("e/<slug:slug>/media/report/", views.media_report, name="media-report"),
    path("e/<slug:slug>/media/reliability/", views.media_reliability, name="media-reliability"),
    path("e/<slug:slug>/media/codings.csv", views.media_export, name="media-export"),
    path("e/<slug:slug>/media/tone-targets.jsonl", views.media_training, name="media-training"),
]
