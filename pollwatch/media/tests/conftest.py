"""A small media setup in the test election: two outlets, three subjects, no items yet."""

from __future__ import annotations

import pytest

SUBJECTS = {
    "subjects": [
        {"id": "karimov", "kind": "candidate", "name": "Ali Karimov", "aliases": ["Karimov"]},
        {"id": "hasanova", "kind": "candidate", "name": "Leyla Hasanova", "aliases": ["Hasanova"]},
        {
            "id": "cec",
            "kind": "institution",
            "name": "Central Election Commission",
            "aliases": ["CEC"],
        },
    ]
}

ARTICLE = (
    "Karimov opened a new hospital in Ganja, and residents praised the speed of the work.\n\n"
    "Critics accused Hasanova of misusing state resources during the campaign.\n\n"
    "The CEC said polling stations will open at 8 a.m."
)


@pytest.fixture
def media(mission):
    from types import SimpleNamespace

    from pollwatch.media.intake import replace_subjects
    from pollwatch.media.models import MediaSettings, Outlet

    election = mission.election
    MediaSettings.objects.create(election=election, double_code_every=0)
    replace_subjects(election, SUBJECTS)
    outlets = {
        "tv": Outlet.objects.create(election=election, name="State TV", kind="tv", owner="state"),
        "web": Outlet.objects.create(election=election, name="Meydan", kind="online"),
    }
    return SimpleNamespace(election=election, outlets=outlets, mission=mission)


def add_text(media, text=ARTICLE, *, outlet="tv", title="A day on the campaign"):
    """Store one pasted item through the real intake; returns the Item."""
    from pollwatch.media.intake import parse_paste, store_items

    parsed, problems = parse_paste(text, title=title)
    result = store_items(
        media.election,
        name="pasted",
        raw=text.encode(),
        parsed=parsed,
        problems=problems,
        outlet=media.outlets[outlet],
    )
    return result.items[0]


@pytest.fixture
def item(media):
    return add_text(media)
