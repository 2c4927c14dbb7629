"""Dirhams stored as whole centimes, so that the database adds and compares them exactly.

SQLite gives a ``DecimalField`` column NUMERIC affinity: ``22310.15`` is stored as a binary
floating-point number, and every ``SUM``, conditional ``UPDATE … SET committed = committed +
22310.15`` and ``CHECK (disbursed <= committed)`` the database evaluates is floating point.
After a few dozen such additions a convention's committed amount is off by a fraction of a
centime, and a ceremony that disburses exactly what was committed is refused. PostgreSQL's
``numeric`` is exact, but the application must behave the same on both.

A ``MoneyField`` is a ``bigint`` column holding centimes (8.500,50 DH is 850050). Integer
arithmetic is exact on both databases, up to ±92 thousand billion dirhams. Python code never
sees centimes: values are read as ``Decimal`` with two places and written from ``Decimal``,
``int`` or ``str``. A value with a fraction of a centime, or a float, is refused rather than
rounded, so an amount is never silently changed.

In queries, an amount combined with a column must be wrapped with :func:`money` so that it
reaches the database in centimes like the column (``F("envelope") - money(amount)``); a bare
``Decimal`` there would be sent as dirhams. Expressions that subtract or add two money columns
resolve to a plain integer: give them ``output_field=MoneyField()`` to read dirhams back.
"""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal, InvalidOperation
from typing import TYPE_CHECKING, Any

from django.core import exceptions
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.migrations.operations.base import Operation
from django.db.migrations.operations.fields import AlterField
from django.utils.translation import gettext_lazy as _

if TYPE_CHECKING:
    from django import forms
    from django.db.backends.base.base import BaseDatabaseWrapper
    from django.db.backends.base.schema import BaseDatabaseSchemaEditor
    from django.db.migrations.state import ProjectState
    from django.db.models.expressions import Combinable

CENT = Decimal("0.01")
# The largest amount anything in the application holds: a trillion dirhams less a centime (the
# 14 digits envelopes had as decimals). Forms refuse more with a message; a bigint of centimes
# would hold about 920 times more, so sums of such amounts still fit.
MAX_AMOUNT = Decimal("999999999999.99")
_BIGINT = 2**63 - 1


def to_centimes(amount: Decimal | int | str) -> int:
    """``Decimal("8500.50")`` -> 850050; refuses floats and fractions of a centime."""
    if isinstance(amount, (float, bool)):
        raise TypeError(f"amounts are never {type(amount).__name__}: pass a Decimal, int or str")
    try:
        value = Decimal(amount)
    except InvalidOperation as exc:
        raise ValueError(f"not an amount: {amount!r}") from exc
    if not value.is_finite():
        raise ValueError(f"not an amount: {amount!r}")
    centimes = value.scaleb(2)
    if centimes != centimes.to_integral_value():
        raise ValueError(f"{amount!r} has a fraction of a centime")
    if abs(centimes) > _BIGINT:
        raise ValueError(f"{amount!r} is beyond what a money column holds")
    return int(centimes)


def from_centimes(centimes: int | Decimal) -> Decimal:
    """850050 -> ``Decimal("8500.50")``. PostgreSQL's SUM of a bigint is a numeric; SQLite's AVG
    is a float, which is never an amount (use SUM and divide in Python)."""
    if isinstance(centimes, float):
        raise TypeError("the database returned a float where centimes were expected")
    return Decimal(centimes).scaleb(-2).quantize(CENT)


class MoneyField(models.BigIntegerField):
    description = _("Amount in dirhams (stored in centimes)")
    # What models take and give in dirhams, for the type checker's Django plugin (constructor
    # arguments, lookups), where the base class's are centimes (an int). Attribute reads stay
    # untyped: typing them needs generic fields at run time (django_stubs_ext.monkeypatch).
    _pyi_private_set_type: Decimal | int | str | Combinable  # type: ignore[assignment]
    _pyi_private_get_type: Decimal  # type: ignore[assignment]

    def from_db_value(
        self, value: int | Decimal | None, expression: Any, connection: BaseDatabaseWrapper
    ) -> Decimal | None:
        return None if value is None else from_centimes(value)

    def to_python(self, value: Any) -> Decimal | None:
        if value is None or isinstance(value, Decimal):
            return value
        try:
            return from_centimes(to_centimes(value))
        except (TypeError, ValueError) as exc:
            raise exceptions.ValidationError(
                _("“%(value)s” is not an amount in dirhams and centimes."),
                code="invalid",
                params={"value": value},
            ) from exc

    def get_prep_value(self, value: Any) -> int | None:
        value = models.Field.get_prep_value(self, value)
        return None if value is None else to_centimes(value)

    @property
    def validators(self) -> list[Any]:
        # Not BigIntegerField's range, which is in centimes: the application's own bound.
        # (Field.__init__ sets _validators; the stubs do not declare it.)
        own = self._validators  # type: ignore[attr-defined]
        return [*own, MaxValueValidator(MAX_AMOUNT), MinValueValidator(-MAX_AMOUNT)]

    # Every argument, form_class included, travels in kwargs so that a caller's wins over
    # ours: the stubs' signature names two of them.
    def formfield(self, **kwargs: Any) -> forms.Field | None:  # type: ignore[override]
        try:
            from reintegration.numbers import AmountField
        except ImportError:  # pragma: no cover - the form field arrives with its own module
            from django.forms import DecimalField as AmountField  # type: ignore[assignment]

            kwargs.setdefault("decimal_places", 2)
        return models.Field.formfield(
            self, **{"form_class": AmountField, "max_value": MAX_AMOUNT, **kwargs}
        )

    def value_to_string(self, obj: models.Model) -> str:
        value = self.value_from_object(obj)
        return "" if value is None else str(value)


