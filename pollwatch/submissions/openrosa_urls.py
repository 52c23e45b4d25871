"""The OpenRosa endpoints, mounted at /odk/: ODK Collect appends /formList and /submission to its server URL."""

from django.urls import path

from pollwatch.submissions import openrosa

urlpatterns = [
    path("formList", openrosa.form_list, name="odk-form-list"),
    path("forms/<str:xform_id>.xml", openrosa.form_download, name="odk-form"),
    path("submission", openrosa.submission, name="odk-submission"),
]
