from django.urls import path

from pollwatch.observers import signin_views, teamviews, views

urlpatterns = [
    path("e/<slug:slug>/people/", views.people, name="people"),
    path("e/<slug:slug>/people/signin/", signin_views.bulk_signin, name="people-signin"),
    path("e/<slug:slug>/people/signin/cards/<int:pk>/", signin_views.card_job, name="card-job"),
    path(
        "e/<slug:slug>/people/signin/cards/<int:pk>/download/",
        signin_views.card_job_download,
        name="card-job-download",
    ),
    path("e/<slug:slug>/people/<str:code>/", views.person_detail, name="person"),
    path(
        "e/<slug:slug>/people/<str:code>/signin/",
        signin_views.person_signin,
        name="person-signin",
    ),
    path("e/<slug:slug>/deployments/", views.deployments, name="deployments"),
    path("e/<slug:slug>/deployments/assign/", views.deployment_assign, name="deployment-assign"),
    path(
        "e/<slug:slug>/deployments/<int:pk>/remove/",
        views.deployment_remove,
        name="deployment-remove",
    ),
    path("e/<slug:slug>/deployments/import/", views.deployment_import, name="deployment-import"),
    path("e/<slug:slug>/deployments/print/", views.deployment_print, name="deployment-print"),
    path("e/<slug:slug>/deployments/reserves/", teamviews.reserves_page, name="reserves"),
    path("e/<slug:slug>/teams/", teamviews.teams, name="teams"),
    path("e/<slug:slug>/teams/<int:pk>/", teamviews.team_detail, name="team"),
]
