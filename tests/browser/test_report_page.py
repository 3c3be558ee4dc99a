"""The public report in Chromium: the statement table sorts, and printing hides the site's chrome."""

import pytest

from app.services.opinion.recompute import recompute
from tests.support.issues import make_issue
from tests.support.opinion_data import make_blocs

pytestmark = pytest.mark.browser


def test_report_table_sorts_and_prints_clean(app, live_server, page):
    issue_id = make_issue(app, slug="report-browser")
    blocs = make_blocs(app, issue_id, per_bloc=6)
    with app.app_context():
        recompute(issue_id)
    page.goto(live_server.url + "/issues/report-browser/report")
    table = page.locator("table[data-sortable]")
    ids = lambda: [int(t) for t in table.locator("tbody tr td:first-child").all_inner_texts()]  # noqa: E731
    assert ids() == blocs.statement_ids
    heading = table.locator("thead th").first
    heading.get_by_role("button").click()
    assert heading.get_attribute("aria-sort") == "ascending"
    heading.get_by_role("button").click()
    assert heading.get_attribute("aria-sort") == "descending"
    assert ids() == sorted(blocs.statement_ids, reverse=True)
    assert page.locator("svg.chart").count() == 2
    page.emulate_media(media="print")
    assert not page.locator(".site-header").is_visible()
    assert not page.locator(".report-links").is_visible()
    assert page.locator("table[data-sortable]").is_visible()
