"""The watch that fails every browser test on a Content-Security-Policy violation
(conftest.PageWatch) sees what Chromium blocks under the application's own policy, and does not
count what the policy allows: the JSON data blocks that ``json_script`` writes are data, never
run, and the charts size their canvas through the CSSOM."""

from csp.constants import HEADER
from csp.utils import build_policy

from tests_browser.conftest import PageWatch

# Each kind of inline code a template could hold, and a JSON block as json_script writes it.
PROBE = """<!doctype html><html><head><title>probe</title>
<style>p { color: red; }</style></head>
<body><p style="color: blue">styled</p>
<button onclick="document.title = 'clicked'">button</button>
<script>document.title = "ran";</script>
<script id="data" type="application/json">{"a": 1}</script>
<canvas id="canvas"></canvas>
</body></html>"""


def test_the_watch_reports_each_kind_of_inline_code_and_not_json_data(chromium, live_server):
    watch = PageWatch()
    context = chromium.new_context(base_url=live_server.url)
    watch.context(context)
    page = context.new_page()
    page.route(
        "**/csp-probe/",
        lambda route: route.fulfill(
            body=PROBE, content_type="text/html", headers={HEADER: build_policy()}
        ),
    )
    page.goto("/csp-probe/")
    page.click("button")
    # What Chart.js does to size a canvas: the CSSOM, which the policy does not govern.
    page.evaluate("document.getElementById('canvas').style.height = '300px'")
    assert page.title() == "probe"  # neither the script nor the handler ran
    assert page.evaluate("JSON.parse(document.getElementById('data').textContent).a") == 1
    assert page.evaluate("getComputedStyle(document.getElementById('canvas')).height") == "300px"
    watch.flush(context)
    context.close()

    violations = [p for p in watch.problems if "Content-Security-Policy:" in p]
    directives = sorted(p.split("Content-Security-Policy: ")[1].split()[0] for p in violations)
    # One for the <script> that would have run; none for the JSON block.
    assert directives == [
        "script-src-attr",
        "script-src-elem",
        "style-src-attr",
        "style-src-elem",
    ], watch.problems
    # Chromium also says so in the console, which the watch collects as well.
    assert any("console error" in p for p in watch.problems)
