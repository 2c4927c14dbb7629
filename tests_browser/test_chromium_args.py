"""The browser tests' --disable-features list repeats Playwright's own (Chromium keeps only
the last one given, conftest.py): checked against the list the installed Playwright passes."""

import re
from importlib import metadata
from pathlib import Path

import playwright

from tests_browser.conftest import (
    CHROMIUM_ARGS,
    PLAYWRIGHT_DISABLED_FEATURES,
    PLAYWRIGHT_VERSION,
)

BUNDLE = Path(playwright.__file__).parent / "driver" / "package" / "lib" / "coreBundle.js"


def test_the_features_playwright_disables_stay_disabled():
    source = BUNDLE.read_text(encoding="utf-8")
    block = re.search(r"disabledFeatures = \[(.*?)\]\.filter", source, re.DOTALL)
    assert block, f"no disabledFeatures list in {BUNDLE}"
    code = re.sub(r"//[^\n]*", "", block.group(1))
    playwright_list = re.findall(r'"([A-Za-z0-9]+)"', code)
    assert playwright_list, "the list was not read"
    if metadata.version("playwright") != PLAYWRIGHT_VERSION:
        # Another version: the tests leave Playwright's list alone.
        assert not [a for a in CHROMIUM_ARGS if a.startswith("--disable-features")]
        return
    assert playwright_list == PLAYWRIGHT_DISABLED_FEATURES
    (switch,) = [a for a in CHROMIUM_ARGS if a.startswith("--disable-features=")]
    assert switch.split("=", 1)[1].split(",") == [*playwright_list, "RenderDocument"]
