"""One refusal type: services say no with ``Refused`` (reintegration.refusals), views pass it
on with ``refusal_shown_on`` and nothing else. The rules are read from the product code with
the standard library's parser, like the floors in test_layering."""

from __future__ import annotations

import ast
import builtins

import pytest
from django import forms
from django.conf import settings

from reintegration.refusals import Refused, refusal_shown_on
from reintegration.tests.test_layering import APPS, product_modules


def modules(*apps: str):
    for app in apps or APPS:
        for path in product_modules(app):
            yield path.relative_to(settings.BASE_DIR).as_posix(), ast.parse(path.read_text())


def base_names(node: ast.ClassDef) -> set[str]:
    return {b.attr if isinstance(b, ast.Attribute) else getattr(b, "id", "") for b in node.bases}


# An exception that is no refusal and never leaves its module: a number that cannot be read
# becomes the form field's ValidationError right away.
NOT_REFUSALS = {("reintegration/numbers.py", "_Refused")}
THE_REFUSED = ("reintegration/refusals.py", "Refused")


def look_alikes(trees) -> set[str]:
    """Classes deriving from an exception, directly or through another class of ``trees``,
    that are not the foundation's ``Refused`` or a subclass of it."""
    exceptions = {n for n in dir(builtins) if isinstance(getattr(builtins, n), type)}
    exceptions = {n for n in exceptions if issubclass(getattr(builtins, n), BaseException)}
    exceptions.add("ValidationError")
    classes = {
        (module, node.name): base_names(node)
        for module, tree in trees
        for node in ast.walk(tree)
        if isinstance(node, ast.ClassDef)
    }

    def descendants(roots: set[str]) -> set[str]:
        found = set(roots)
        while more := {n for (_m, n), bases in classes.items() if bases & found} - found:
            found |= more
        return found

    refusals = descendants({"Refused"})
    return {
        f"{module}: {name}({', '.join(sorted(bases))})"
        for (module, name), bases in classes.items()
        if name in descendants(exceptions)
        and (name not in refusals or (name == "Refused" and (module, name) != THE_REFUSED))
        and (module, name) not in NOT_REFUSALS
    }


def test_no_module_defines_its_own_refusal_exception():
    assert look_alikes(modules()) == set()


def test_the_rule_finds_a_look_alike_however_it_is_derived():
    source = (
        "class Refused(Exception): ...\n"
        "class AllocationError(Exception): ...\n"
        "class LedgerError(AllocationError): ...\n"
        "class Late(ValueError): ...\n"
        "class TransitionError(Refused): ...\n"
        "class ConcurrentEdit(TransitionError): ...\n"
        "class Plain: ...\n"
    )
    assert look_alikes([("x.py", ast.parse(source))]) == {
        "x.py: AllocationError(Exception)",
        "x.py: LedgerError(AllocationError)",
        "x.py: Late(ValueError)",
        "x.py: Refused(Exception)",
    }


# A form field's error about the field's own value: shown beside the field.
FIELD_VALIDATORS = {("beneficiaries/services.py", "sniff_upload")}


def test_services_refuse_with_refused_not_validation_error():
    service_modules = [
        (name, tree)
        for name, tree in modules()
        if name.endswith("/services.py") or name == "ceremonies/certificates.py"
    ]
    raising = set()
    for name, tree in service_modules:
        for function in ast.walk(tree):
            if not isinstance(function, ast.FunctionDef | ast.AsyncFunctionDef):
                continue
            for node in ast.walk(function):
                raised = node.exc if isinstance(node, ast.Raise) else None
                target = raised.func if isinstance(raised, ast.Call) else raised
                label = getattr(target, "id", getattr(target, "attr", None))
                if label == "ValidationError" and (name, function.name) not in FIELD_VALIDATORS:
                    raising.add(f"{name}: {function.name}")
    assert len(service_modules) >= 5
    assert raising == set()


def view_modules():
    return [(name, tree) for name, tree in modules() if "/views" in name]


REFUSAL_NAMES = {"Refused", "TransitionError", "ConcurrentEdit"}


def test_views_leave_refusals_to_the_one_helper():
    caught = set()
    for name, tree in view_modules():
        for node in ast.walk(tree):
            if isinstance(node, ast.ExceptHandler) and node.type is not None:
                types = node.type.elts if isinstance(node.type, ast.Tuple) else [node.type]
                for kind in types:
                    label = getattr(kind, "id", getattr(kind, "attr", ""))
                    if label in REFUSAL_NAMES:
                        caught.add(f"{name}:{node.lineno} catches {label}")
    assert caught == set()


class NameForm(forms.Form):
    name = forms.CharField()
    version = forms.IntegerField(required=False)


def test_a_refusal_becomes_the_forms_error_and_ends_the_block():
    form = NameForm({"name": "Samira"})
    assert form.is_valid()
    reached = []
    with refusal_shown_on(form):
        raise Refused("Not today.")
        reached.append(True)  # pragma: no cover - the refusal skips it
    assert reached == []
    assert form.non_field_errors() == ["Not today."]
    assert form["name"].value() == "Samira"


def test_anything_else_than_a_refusal_goes_through():
    form = NameForm({"name": "Samira"})
    form.is_valid()
    with pytest.raises(ZeroDivisionError), refusal_shown_on(form):
        1 / 0  # noqa: B018
    assert form.non_field_errors() == []


def test_a_refusal_on_a_request_is_the_next_pages_error_message(rf):
    from django.contrib.messages import get_messages
    from django.contrib.messages.storage.fallback import FallbackStorage

    request = rf.post("/")
    request.session = {}
    request._messages = FallbackStorage(request)
    with refusal_shown_on(request):
        raise Refused("Not today.")
    assert [(m.level_tag, str(m)) for m in get_messages(request)] == [("error", "Not today.")]
