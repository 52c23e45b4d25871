"""A sign-in card job's status in other languages (issue 13)."""

from __future__ import annotations

from pollwatch.observers.models import CardJob


def test_a_card_jobs_status_is_shown_in_russian(client, mission):
    job = CardJob.objects.create(
        election=mission.election,
        created_by=mission.users["admin"],
        people=[mission.people["observer"].pk],
        selection="1006",
        base_url="http://testserver",
        status="collected",
    )
    client.force_login(mission.users["admin"])
    url = f"/e/test-election/people/signin/cards/{job.pk}/"
    html = client.get(url, HTTP_ACCEPT_LANGUAGE="ru").content.decode()
    assert " · скачано</p>" in html
    english = client.get(url, HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert " · downloaded</p>" in english
    CardJob.objects.filter(pk=job.pk).update(status="queued")
    html = client.get(url, HTTP_ACCEPT_LANGUAGE="fr").content.decode()
    assert " · En attente</p>" in html  # the import jobs' word (context "job status")
