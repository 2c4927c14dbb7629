"""Browser tests: Playwright for Python driving Debian's Chromium (never a downloaded build).

With SCREENSHOTS=1, the tests save full-page screenshots of what they check in
test-artifacts/screenshots/ (git-ignored), for a person to look at after a change of layout.
Without it they take none: screenshots were a tenth of these tests' time, and nobody looks at
those of a routine run.
"""

import contextlib
import os
import threading
import time
from importlib import metadata
from pathlib import Path

import pytest
from django.conf import settings

CHROMIUM = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")
SCREENSHOTS = Path(settings.BASE_DIR) / "test-artifacts" / "screenshots"
SCREENSHOTS_WANTED = os.environ.get("SCREENSHOTS") == "1"
# Every context is opened as a person who asked their system for less motion: Bootstrap then
# scrolls at once instead of smoothly and drops its transitions. Before each click Playwright
# scrolls the element into view and waits until it stops moving: in the referral walks, clicks
# and scrolls waited 12 to 14 s with smooth scrolling, 6 to 8 s without. What the page shows
# and does is the same.
MOTION = {"reduced_motion": "reduce"}
# Without these, Chromium tries to reach Google's services at start-up, which a closed office
# network refuses, slowly.
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
# Chromium gives every navigation a new frame host ("RenderDocument"): a fifth to a quarter of
# the CPU it spends per page load here (70 -> 53 ms for a stylesheet, 120 -> 100 ms for a file
# page, measured alternately). The tests navigate hundreds of times; none goes back or forward.
# Chromium keeps only the last --disable-features it is given, and Playwright passes its own
# list first: ours repeats Playwright's (that of the version pinned in requirements-dev.txt,
# from its chromiumSwitches) and adds RenderDocument. Another version keeps its own list.
PLAYWRIGHT_VERSION = "1.65.2"
PLAYWRIGHT_DISABLED_FEATURES = [
    "AvoidUnnecessaryBeforeUnloadCheckSync",
    "DestroyProfileOnBrowserClose",
    "HttpsUpgrades",
    "HttpsFirstBalancedModeAutoEnable",
    "LensOverlay",
    "MediaRouter",
    "PaintHolding",
    "ThirdPartyStoragePartitioning",
    "AvoidCorsURLLoaderRestartOnRedirect",
    "TcpPortRandomizationWin",
    "OptimizationHints",
    "NetworkTimeServiceQuerying",
    "AimEnabled",
    "PreconnectToSearch",
    "msForceBrowserSignIn",
    "msEdgeUpdateLaunchServicesPreferredVersion",
]
if metadata.version("playwright") == PLAYWRIGHT_VERSION:
    CHROMIUM_ARGS.append(
        "--disable-features=" + ",".join([*PLAYWRIGHT_DISABLED_FEATURES, "RenderDocument"])
    )


# The browser tests run last (pytest-django puts tests that commit after the others) and take
# seconds each: the slowest start first, so that in a parallel run no worker is left with the
# longest one while the others have finished.
SLOWEST_FIRST = [
    "test_issuing",
    "test_phone_tables",
    "test_projects",
    "test_ceremonies",
    "test_transfers",
    "test_confirmations",
    "test_duplicates",
    "test_beneficiaries",
    "test_dashboard",
    "test_amounts",
    "test_home",
]


@pytest.hookimpl(trylast=True)
def pytest_collection_modifyitems(items):
    places = [i for i, item in enumerate(items) if "tests_browser" in str(item.fspath)]
    browser = [items[i] for i in places]
    for item in browser:
        item.add_marker(pytest.mark.browser)

    def rank(item):
        module = item.fspath.purebasename
        return SLOWEST_FIRST.index(module) if module in SLOWEST_FIRST else len(SLOWEST_FIRST)

    for place, item in zip(places, sorted(browser, key=rank), strict=True):
        items[place] = item


