"""Confirming an action as a browser does: the page that asks first is opened, and what its
form carries (the fingerprint of the figures shown, a version) goes back with the
confirmation."""

import html
import re

HIDDEN = re.compile(r'<input type="hidden" name="(\w+)" value="([^"]*)">')


def carried(response) -> dict[str, str]:
    """The hidden fields of a confirmation page, without the CSRF token."""
    found = HIDDEN.findall(response.content.decode())
    return {name: html.unescape(value) for name, value in found if name != "csrfmiddlewaretoken"}


def fingerprint(response) -> str:
    """The fingerprint a confirmation page carries, empty when it offers no confirmation."""
    return carried(response).get("fingerprint", "")


def confirm(client, url, data=None, **kwargs):
    """Asks with ``data`` (as the button on the object's page does), then confirms what the
    page showed, sending what the user typed and what the page carries."""
    data = dict(data or {})
    page = client.post(url, data)
    return client.post(url, {**data, **carried(page), "confirmed": "1"}, **kwargs)
