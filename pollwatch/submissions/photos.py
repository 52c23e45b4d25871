"""Protocol photos, found again from a submission's answers for the review page.

``intake.store_photos`` keeps each photo once, as ``MEDIA_ROOT/photos/<2 hex>/<sha256>.<ext>``,
and the answer becomes ``"sha256:<hex>"``. The file path here is built only from that hex,
checked to be 64 hex characters, and from the known extensions: nothing a user typed in a URL
reaches the file system.
"""

from __future__ import annotations

import re
from pathlib import Path

from django.conf import settings

from pollwatch.submissions.intake import PHOTO_TYPES
from pollwatch.submissions.models import Submission

STORED_PHOTO = re.compile(r"sha256:([0-9a-f]{64})")
MEDIA_TYPES = {extension: media_type for media_type, extension in PHOTO_TYPES.items()}


def photo_digests(submission: Submission) -> dict[str, str]:
    """Question code -> sha256 hex, for the form's photo questions answered with a stored photo.

    Only photo questions count: a text answer that looks like a reference is text.
    """
    spec = submission.form.spec
    photo_codes = {q.code for q in getattr(spec, "questions", []) if q.kind == "photo"}
    digests = {}
    for code in photo_codes:
        value = submission.answers.get(code)
        match = STORED_PHOTO.fullmatch(value) if isinstance(value, str) else None
        if match:
            digests[code] = match.group(1)
    return digests


def photo_file(digest: str) -> tuple[Path, str] | None:
    """(path, media type) of the stored photo with this sha256 hex, or None if it is not kept."""
    if not re.fullmatch(r"[0-9a-f]{64}", digest):
        return None
    folder = Path(settings.MEDIA_ROOT) / "photos" / digest[:2]
    for extension, media_type in MEDIA_TYPES.items():
        path = folder / f"{digest}.{extension}"
        if path.is_file():
            return path, media_type
    return None
