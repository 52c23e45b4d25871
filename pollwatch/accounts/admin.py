from django.contrib import admin

from pollwatch.accounts.models import TokenBucket


@admin.register(TokenBucket)
class TokenBucketAdmin(admin.ModelAdmin):
    list_display = ["key", "used", "updated"]
