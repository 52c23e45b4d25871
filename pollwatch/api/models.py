"""Personal API tokens: a script reads the JSON API as the user who made the token.

Only the token's sha256 is stored, as for the observer app's sign-in tokens;
the token itself is shown once, when it is made. The prefix (the first few
characters) is kept to tell tokens apart on the tokens page.
"""

from __future__ import annotations

import hashlib
import secrets

from django.contrib.auth.models import User
from django.db import models

TOKEN_PREFIX = "pw_"
PREFIX_LENGTH = 10


class ApiToken(models.Model):
    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="api_tokens")
    name = models.CharField(max_length=100, help_text="what the token is for, e.g. 'R notebook'")
    token_hash = models.CharField(max_length=64, unique=True)
    prefix = models.CharField(max_length=PREFIX_LENGTH, help_text="the token's first characters")
    created = models.DateTimeField(auto_now_add=True)
    last_used = models.DateTimeField(null=True, blank=True)
    revoked = models.DateTimeField(null=True, blank=True, help_text="when it was revoked")

    class Meta:
        ordering = ["-created"]

    def __str__(self) -> str:
        return f"API token {self.prefix}… of {self.user}"

    @property
    def active(self) -> bool:
        return self.revoked is None

    @staticmethod
    def hash(token: str) -> str:
        return hashlib.sha256(token.encode("utf-8", "surrogatepass")).hexdigest()

    @classmethod
    def issue(cls, user: User, name: str) -> tuple[ApiToken, str]:
        """A new token for ``user``: (the stored row, the token itself, to be shown once)."""
        token = TOKEN_PREFIX + secrets.token_urlsafe(32)
        row = cls.objects.create(
            user=user, name=name, token_hash=cls.hash(token), prefix=token[:PREFIX_LENGTH]
        )
        return row, token
