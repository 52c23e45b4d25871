from django.urls import path

from pollwatch.checklists import views

urlpatterns = [
    path("e/<slug:slug>/forms/", views.forms_list, name="forms"),
    path("e/<slug:slug>/forms/upload/", views.form_upload, name="forms-upload"),
    path("e/<slug:slug>/forms/replace/", views.form_replace, name="forms-replace"),
    path("e/<slug:slug>/forms/defaults/", views.forms_defaults, name="forms-defaults"),
    path("e/<slug:slug>/forms/<str:code>/", views.form_detail, name="form"),
    path("e/<slug:slug>/forms/<str:code>/compare/", views.form_compare, name="form-compare"),
    path(
        "e/<slug:slug>/forms/<str:code>/v<int:version>/preview/",
        views.form_preview,
        name="form-preview",
    ),
    path(
        "e/<slug:slug>/forms/<str:code>/v<int:version>/publish/",
        views.form_publish,
        name="form-publish",
    ),
    path(
        "e/<slug:slug>/forms/<str:code>/v<int:version>/close/",
        views.form_close,
        name="form-close",
    ),
]
