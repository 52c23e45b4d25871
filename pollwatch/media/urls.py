from django.urls import path

from pollwatch.media import modelviews, views

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
    path("e/<slug:slug>/media/models/", modelviews.media_models, name="media-models"),
    path(
        "e/<slug:slug>/media/models/train/", modelviews.media_model_train, name="media-model-train"
    ),
    path(
        "e/<slug:slug>/media/models/<int:pk>/activate/",
        modelviews.media_model_activate,
        name="media-model-activate",
    ),
    path(
        "e/<slug:slug>/media/models/rollback/",
        modelviews.media_model_rollback,
        name="media-model-rollback",
    ),
    path("e/<slug:slug>/media/recode/", modelviews.media_recode, name="media-recode"),
    path("e/<slug:slug>/media/jobs/<int:pk>/", modelviews.media_job, name="media-job"),
]
