from django.urls import path

from pollwatch.elections import setup_views, views

urlpatterns = [
    path("e/<slug:slug>/", views.election_home, name="election-home"),
    path("e/<slug:slug>/now/", views.election_now, name="election-now"),
    path("e/<slug:slug>/areas/<str:code>/", views.area_children, name="area-children"),
    path("e/<slug:slug>/stations/", views.stations, name="stations"),
    path("e/<slug:slug>/stations/<str:code>/", views.station_detail, name="station"),
    path("e/<slug:slug>/imports/", views.imports, name="imports"),
    path("e/<slug:slug>/imports/<int:pk>/", views.import_detail, name="import"),
    path("e/<slug:slug>/imports/<int:pk>/errors.csv", views.import_errors, name="import-errors"),
    path("e/<slug:slug>/imports/<int:pk>/mapping/", views.import_mapping, name="import-mapping"),
]

urlpatterns += [
    path("elections/new/", setup_views.new_election, name="election-new"),
    path("e/<slug:slug>/setup/", setup_views.election_setup, name="election-setup"),
    path("e/<slug:slug>/setup/ballot/", setup_views.ballot, name="ballot"),
    path("e/<slug:slug>/setup/ballot/new/", setup_views.contest_new, name="contest-new"),
    path("e/<slug:slug>/setup/ballot/<int:pk>/", setup_views.contest_edit, name="contest-edit"),
]
