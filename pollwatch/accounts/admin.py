from django.contrib import admin
from django_otp.plugins.otp_static.admin import StaticDeviceAdmin
from django_otp.plugins.otp_static.models import StaticDevice
from django_otp.plugins.otp_totp.admin import TOTPDeviceAdmin
from django_otp.plugins.otp_totp.models import TOTPDevice

from pollwatch.accounts.models import TokenBucket
from pollwatch.audit.admin import AuditedAdmin


@admin.register(TokenBucket)
class TokenBucketAdmin(admin.ModelAdmin):
    list_display = ["key", "used", "updated"]


# A user's second factor removed in the admin (docs/accounts.md: how a lost phone is handled)
# is in the audit log like any change of mission data; its key and codes never are.
class AuditedTOTPDeviceAdmin(AuditedAdmin, TOTPDeviceAdmin):
    pass


class AuditedStaticDeviceAdmin(AuditedAdmin, StaticDeviceAdmin):
    pass


for _model, _admin in (
    (TOTPDevice, AuditedTOTPDeviceAdmin),
    (StaticDevice, AuditedStaticDeviceAdmin),
):
    if admin.site.is_registered(_model):
        admin.site.unregister(_model)
    admin.site.register(_model, _admin)