@pytest.fixture(scope="session")
def chromium():
    if not Path(CHROMIUM).exists():
        pytest.fail(f"Chromium not found at {CHROMIUM}: apt-get install chromium")
    from playwright.sync_api import sync_playwright

    # Playwright's sync API keeps an event loop running in this thread, which makes Django
    # refuse ORM calls here; the tests' own database set-up around it is synchronous and safe.
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield browser
        browser.close()
    del os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"]


# Reports what the page itself sees: a Content-Security-Policy violation fires this event
# in the page (with what was blocked and where), not only a line in the console.
REPORT_VIOLATIONS = """
document.addEventListener("securitypolicyviolation", (event) => {
  const sample = event.sample ? ` "${event.sample.slice(0, 80)}"` : "";
  window.reportCspViolation(
    `${event.effectiveDirective} refused ${event.blockedURI || "inline"}${sample} `
      + `(${event.sourceFile || event.documentURI}:${event.lineNumber})`
  );
});
"""


class PageWatch:
    """Collects, from every page a test opens, each Content-Security-Policy violation, each
    console message (Chromium writes blocked inline code and failed loads there) and each
    uncaught script error. The ``browser`` fixture fails the test with the list at its end:
    a page that breaks the policy breaks in production, where the policy is enforced too."""

    def __init__(self):
        self.begin()

    def begin(self) -> None:
        """For the next test: nothing reported yet, no context of its own yet."""
        self.problems: list[str] = []
        self.contexts: list = []

    def context(self, context) -> None:
        context.add_init_script(REPORT_VIOLATIONS)
        context.expose_binding("reportCspViolation", self._violation)
        context.on("page", self.page)
        for page in context.pages:
            self.page(page)
        close = context.close

        def flush_then_close(**options):
            self.flush(context)
            return close(**options)

        context.close = flush_then_close
        self.contexts.append(context)

    def page(self, page) -> None:
        def console(message) -> None:
            # The status of the page itself (a 404 a test asks for on purpose) is the test's
            # to check; a script, stylesheet or image that fails to load is a fault.
            if message.location.get("url") == page.url and message.text.startswith(
                "Failed to load resource"
            ):
                return
            self._add(page.url, f"console {message.type}: {message.text}")

        page.on("console", console)
        page.on("pageerror", lambda error: self._add(page.url, f"script error: {error}"))

    def _violation(self, source, text: str) -> None:
        self._add(source["page"].url, f"Content-Security-Policy: {text}")

    def _add(self, url: str, problem: str) -> None:
        self.problems.append(f"{url}: {problem}")

    def flush(self, context) -> None:
        """A round trip to each open page, so that what it reported before has arrived."""
        from playwright.sync_api import Error

        for page in context.pages:
            # A page closed or crashed meanwhile has nothing more to say.
            with contextlib.suppress(Error):
                page.evaluate("0")

    def check(self) -> None:
        for context in self.contexts:
            self.flush(context)
        if self.problems:
            pytest.fail("The pages reported problems:\n" + "\n".join(self.problems), pytrace=False)


