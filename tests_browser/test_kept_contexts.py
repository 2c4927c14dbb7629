"""A browser context kept from one test for the next (conftest.KeptContexts) comes back as a new
one would: signed out, one tab on a blank page, the size and timeout asked for."""

from tests_browser.conftest import open_as


def test_a_context_given_back_comes_back_signed_out_with_one_blank_tab(
    browser, live_server, reference_data, users
):
    page = open_as(browser, live_server, users["coordinator"].username, width=390)
    page.goto("/")
    assert page.locator("form[action='/accounts/logout/']").count() == 1  # signed in
    context = page.context
    context.new_page().goto("/")
    context.close()

    again = browser.kept_contexts.page(live_server.url, {"width": 1280, "height": 720}, 5_000)
    assert again.context is context and again is page
    assert context.cookies() == []
    assert [tab.url for tab in context.pages] == ["about:blank"]
    assert again.viewport_size == {"width": 1280, "height": 720}
    again.goto("/")
    assert again.url.endswith("/accounts/login/?next=/")
    again.context.close()
