#!/usr/bin/env python
"""Refreshes the Arabic and French catalogues from the source and fails if any string is
untranslated, fuzzy, or drops a placeholder. Run it after changing user-facing text, then
translate what it lists."""

import re
import subprocess
import sys
from pathlib import Path

import polib

ROOT = Path(__file__).resolve().parent.parent
LANGUAGES = ("ar", "fr")
PLACEHOLDER = re.compile(r"%\(\w+\)[sd]|\{\{\s*\w+\s*\}\}|\{\w+\}")


def refresh() -> None:
    subprocess.run(
        [
            sys.executable,
            "manage.py",
            "makemessages",
            *[f"--locale={language}" for language in LANGUAGES],
            "--ignore=.venv/*",
            "--ignore=node_modules/*",
            "--ignore=staticfiles/*",
            "--no-obsolete",
            "--verbosity=0",
        ],
        cwd=ROOT,
        check=True,
    )


def problems(language: str) -> list[str]:
    found = []
    catalogue = polib.pofile(str(ROOT / "locale" / language / "LC_MESSAGES" / "django.po"))
    for entry in catalogue.untranslated_entries():
        found.append(f"{language}: untranslated: {entry.msgid!r}")
    for entry in catalogue.fuzzy_entries():
        found.append(f"{language}: fuzzy: {entry.msgid!r}")
    for entry in catalogue.translated_entries():
        translations = [entry.msgstr] if entry.msgstr else list(entry.msgstr_plural.values())
        expected = set(PLACEHOLDER.findall(entry.msgid))
        for text in translations:
            if set(PLACEHOLDER.findall(text)) != expected:
                found.append(f"{language}: placeholders differ: {entry.msgid!r} -> {text!r}")
    return found


def main() -> int:
    if "--no-refresh" not in sys.argv:
        refresh()
    found = [problem for language in LANGUAGES for problem in problems(language)]
    for problem in found:
        print(problem)
    if found:
        print(f"{len(found)} translation problem(s).")
        return 1
    print("Arabic and French catalogues are complete.")
    return 0


if __name__ == "__main__":
    sys.exit(main())
