from django.urls import path

from pollwatch.messaging import views

urlpatterns = [
    path("sms/<slug:gateway>/status/", views.delivery_status, name="sms-delivery-status"),
    path("e/<slug:slug>/messages/", views.outbox, name="messages"),
    path("e/<slug:slug>/messages/compose/", views.compose_page, name="compose"),
    path("e/<slug:slug>/messages/inbox/", views.inbox, name="inbox"),
    path("e/<slug:slug>/messages/inbox/<int:pk>/reply/", views.reply, name="inbox-reply"),
    path("e/<slug:slug>/messages/broadcasts/<int:pk>/", views.broadcast_page, name="broadcast"),
    path("e/<slug:slug>/people/<str:code>/thread/", views.thread, name="person-thread"),
]
