"""In a real browser: an imported XLSForm's logic works in the observer app (issue 17).

A cascading select hides the districts outside the chosen region, a required written as an
expression is asked for only while it holds, a default is filled in, a read-only answer cannot
be changed, and a label shows the answer it refers to. Headless Chromium, as in
test_form_logic_browser.py.
"""

from __future__ import annotations

import pytest

from pollwatch.formspec.tests.test_xlsform_found_cases import REGIONS, q, xlsform
from pollwatch.testing import BROWSER_TEST

from .test_form_logic_browser import open_form

pytestmark = BROWSER_TEST


@pytest.fixture
def cascading_form(mission, tmp_path):
    from pollwatch.checklists.loading import install_form
    from pollwatch.formspec.xlsform import form_from_xlsform

    path = xlsform(
        tmp_path,
        [
            q("select_one regions", "region", default="north"),
            q(
                "select_one districts",
                "district",
                "District in ${region}",
                choice_filter="region=${region}",
            ),
            q("text", "details", required="${region} = 'south'"),
            q("text", "team", default="Team A", read_only="yes"),
        ],
        REGIONS,
    )
    return install_form(mission.election, form_from_xlsform(path, code="CS"))[0]


@pytest.mark.django_db(transaction=True)
def test_an_xlsforms_cascading_select_default_and_required_rule_work_in_the_app(
    live_server, report_reader, browser, mission, cascading_form, observer_token
):
    from playwright.sync_api import expect

    from pollwatch.submissions.models import Submission

    context, page = open_form(browser, live_server, observer_token, "CS")
    district = page.locator(".question[data-code=DISTRICT]")
    # The default region is chosen; only its districts are offered.
    expect(page.locator("input[name=REGION][value=north]")).to_be_checked()
    expect(district.locator(".choice[data-option=d1]")).to_be_visible()
    expect(district.locator(".choice[data-option=d3]")).to_be_hidden()
    expect(district.locator(".choice[data-option=dx]")).to_be_visible()
    expect(district.locator(".q-label")).to_have_text("District in north")
    expect(page.locator("textarea[name=TEAM]")).to_have_value("Team A")
    assert page.locator("textarea[name=TEAM]").evaluate("(e) => e.readOnly")

    page.check("input[name=REGION][value=south]")
    expect(district.locator(".choice[data-option=d1]")).to_be_hidden()
    expect(district.locator(".choice[data-option=d3]")).to_be_visible()
    district.locator("input[value=d3]").check()
    # DETAILS is required only in the south: sending without it shows the problem there.
    page.click("#form button[type=submit]")
    expect(page.locator(".question[data-code=DETAILS] .problem-error")).to_be_visible()
    page.fill("textarea[name=DETAILS]", "queue outside")
    page.click("#form button[type=submit]")
    page.wait_for_selector("#home:not([hidden])")
    expect(page.locator("#queue .status-accepted")).to_have_count(1, timeout=15000)
    submission = Submission.objects.get(form__code="CS")
    assert submission.answers == {
        "REGION": "south",
        "DISTRICT": "d3",
        "DETAILS": "queue outside",
        "TEAM": "Team A",
    }
    context.close()
