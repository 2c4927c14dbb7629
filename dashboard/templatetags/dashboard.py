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
