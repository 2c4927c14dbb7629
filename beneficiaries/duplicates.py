"""Likely duplicates of a file about to be opened, by the screen or by an import.

One person, one file: a second file splits the person's history, and could fund them twice.
Four rules say that two files may be the same person:

- the same CIN (a CIN is one person; the database refuses a second file with it);
- the same phone;
- the same name and date of birth (names folded as search folds them: case, accents, hamza,
  spaces and hyphens ignored), in Latin or in Arabic script;
- a similar name (``beneficiaries.names.name_key``: Mohamed/Mohammed, El Idrissi/Idrissi,
  first and last name swapped) born the same year. Without the year, every "Mohamed Alaoui"
  of the country would be offered, and a warning that always shows teaches people to ignore
  it; a day and month swapped or mistyped still fall within the year.

The user sees the files of their own scope with a link and why each matched. Of the others
they learn only that a file matching on a given rule exists elsewhere, never whose.

Every rule is an indexed lookup (``Beneficiary.Meta.indexes``): one query for the candidates,
one for which of them the user may see, whatever the number of files or of rows checked.
"""

from __future__ import annotations

import datetime
from collections import defaultdict
from dataclasses import dataclass, field
from functools import reduce
from operator import or_
from typing import TYPE_CHECKING, Any, Generic, TypeVar

from django.db.models import Q
from django.utils.crypto import salted_hmac
from django.utils.translation import gettext_lazy

from beneficiaries.models import Beneficiary
from beneficiaries.names import name_key
from reintegration.text import fold

if TYPE_CHECKING:
    from reintegration.models import User

CIN = "cin"
PHONE = "phone"
NAME_AND_BIRTH = "name_birth"
SIMILAR_NAME = "similar_name"
SIMILAR_NAME_SAME_BIRTH = "similar_name_birth"
RULES = (CIN, PHONE, NAME_AND_BIRTH, SIMILAR_NAME_SAME_BIRTH, SIMILAR_NAME)

REASONS = {
    CIN: gettext_lazy("same CIN"),
    PHONE: gettext_lazy("same phone"),
    NAME_AND_BIRTH: gettext_lazy("same name and date of birth"),
    SIMILAR_NAME_SAME_BIRTH: gettext_lazy("similar name and same date of birth"),
    SIMILAR_NAME: gettext_lazy("similar name, born the same year"),
}
# What a user learns of a matching file outside their scope: that it exists, nothing more.
ELSEWHERE = {
    CIN: gettext_lazy("A file with this CIN exists in another centre: contact headquarters."),
    PHONE: gettext_lazy(
        "A file with this phone number exists in another centre: contact headquarters."
    ),
    NAME_AND_BIRTH: gettext_lazy(
        "A file with the same name and date of birth exists in another centre: contact "
        "headquarters."
    ),
    SIMILAR_NAME: gettext_lazy(
        "A file with a similar name and the same year of birth exists in another centre: "
        "contact headquarters."
    ),
}
# More candidates than this for one person is noise: the first ones make the point.
MAX_CANDIDATES = 20


def _folded(*parts: str) -> str:
    return "".join(fold(" ".join(parts)).replace("-", " ").split())