class KeptContexts:
    """Browser contexts kept from one test to the next, each with its tab.

    A new context starts a renderer process, and its first page parses Bootstrap's stylesheet
    and compiles its scripts again: a signed-in file page took 640 ms in a new context, 360 ms
    in a kept one (each figure the mean of four). The browser tests take some sixty contexts
    this way; one process running them all opened four.

    A context is given back when the test closes it, or at the test's end: its tab goes to a
    blank page (which ends whatever the last page was doing, a job's progress polling) and its
    cookies are cleared, so the next test that takes it starts signed out, as in a new one.
    What it keeps is the static files in its cache. Tabs a test opened besides are closed.
    """

    def __init__(self, chromium) -> None:
        self.chromium = chromium
        self.watch = PageWatch()
        self.idle: dict[str, list] = {}
        self.taken: dict = {}  # context -> (key, tab, the context's own close)

    def page(self, base_url: str, viewport: dict, timeout: int, **options):
        """The tab of a context opened with ``options`` at ``base_url``, kept or new, at
        ``viewport``'s size."""
        key = repr(sorted({**options, "base_url": base_url}.items()))
        if self.idle.get(key):
            context, page, close = self.idle[key].pop()
            page.set_viewport_size(viewport)
            self.watch.contexts.append(context)
        else:
            # Watched (PageWatch) once, for good: the watch collects for whichever test runs.
            context = self.chromium.new_context(base_url=base_url, viewport=viewport, **options)
            page = context.new_page()
            close = context.close
            context.close = lambda **_options: self.give_back(context)
        page.set_default_timeout(timeout)
        self.taken[context] = (key, page, close)
        return page

    def give_back(self, context) -> None:
        from playwright.sync_api import Error

        if context not in self.taken:
            return
        key, page, close = self.taken.pop(context)
        self.watch.flush(context)
        try:
            for other in context.pages:
                if other != page:
                    other.close()
            page.goto("about:blank")
            context.clear_cookies()
        except Error:
            # A tab closed or crashed meanwhile: the context is not kept.
            close()
            return
        self.idle.setdefault(key, []).append((context, page, close))

    def give_back_all(self) -> None:
        for context in list(self.taken):
            self.give_back(context)

    def close(self) -> None:
        """Closes every context, then waits for the live server's threads that served them.

        A kept context keeps its connections to the live server open between tests, and the
        server's thread for each connection keeps its own database connection (persistent on
        PostgreSQL: ``CONN_MAX_AGE``) until the browser closes it; the test database can only
        be dropped once they are gone."""
        for _key, _page, close in self.taken.values():
            close()
        for contexts in self.idle.values():
            for _context, _page, close in contexts:
                close()
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline and any(
            "process_request_thread" in thread.name for thread in threading.enumerate()
        ):
            time.sleep(0.05)


@pytest.fixture(scope="session")
def kept_contexts(chromium, live_server, django_db_setup):
    # After the live server and the test database, so as to be closed before them.
    kept = KeptContexts(chromium)
    yield kept
    kept.close()


@pytest.fixture
def browser(chromium, kept_contexts, monkeypatch):
    """Chromium, whose every new context and page is watched (``PageWatch``): the test fails
    at its end if any page broke the Content-Security-Policy or wrote to the console.
    ``open_as`` and ``page`` take their contexts from ``kept_contexts``."""
    watch = kept_contexts.watch
    watch.begin()
    new_context, new_page = chromium.new_context, chromium.new_page

    def watched_context(**options):
        context = new_context(**{**MOTION, **options})
        watch.context(context)
        return context

    def watched_page(**options):
        page = new_page(**{**MOTION, **options})
        watch.context(page.context)
        return page

    monkeypatch.setattr(chromium, "new_context", watched_context)
    monkeypatch.setattr(chromium, "new_page", watched_page)
    monkeypatch.setattr(chromium, "kept_contexts", kept_contexts, raising=False)
    yield chromium
    try:
        watch.check()
    finally:
        kept_contexts.give_back_all()


@pytest.fixture
def page(browser, live_server, reference_data):
    page = browser.kept_contexts.page(live_server.url, {"width": 1280, "height": 800}, 10_000)
    yield page
    page.context.close()


def take_screenshot(target, name: str, *, always: bool = False) -> Path | None:
    """A full-page screenshot of ``target`` (a page or a locator) named ``name``, if SCREENSHOTS=1
    or ``always`` (e.g. of a page where a test found a problem)."""
    if not (SCREENSHOTS_WANTED or always):
        return None
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    path = SCREENSHOTS / f"{name}.png"
    target.screenshot(path=str(path), full_page=True)
    return path


@pytest.fixture
def screenshot(request):
    """``screenshot(name)`` of the test's ``page``, or ``screenshot(name, other_page)``."""

    def take(name: str, target=None) -> Path | None:
        return take_screenshot(target or request.getfixturevalue("page"), name)

    return take


