from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _


class TokenForm(forms.Form):
    name = forms.CharField(
        max_length=100,
        label=_("Name"),
        help_text=_(
            "What the token is for, e.g. “quick-count notebook”; you will see it in the list."
        ),
    )