@dataclass
class Identity:
    """What the rules compare, from a stored file or from typed data."""

    first_name_latin: str = ""
    last_name_latin: str = ""
    first_name_ar: str = ""
    last_name_ar: str = ""
    date_of_birth: datetime.date | None = None
    cin: str | None = None
    phone: str = ""

    @classmethod
    def of(cls, source: dict[str, Any] | Beneficiary) -> Identity:
        get = source.get if isinstance(source, dict) else lambda name: getattr(source, name)
        born = get("date_of_birth")
        return cls(
            first_name_latin=get("first_name_latin") or "",
            last_name_latin=get("last_name_latin") or "",
            first_name_ar=get("first_name_ar") or "",
            last_name_ar=get("last_name_ar") or "",
            date_of_birth=born if isinstance(born, datetime.date) else None,
            cin=get("cin") or None,
            phone=get("phone") or "",
        )

    def __post_init__(self) -> None:
        latin = (self.first_name_latin, self.last_name_latin)
        arabic = (self.first_name_ar, self.last_name_ar)
        self.folded = {("latin", _folded(*latin)), ("ar", _folded(*arabic))}
        self.folded = {pair for pair in self.folded if pair[1]}
        # Both orders: a first and last name swapped is the same name.
        self.latin_keys = {name_key(*latin), name_key(*reversed(latin))} - {""}
        self.arabic_keys = {name_key(*arabic), name_key(*reversed(arabic))} - {""}
        self.keys = {("latin", k) for k in self.latin_keys} | {("ar", k) for k in self.arabic_keys}
        # Each name on its own, for same_person: one of them corrected on the same birth date.
        self.part_keys = {("latin", name_key(part)) for part in latin} | {
            ("ar", name_key(part)) for part in arabic
        }
        self.part_keys = {pair for pair in self.part_keys if pair[1]}


def reasons(new: Identity, old: Identity) -> list[str]:
    """Why ``old`` may be the same person as ``new``, in RULES order; empty if nothing."""
    found = []
    if new.cin and new.cin == old.cin:
        found.append(CIN)
    if new.phone and new.phone == old.phone:
        found.append(PHONE)
    if new.date_of_birth and old.date_of_birth:
        same_day = new.date_of_birth == old.date_of_birth
        if same_day and new.folded & old.folded:
            found.append(NAME_AND_BIRTH)
        elif new.date_of_birth.year == old.date_of_birth.year and new.keys & old.keys:
            found.append(SIMILAR_NAME_SAME_BIRTH if same_day else SIMILAR_NAME)
    return found


def same_person(row: Identity, stored: Identity) -> bool:
    """Whether data that reached a stored file by its CIN or file number still describe the
    person of that file, so that it may update it. A CIN or a file number mistyped in a sheet
    would otherwise write someone else over the file (names, date of birth, phone).

    They do if the full names are the same or similar (name keys, either order) in Latin or in
    Arabic script: the sheet may then correct the date of birth. Or, on the same date of birth,
    if the first or the last name is the same or similar in either script: the sheet may then
    correct the other name. Anything else is another person; a file's identity can still be
    changed by hand with its form.
    """
    if row.folded & stored.folded or row.keys & stored.keys:
        return True
    if row.date_of_birth and row.date_of_birth == stored.date_of_birth:
        return bool(row.part_keys & stored.part_keys)
    return False


# What a Matcher gives back with each identity found: a stored file, a sheet's row number...
Ref = TypeVar("Ref")


class Matcher(Generic[Ref]):
    """Identities indexed by every rule's key, so that looking one up costs a few dict reads,
    not a comparison with each of them (an import compares each row with the rows before)."""

    def __init__(self) -> None:
        self._index: dict[tuple[object, ...], list[tuple[int, Identity, Ref]]] = defaultdict(list)
        self._added = 0

    @staticmethod
    def _keys(identity: Identity) -> set[tuple[object, ...]]:
        keys: set[tuple[object, ...]] = set()
        if identity.cin:
            keys.add((CIN, identity.cin))
        if identity.phone:
            keys.add((PHONE, identity.phone))
        if identity.date_of_birth:
            year = identity.date_of_birth.year
            keys.update(("name", key, year) for key in identity.keys)
        return keys

    def add(self, identity: Identity, ref: Ref) -> None:
        self._added += 1
        for key in self._keys(identity):
            self._index[key].append((self._added, identity, ref))

    def match(self, identity: Identity) -> list[tuple[Ref, list[str]]]:
        """(ref, reasons) of every indexed identity that may be the same person, first added
        first."""
        found: dict[int, tuple[Ref, list[str]]] = {}
        for key in self._keys(identity):
            for order, other, ref in self._index.get(key, ()):
                if order not in found:
                    found[order] = (ref, reasons(identity, other))
        return [found[order] for order in sorted(found) if found[order][1]]