def at_each_width(page, widths, name: str, *controls: str, check=lambda: None) -> None:
    """At each of ``widths`` in turn, the tab resized as a person resizes a window: ``check()``
    reads the page, each of ``controls`` (selectors) gets a trial click (visible, enabled, not
    covered by anything: what a click needs, without clicking), and a screenshot is taken as
    ``{name}-{width}``. The tab is left at the first width, where the walk goes on: a walk
    checks every width of a step from one page load."""
    for width in widths:
        page.set_viewport_size({"width": width, "height": 900})
        check()
        for control in controls:
            page.locator(control).click(trial=True)
        take_screenshot(page, f"{name}-{width}")
    page.set_viewport_size({"width": widths[0], "height": 900})


def sign_in(page, username: str, password: str) -> None:
    """Through the sign-in page, as a person does (test_home.py). Other tests, whose subject
    comes after signing in, start signed in: ``open_as`` and ``session_cookie``."""
    page.goto("/accounts/login/")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", password)
    page.click("form button[type=submit].btn-brand")
    page.wait_for_load_state("domcontentloaded")


def session_cookie(live_server, username: str) -> dict:
    """The session cookie a successful sign-in gives ``username``, for a browser context: the
    tests whose subject comes after signing in skip the sign-in page and the dashboard it leads
    to (two page loads, for each person and screen width)."""
    from django.contrib.auth import get_user_model
    from django.test import Client

    client = Client()
    client.force_login(get_user_model().objects.get(username=username))
    cookie = client.cookies[settings.SESSION_COOKIE_NAME]
    return {"name": cookie.key, "value": cookie.value, "url": live_server.url}


def open_as(browser, live_server, username: str, width=1280, height=900, timeout=10_000, **options):
    """A browser context of ``width`` x ``height`` (kept from an earlier test: ``KeptContexts``),
    signed in as ``username`` (see ``session_cookie``), and its tab, on no page of the
    application yet."""
    viewport = {"width": width, "height": height}
    page = browser.kept_contexts.page(live_server.url, viewport, timeout, **options)
    page.context.add_cookies([session_cookie(live_server, username)])
    return page


@pytest.fixture(scope="module")
def module_world() -> dict:
    """The rows a module's tests start from alike, kept between them: see
    ``reintegration.tests.worlds.built_once_committed``."""
    return {}


class JobWorker:
    """The background worker (django-tasks' ``db_worker``) in a thread of the test process,
    against the live server's database: the pages start jobs, this runs them, as a worker
    process would in production (the ``run_jobs`` fixture is for tests without a live server,
    whose data stay inside the test's transaction)."""

    def __init__(self) -> None:
        from django_tasks_db.management.commands.db_worker import Worker

        self.worker = Worker(
            queue_names=["default"],
            interval=0.05,
            batch=False,
            backend_name="default",
            startup_delay=False,
            max_tasks=None,
            worker_id="browser-tests",
            excluded_queue_names=[],
        )
        self.thread: threading.Thread | None = None

    def _run(self) -> None:
        from django.db import connections

        try:
            self.worker.run()
        finally:
            connections.close_all()  # this thread's own connections, before the flush

    def start(self) -> None:
        self.thread = threading.Thread(target=self._run, name="job-worker", daemon=True)
        self.thread.start()

    def stop(self) -> None:
        if self.thread is not None:
            # The loop ends after the task in hand, or at once if it is waiting for one.
            self.worker.running = False
            self.thread.join(timeout=60)
            assert not self.thread.is_alive(), "the job worker did not stop"


@pytest.fixture
def job_worker(live_server):
    """``job_worker.start()`` starts the worker when the test wants jobs to run (a test may
    first look at a job waiting for it); it is stopped at the end of the test."""
    worker = JobWorker()
    yield worker
    worker.stop()
