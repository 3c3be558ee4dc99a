import pytest

pytestmark = pytest.mark.browser


def test_home_page_renders_in_chromium(live_server, page):
    page.goto(live_server.url + "/")
    assert page.locator("h1").first.inner_text() == "Issues"
    assert page.get_attribute("html", "lang") == "en"
