from django.urls import path

from pollwatch.submissions import clerk, gallery, incidents, views

urlpatterns = [
    path("sms/<slug:gateway>/", views.sms_webhook, name="sms-webhook"),
    path("o/", views.observer_app, name="observer-app"),
    path("o/sw.js", views.observer_app_sw, name="observer-app-sw"),
    path("o/manifest.webmanifest", views.observer_app_manifest, name="observer-app-manifest"),
    path("api/o/me", views.api_me, name="api-observer-me"),
    path("api/o/submissions", views.api_submissions, name="api-observer-submissions"),
    path("api/o/verify-phone", views.api_verify_phone, name="api-observer-verify-phone"),
    path("e/<slug:slug>/submissions/", views.submissions, name="submissions"),
    path("e/<slug:slug>/submissions/<int:pk>/", views.submission_detail, name="submission"),
    path(
        "e/<slug:slug>/submissions/<int:pk>/photos/<str:code>",
        views.submission_photo,
        name="submission-photo",
    ),
    path("e/<slug:slug>/incidents/", incidents.incidents, name="incidents"),
    path("e/<slug:slug>/incidents/map/", incidents.incidents_map, name="incidents-map"),
    path("e/<slug:slug>/incidents/<int:pk>/", incidents.incident_detail, name="incident"),
    path("e/<slug:slug>/coverage/", views.coverage, name="coverage"),
    path(
        "e/<slug:slug>/people/<str:code>/messages/", views.person_messages, name="person-messages"
    ),
    # The data desk (clerk.py): phoned-in reports, corrections, answers checked, the call log.
    path("e/<slug:slug>/phone/", clerk.phone_caller, name="phone-caller"),
    path("e/<slug:slug>/phone/<str:code>/", clerk.phone_report, name="phone-report"),
    path(
        "e/<slug:slug>/submissions/<int:pk>/correct/",
        clerk.correct_submission,
        name="submission-correct",
    ),
    path("e/<slug:slug>/submissions/<int:pk>/check/", clerk.check_answer, name="submission-check"),
    path("e/<slug:slug>/people/<str:code>/calls/", clerk.person_call, name="person-call"),
    path("e/<slug:slug>/people/<str:code>/caller-pin/", clerk.caller_pin, name="caller-pin"),
    path("e/<slug:slug>/stations/<str:code>/calls/", clerk.station_call, name="station-call"),
    path(
        "e/<slug:slug>/submissions/<int:pk>/photos/<str:code>/thumb",
        gallery.photo_thumbnail,
        name="submission-photo-thumb",
    ),
    path(
        "e/<slug:slug>/submissions/<int:pk>/photos/<str:code>/view",
        gallery.photo_viewer,
        name="photo-viewer",
    ),
    path("e/<slug:slug>/photos/", gallery.photo_gallery, name="photos"),
    path("e/<slug:slug>/photos/export.zip", gallery.photo_export, name="photos-export"),
    path(
        "e/<slug:slug>/stations/<str:code>/photos/", gallery.station_photos, name="station-photos"
    ),
]
