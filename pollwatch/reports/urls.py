from django.urls import path

from pollwatch.reports import views

urlpatterns = [
    path("e/<slug:slug>/statements/", views.statements, name="statements"),
    path("e/<slug:slug>/statements/<int:pk>/", views.statement, name="statement"),
    path("e/<slug:slug>/statements/<int:pk>/pdf", views.statement_pdf, name="statement-pdf"),
    path("e/<slug:slug>/statements/<int:pk>/html", views.statement_html, name="statement-html"),
    path(
        "e/<slug:slug>/statements/<int:pk>/publish",
        views.statement_publish,
        name="statement-publish",
    ),
]
