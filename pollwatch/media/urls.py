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
    path("e/<slug:slug>/media/outlets/", views.media_outlets, name="media-outlets"),
    path("e/<slug:slug>/media/outlets/new/", views.media_outlet_new, name="media-outlet-new"),
    path(
        "e/<slug:slug>/media/outlets/<int:pk>/",
        views.media_outlet_edit,
        name="media-outlet-edit",
    ),
    path(
        "e/<slug:slug>/media/outlets/<int:pk>/delete/",
        views.media_outlet_delete,
        name="media-outlet-delete",
    ),
    path("e/<slug:slug>/media/items/", views.media_queue, name="media-queue"),
    path("e/<slug:slug>/media/items/<int:pk>/", views.media_item, name="media-item"),
    path("e/<slug:slug>/media/report/", views.media_report, name="media-report"),
    path("e/<slug:slug>/media/reliability/", views.media_reliability, name="media-reliability"),
    path("e/<slug:slug>/media/codings.csv", views.media_export, name="media-export"),
    path("e/<slug:slug>/media/tone-targets.jsonl", views.media_training, name="media-training"),
]