@dataclass
class Candidate:
    beneficiary: Beneficiary
    reasons: list[str]

    @property
    def reason_labels(self) -> list[str]:
        return [str(REASONS[code]) for code in self.reasons]


@dataclass
class Duplicates:
    """The likely duplicates of one person: those the user may open, and the rules that
    matched files outside their scope."""

    candidates: list[Candidate] = field(default_factory=list)
    elsewhere: list[str] = field(default_factory=list)
    # File numbers of every candidate, for the audit log only: never shown for those elsewhere.
    numbers: list[str] = field(default_factory=list)
    _pks: list[int] = field(default_factory=list)

    def __bool__(self) -> bool:
        return bool(self.numbers)

    @property
    def blocking(self) -> bool:
        """A CIN is one person: the file cannot be opened anyway, whoever holds it."""
        return CIN in self.elsewhere or any(CIN in c.reasons for c in self.candidates)

    @property
    def elsewhere_messages(self) -> list[str]:
        return [str(ELSEWHERE[code]) for code in self.elsewhere]

    @property
    def token(self) -> str:
        """Names the set of files the user was shown: declaring "different people" applies to
        those files only, and not to one that matches after the user changed what they typed.
        A keyed hash, so it tells nothing of the files themselves."""
        value = ",".join(str(pk) for pk in sorted(self._pks))
        return salted_hmac("beneficiaries.duplicates", value).hexdigest()[:24]


def _query(identities: list[Identity]) -> Q | None:
    cins = {i.cin for i in identities if i.cin}
    phones = {i.phone for i in identities if i.phone}
    by_year: dict[int, tuple[set, set]] = defaultdict(lambda: (set(), set()))
    for identity in identities:
        if identity.date_of_birth:
            latin, arabic = by_year[identity.date_of_birth.year]
            latin.update(identity.latin_keys)
            arabic.update(identity.arabic_keys)
    conditions = []
    if cins:
        conditions.append(Q(cin__in=cins))
    if phones:
        conditions.append(Q(phone__in=phones))
    for year, (latin, arabic) in by_year.items():
        # A year is a range of the (key, date of birth) indexes: __year becomes BETWEEN.
        names = []
        if latin:
            names.append(Q(name_key__in=latin))
        if arabic:
            names.append(Q(name_key_ar__in=arabic))
        if names:
            conditions.append(Q(date_of_birth__year=year) & reduce(or_, names))
    return reduce(or_, conditions) if conditions else None


def find(
    identities: list[Identity], *, user: User, exclude_pk: int | None = None
) -> list[Duplicates]:
    """The likely duplicates among stored files of each identity, in the same order."""
    results = [Duplicates() for _identity in identities]
    condition = _query(identities)
    if condition is None:
        return results
    query = Beneficiary.objects.filter(condition, anonymised_at__isnull=True)
    if exclude_pk is not None:
        query = query.exclude(pk=exclude_pk)
    stored = list(query.select_related("centre").order_by("pk"))
    if not stored:
        return results
    visible = set(
        Beneficiary.objects.visible_to(user)
        .filter(pk__in=[b.pk for b in stored])
        .values_list("pk", flat=True)
    )
    matcher: Matcher[Beneficiary] = Matcher()
    for beneficiary in stored:
        matcher.add(Identity.of(beneficiary), beneficiary)
    for identity, result in zip(identities, results, strict=True):
        elsewhere: set[str] = set()
        for beneficiary, why in matcher.match(identity)[:MAX_CANDIDATES]:
            result.numbers.append(beneficiary.file_number)
            result._pks.append(beneficiary.pk)
            if beneficiary.pk in visible:
                result.candidates.append(Candidate(beneficiary, why))
            else:
                elsewhere.update(
                    SIMILAR_NAME if code == SIMILAR_NAME_SAME_BIRTH else code for code in why
                )
        result.elsewhere = [code for code in RULES if code in elsewhere]
    return results


def find_one(data: dict[str, Any], *, user: User, exclude_pk: int | None = None) -> Duplicates:
    return find([Identity.of(data)], user=user, exclude_pk=exclude_pk)[0]
