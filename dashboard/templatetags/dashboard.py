"""Formatting of dashboard table cells by the kind of their column."""

from __future__ import annotations

from django import template

from dashboard.selectors import Cell
from reintegration.formatting import format_mad, format_number, ltr, resolve_language

register = template.Library()

NBSP = "\u00a0"


def format_cell(value, kind: str) -> str:
    if isinstance(value, Cell):
        value, kind = value.value, value.kind
    if value is None:
        return "—"
    if kind == "mad":
        return format_mad(value)
    if kind == "percent":
        text = f"{format_number(value * 100, 1)}{NBSP}%"
        # Without an isolate the sign would jump to the left of the number in Arabic.
        return ltr(text) if resolve_language() == "ar" else text
    if kind in ("count", "days"):
        return format_number(value, 0)
    return str(value)


@register.filter
def cell(value, kind: str) -> str:
    return format_cell(value, kind)


@register.filter
def column_label(columns, index: int) -> str:
    """The heading of a cell's column, repeated beside the cell when rows stack on a phone."""
    return columns[index].label


class KeptPageNode(template.Node):
    def __init__(self, nodelist: template.NodeList, page: template.base.FilterExpression):
        self.nodelist, self.page = nodelist, page

    def render(self, context) -> str:
        page = self.page.resolve(context)
        if page.html is not None:
            return page.html
        html = self.nodelist.render(context)
        page.store(html)
        return html


@register.tag
def kept_page(parser, token):
    """``{% kept_page page %}…{% endkept_page %}``: the rendered figures kept in the cache
    (``selectors.Page``), or the content rendered and kept."""
    bits = token.split_contents()
    if len(bits) != 2:
        raise template.TemplateSyntaxError("kept_page takes the page to keep.")
    nodelist = parser.parse(("endkept_page",))
    parser.delete_first_token()
    return KeptPageNode(nodelist, parser.compile_filter(bits[1]))