def money(amount: Decimal | int | str) -> models.Value:
    """An amount as a query value, in centimes like the MoneyField columns it meets."""
    return models.Value(Decimal(amount), output_field=MoneyField())


class ConvertToCentimes(Operation):
    """Turns decimal columns of one model into MoneyField (bigint centimes) without losing a
    centime: PostgreSQL rewrites all of them in one ``ALTER TABLE`` (so CHECK constraints that
    compare two of them, such as committed <= envelope, never see one converted and the other
    not); SQLite multiplies them in one ``UPDATE`` and then rebuilds the table with integer
    columns."""

    reduces_to_sql = False
    reversible = True

    def __init__(self, model_name: str, fields: list[tuple[str, models.Field]]) -> None:
        self.model_name = model_name
        self.fields = fields
        super().__init__()

    def deconstruct(self) -> tuple[str, Sequence[Any], dict[str, Any]]:
        return (
            self.__class__.__qualname__,
            [],
            {"model_name": self.model_name, "fields": self.fields},
        )

    def _alter_operations(self) -> list[AlterField]:
        return [AlterField(self.model_name, name, field) for name, field in self.fields]

    def state_forwards(self, app_label: str, state: ProjectState) -> None:
        for operation in self._alter_operations():
            operation.state_forwards(app_label, state)

    def database_forwards(
        self,
        app_label: str,
        schema_editor: BaseDatabaseSchemaEditor,
        from_state: ProjectState,
        to_state: ProjectState,
    ) -> None:
        self._convert(app_label, schema_editor, from_state, to_state, forwards=True)

    def database_backwards(
        self,
        app_label: str,
        schema_editor: BaseDatabaseSchemaEditor,
        from_state: ProjectState,
        to_state: ProjectState,
    ) -> None:
        self._convert(app_label, schema_editor, from_state, to_state, forwards=False)

    def _convert(
        self,
        app_label: str,
        schema_editor: BaseDatabaseSchemaEditor,
        from_state: ProjectState,
        to_state: ProjectState,
        *,
        forwards: bool,
    ) -> None:
        before = from_state.apps.get_model(app_label, self.model_name)
        after = to_state.apps.get_model(app_label, self.model_name)
        quote = schema_editor.quote_name
        table = quote(before._meta.db_table)
        pairs = [
            (before._meta.get_field(name), after._meta.get_field(name)) for name, _f in self.fields
        ]
        if schema_editor.connection.vendor == "postgresql":
            clauses = []
            for _old, new in pairs:
                column = quote(new.column)
                if forwards:
                    clauses.append(
                        f"ALTER COLUMN {column} TYPE bigint USING round({column} * 100)::bigint"
                    )
                else:
                    kind = new.db_type(schema_editor.connection)
                    clauses.append(f"ALTER COLUMN {column} TYPE {kind} USING {column} / 100.0")
            schema_editor.execute(f"ALTER TABLE {table} {', '.join(clauses)}")
            return
        if forwards:
            updates = ", ".join(
                f"{quote(old.column)} = CAST(ROUND({quote(old.column)} * 100) AS INTEGER)"
                for old, _new in pairs
            )
            schema_editor.execute(f"UPDATE {table} SET {updates}")  # noqa: S608
        # One rebuild for all the columns: altering them one by one from the same model would
        # rebuild the table from the old definition each time.
        # SQLite's schema editor: the stubs leave out its private rebuild.
        schema_editor._remake_table(before, alter_fields=pairs)  # type: ignore[attr-defined]
        if not forwards:
            updates = ", ".join(
                f"{quote(new.column)} = {quote(new.column)} / 100.0" for _old, new in pairs
            )
            schema_editor.execute(f"UPDATE {table} SET {updates}")  # noqa: S608

    def describe(self) -> str:
        return f"Store the amounts of {self.model_name} in centimes"

    @property
    def migration_name_fragment(self) -> str:
        return f"{self.model_name.lower()}_centimes"
