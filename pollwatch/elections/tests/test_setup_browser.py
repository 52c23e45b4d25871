"""In a real browser: a site admin creates an election with two candidates, its stations arrive,
and the sample is previewed and drawn in the app. Headless Debian Chromium via Playwright."""

from __future__ import annotations

import pytest

from pollwatch.testing import BROWSER_TEST, sign_in_browser

pytestmark = BROWSER_TEST


def add_stations(election) -> None:
    """What the stations import leaves behind: two regions of five stations each."""
    from pollwatch.elections.importers import refresh_area_totals
    from pollwatch.elections.models import Area, PollingStation

    for region in ("N", "S"):
        area = Area.objects.create(
            election=election,
            level=1,
            level_name="region",
            code=region,
            name=region,
            path=f"/{region}/",
        )
        for number in range(5):
            PollingStation.objects.create(
                election=election,
                code=f"{region}{number}",
                name=f"School {region}{number}",
                area=area,
                area_path=area.path,
                registered_voters=800 + number,
            )
    refresh_area_totals(election)


@pytest.mark.django_db(transaction=True)
def test_a_site_admin_creates_an_election_and_draws_its_sample(
    live_server, browser, settings, tmp_path
):
    from django.contrib.auth.models import User
    from playwright.sync_api import expect

    from pollwatch.elections.models import Election
    from pollwatch.results.models import SampleDesign

    settings.SESSION_COOKIE_SECURE = False
    settings.DATA_DIR = tmp_path
    root = User.objects.create_superuser("root", password="x")
    context = browser.new_context()
    sign_in_browser(context, live_server.url, root)
    page = context.new_page()
    page.goto(f"{live_server.url}/")
    page.get_by_role("link", name="New election").click()
    page.fill("input[name=name]", "Mayoral election 2027")
    page.fill("input[name=slug]", "mayor-2027")
    page.fill("input[name=date]", "2027-03-14")
    page.fill("input[name=country]", "AZ")
    page.fill("input[name=time_zone]", "Asia/Baku")
    page.fill("input[name=contest]", "Mayor")
    page.fill("input[name=c-0-code]", "A")
    page.fill("input[name=c-0-name]", "Aliyeva")
    page.fill("input[name=c-0-party]", "Green")
    page.fill("input[name=c-0-colour]", "#2ca02c")
    page.fill("input[name=c-1-code]", "B")
    page.fill("input[name=c-1-name]", "Bayramov")
    page.fill("input[name=c-1-colour]", "#d62728")
    page.get_by_role("button", name="Create the election").click()
    expect(page.locator("#missing")).to_contain_text("draw the sample or upload one")
    election = Election.objects.get(slug="mayor-2027")
    assert list(election.contests.get().candidates.values_list("code", "colour")) == [
        ("A", "#2ca02c"),
        ("B", "#d62728"),
    ]

    add_stations(election)
    page.reload()
    expect(page.locator("li[data-step=stations]")).to_have_attribute("data-done", "yes")
    page.get_by_role("link", name="Draw or upload the sample").click()
    page.select_option("select[name=stratum]", "level:1")
    page.fill("input[name=size]", "4")
    page.fill("input[name=reserve]", "1")
    page.fill("input[name=seed]", "99")
    page.get_by_role("button", name="Preview").click()
    expect(page.locator("#strata tr[data-stratum=N]")).to_contain_text("5")
    expect(page.locator("#preview-seed")).to_have_text("99")
    assert not SampleDesign.objects.filter(election=election).exists()
    page.get_by_role("button", name="Save as the election's sample").click()
    expect(page.locator("p.message")).to_contain_text("seed 99")
    expect(page.locator("#current-design")).to_contain_text("4 sampled and 2 reserve stations")
    design = SampleDesign.objects.get(election=election)
    assert design.parameters["seed"] == 99
    page.get_by_role("link", name="Setup").first.click()
    expect(page.locator("li[data-step=sample]")).to_have_attribute("data-done", "yes")
    context.close()
