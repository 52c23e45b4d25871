"""Protocol photos: shown in review beside the answer, served only to staff who may see the report."""

from __future__ import annotations

import base64
import hashlib
import uuid

import pytest
from django.urls import reverse

from pollwatch.submissions.models import Submission
from pollwatch.submissions.tests.test_web_intake import post
from pollwatch.testing import PERSONAS, assert_reach

IMAGE = b"\x89PNG\r\n\x1a\n" + b"protocol" * 100
DIGEST = hashlib.sha256(IMAGE).hexdigest()
# Staff whose reach holds a report from D1: mission-wide roles (the data clerk reads protocols
# off photos too) and the supervisor of R1. The observer who sent it sees the report, but never
# its photo through these pages.
PHOTO_VIEWERS = {"admin", "coordinator", "analyst", "clerk", "supervisor"}


@pytest.fixture
def with_photo(client, forms, observer_token, settings, tmp_path):
    """An incident report from D1-001 with a PNG, posted as the app does and read by the worker."""
    settings.MEDIA_ROOT = tmp_path
    body = {
        "client_uuid": str(uuid.uuid4()),
        "form": "IN",
        "station": "D1-001",
        "answers": {
            "T": "1",
            "P": "data:image/png;base64," + base64.b64encode(IMAGE).decode(),
        },
    }
    response = post(client, observer_token, body)
    assert response.status_code == 202, response.content
    submission = Submission.objects.get()
    assert submission.answers["P"] == f"sha256:{DIGEST}"
    return submission


def photo_url(submission, code="P"):
    return reverse("submission-photo", args=["test-election", submission.pk, code])


@pytest.mark.parametrize("persona", [*PERSONAS, "anonymous"])
def test_each_role_gets_the_photo_only_if_it_may(client, mission, with_photo, persona):
    assert_reach(client, mission, persona, photo_url(with_photo), PHOTO_VIEWERS)


def test_the_photo_is_served_privately_with_its_type(client, mission, with_photo):
    client.force_login(mission.users["supervisor"])
    response = client.get(photo_url(with_photo))
    assert b"".join(response.streaming_content) == IMAGE
    assert response["Content-Type"] == "image/png"
    assert "private" in response["Cache-Control"] and "public" not in response["Cache-Control"]
    assert response["X-Content-Type-Options"] == "nosniff"


def test_an_observer_never_reaches_a_photo_even_of_their_own_report(client, mission, with_photo):
    client.force_login(mission.users["observer"])
    assert (
        client.get(reverse("submission", args=["test-election", with_photo.pk])).status_code == 200
    )
    assert client.get(photo_url(with_photo)).status_code == 404
    page = client.get(reverse("submission", args=["test-election", with_photo.pk])).content.decode()
    assert photo_url(with_photo) not in page and DIGEST not in page


def test_a_supervisor_elsewhere_gets_no_photo(client, mission, with_photo):
    from pollwatch.elections.models import Area

    mission.people["supervisor"].memberships.update(area=Area.objects.get(code="R2"))
    client.force_login(mission.users["supervisor"])
    assert client.get(photo_url(with_photo)).status_code == 404


@pytest.mark.parametrize("code", ["T", "X", "..", "P%2F..%2F..%2Fetc", "%2e%2e", "P/../P"])
def test_only_a_stored_photo_answer_is_served(client, mission, with_photo, code):
    client.force_login(mission.users["admin"])
    url = f"/e/test-election/submissions/{with_photo.pk}/photos/{code}"
    assert client.get(url).status_code == 404


def test_a_text_answer_that_looks_like_a_photo_is_not_a_photo(client, mission, with_photo):
    Submission.objects.filter(pk=with_photo.pk).update(answers={"T": "1", "D": f"sha256:{DIGEST}"})
    client.force_login(mission.users["admin"])
    assert client.get(photo_url(with_photo, "D")).status_code == 404


def test_a_reference_to_a_missing_file_is_a_404(client, mission, with_photo, tmp_path):
    (tmp_path / "photos" / DIGEST[:2] / f"{DIGEST}.png").unlink()
    client.force_login(mission.users["admin"])
    assert client.get(photo_url(with_photo)).status_code == 404


def test_the_review_page_shows_a_thumbnail_linking_to_the_viewer(client, mission, with_photo):
    client.force_login(mission.users["coordinator"])
    page = client.get(reverse("submission", args=["test-election", with_photo.pk])).content.decode()
    url = photo_url(with_photo)
    assert f'<a href="{url}/view" class="thumb"' in page
    assert (
        f'<img src="{url}/thumb" width="160" height="120" loading="lazy" alt="Photo for P: Photo">'
        in page
    )
    assert f"sha256:{DIGEST}" not in page.split("As received")[0]
