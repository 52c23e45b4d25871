from django.urls import path

from pollwatch.observers import views

urlpatterns = [
    path("e/<slug:slug>/people/", views.people, name="people"),
    path("e/<slug:slug>/people/<str:code>/", views.person_detail, name="person"),
    path("e/<slug:slug>/deployments/", views.deployments, name="deployments"),
]
