"""Small JPEG thumbnails of the protocol photos, made on first request and kept beside them.

A review page or a gallery shows dozens of photos of several megabytes each; a thumbnail of a
few kilobytes is what the browser needs until someone opens one. A thumbnail is made here, on
the server, from the stored original only (never from anything a client sends), and kept as
``MEDIA_ROOT/photos/<2 hex>/thumbs/<sha256>-<size>.jpg``: a subfolder, so that the intake's
look-up of ``<sha256>.*`` in the photo's folder never takes a thumbnail for the photo.

An image Pillow cannot read (damaged, truncated, HEIC without a decoder, too many pixels) gets
no thumbnail: the caller shows a placeholder. A marker file remembers the failure, so a broken
photo is not decoded again on every page view.
"""

from __future__ import annotations

import io
import os
import tempfile
import warnings
from pathlib import Path

from PIL import Image, ImageOps, UnidentifiedImageError

from pollwatch.submissions.photos import photo_file

THUMBNAIL_SIZE = 320
"""The longest side in pixels: sharp at 160 CSS pixels on a phone's 2x screen."""
JPEG_QUALITY = 80
# A phone photo is 12 to 50 megapixels; far more is a decompression bomb, not a protocol.
MAX_PIXELS = 80_000_000

# What Pillow raises for a file that is not a readable image: unknown or damaged data,
# a truncated file, an image too large to decode safely.
UNREADABLE = (
    UnidentifiedImageError,
    OSError,
    SyntaxError,
    ValueError,
    Image.DecompressionBombError,
    Image.DecompressionBombWarning,  # raised, not warned: see _thumbnail_bytes
)


def thumbnail_path(digest: str, size: int = THUMBNAIL_SIZE) -> Path | None:
    """The cached thumbnail of the stored photo ``digest``, made now if need be.

    None when the photo is not kept or cannot be read as an image.
    """
    found = photo_file(digest)
    if found is None:
        return None
    original, _ = found
    folder = original.parent / "thumbs"
    thumbnail = folder / f"{digest}-{size}.jpg"
    unreadable = folder / f"{digest}-{size}.unreadable"
    if thumbnail.is_file():
        return thumbnail
    if unreadable.is_file():
        return None
    folder.mkdir(parents=True, exist_ok=True)
    try:
        made = _thumbnail_bytes(original, size)
    except UNREADABLE:
        unreadable.touch()
        return None
    _write_atomically(thumbnail, made)
    return thumbnail


def _thumbnail_bytes(original: Path, size: int) -> bytes:
    """The JPEG thumbnail of ``original``, turned upright as the phone meant, without metadata
    (a photo's EXIF can hold where the observer stood)."""

    with warnings.catch_warnings():
        warnings.simplefilter("error", Image.DecompressionBombWarning)
        with Image.open(original) as image:
            width, height = image.size
            if width * height > MAX_PIXELS:
                raise Image.DecompressionBombError(f"{width}x{height} pixels")
            image.draft("RGB", (size, size))  # JPEG decodes at a fraction of its size: faster
            upright = ImageOps.exif_transpose(image)
            upright.thumbnail((size, size))
            buffer = io.BytesIO()
            upright.convert("RGB").save(buffer, "JPEG", quality=JPEG_QUALITY, optimize=True)
    return buffer.getvalue()


def _write_atomically(path: Path, content: bytes) -> None:
    """Two requests may make the same thumbnail at once: each writes its own file and renames
    it into place, so nobody ever reads a half-written one."""
    handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=".thumb-", suffix=".tmp")
    try:
        with os.fdopen(handle, "wb") as out:
            out.write(content)
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


PLACEHOLDER_SVG = """<svg xmlns="http://www.w3.org/2000/svg" width="320" height="240" viewBox="0 0 320 240">
<rect width="320" height="240" fill="#eee" stroke="#999"/>
<text x="160" y="112" font-family="sans-serif" font-size="18" text-anchor="middle" fill="#444">No preview</text>
<text x="160" y="140" font-family="sans-serif" font-size="14" text-anchor="middle" fill="#444">open the original file</text>
</svg>
"""
"""Shown instead of a thumbnail when the photo cannot be read as an image."""
