from django.urls import path

from pollwatch.observers import teamviews, views

urlpatterns = [
    path("e/<slug:slug>/people/", views.people, name="people"),
    path("e/<slug:slug>/people/<str:code>/", views.person_detail, name="person"),
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
