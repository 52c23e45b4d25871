from django.contrib.auth import views as auth_views
from django.urls import path

from pollwatch.accounts import language, views

urlpatterns = [
    path("", views.home, name="home"),
    path("login/", views.login_view, name="login"),
    path("login/code/", views.login_code, name="login-code"),
    path("logout/", views.logout_view, name="logout"),
    path("language/", language.set_language, name="set-language"),
    path("account/two-factor/", views.two_factor, name="two-factor"),
    path(
        "account/two-factor/recovery-codes",
        views.two_factor_recovery_codes,
        name="two-factor-recovery-codes",
    ),
    path("account/two-factor/off", views.two_factor_off, name="two-factor-off"),
    path("password-reset/", views.ResetRequest.as_view(), name="password_reset"),
    path(
        "password-reset/sent/",
        auth_views.PasswordResetDoneView.as_view(template_name="accounts/password_reset_done.html"),
        name="password_reset_done",
    ),
    path(
        "password-reset/<uidb64>/<token>/",
        views.ResetConfirm.as_view(),
        name="password_reset_confirm",
    ),
    path(
        "password-reset/done/",
        auth_views.PasswordResetCompleteView.as_view(
            template_name="accounts/password_reset_complete.html"
        ),
        name="password_reset_complete",
    ),
    path("invite/<str:token>/", views.invite_accept, name="invite-accept"),
    path("e/<slug:slug>/staff/", views.staff_list, name="staff"),
    path("e/<slug:slug>/staff/<int:user_id>/role", views.staff_role, name="staff-role"),
    path(
        "e/<slug:slug>/staff/<int:user_id>/reinvite",
        views.staff_reinvite,
        name="staff-reinvite",
    ),
    path(
        "e/<slug:slug>/staff/<int:user_id>/deactivate",
        views.staff_deactivate,
        name="staff-deactivate",
    ),
    path("healthz", views.healthz, name="healthz"),
]
