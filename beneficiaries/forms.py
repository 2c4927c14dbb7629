import datetime
import re

import phonenumbers
from django import forms
from django.core.exceptions import ValidationError
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from beneficiaries import needs
from beneficiaries.models import (
    MESSAGE_LANGUAGES,
    Beneficiary,
    Consent,
    ConsentText,
    DetentionRecord,
    Document,
    Establishment,
    NeedsAssessment,
    ProgrammeTrack,
)
from beneficiaries.services import EDITABLE_FIELDS, sniff_upload
from reintegration.formatting import format_phone
from reintegration.forms import DateInput, ListSelect
from reintegration.models import Centre, Province, Role
from reintegration.numbers import numbers_formfield
from reintegration.territories import lazy_province_choices
from reintegration.text import fold

# DOMAIN.md §5.1: no official format is published; 1-2 letters and up to 6 digits in practice.
CIN_PATTERN = re.compile(r"^[A-Z]{1,2}[0-9]{1,6}$")
MIN_AGE, MAX_AGE = 15, 100
# Age of criminal responsibility in Morocco.
MIN_AGE_AT_ENTRY = 12


def normalise_cin(value: str | None) -> str | None:
    value = re.sub(r"[\s\-.]", "", value or "").upper()
    return value or None


def validate_cin(value: str | None) -> str | None:
    value = normalise_cin(value)
    if value and not CIN_PATTERN.match(value):
        raise ValidationError(
            _("A CIN is one or two letters followed by up to six digits, e.g. BE123456.")
        )
    return value


def normalise_phone(value: str) -> str:
    value = (value or "").strip()
    if not value:
        return ""
    try:
        number = phonenumbers.parse(value, "MA")
    except phonenumbers.NumberParseException:
        number = None
    if number is None or not phonenumbers.is_valid_number(number):
        raise ValidationError(
            _("Enter a Moroccan phone number such as 0612345678 or +212612345678.")
        )
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


# What a phone number typed in a search may hold besides its digits: "06 61 23 45 67",
# "06.61.23.45.67", "+212 (0)6 61 23 45 67".
_TYPED_PHONE = re.compile(r"\+?[0-9][0-9 .\-()/]{7,20}")


def typed_phone(text: str | None) -> str:
    """The phone number (E.164) that ``text`` is in any usual way of writing it, or "" when
    it is not one whole Moroccan number (a file number, a CIN, a part of a number)."""
    text = fold(text)
    if not _TYPED_PHONE.fullmatch(text):
        return ""
    try:
        return normalise_phone(text.replace("(0)", ""))
    except ValidationError:
        return ""


def not_in_future(value: datetime.date | None) -> None:
    if value and value > timezone.localdate():
        raise ValidationError(_("This date is in the future."))


class BeneficiaryForm(forms.ModelForm):
    # The version the form was opened at; a save is refused if the file changed since.
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)
    # Longer than what is stored: people type spaces and dashes that clean_* removes.
    cin = forms.CharField(
        label=_("CIN"),
        required=False,
        max_length=20,
        widget=forms.TextInput(attrs={"dir": "ltr", "autocomplete": "off"}),
    )
    phone = forms.CharField(
        label=_("phone"),
        required=False,
        max_length=30,
        widget=forms.TextInput(attrs={"dir": "ltr", "type": "tel"}),
    )

    class Meta:
        model = Beneficiary
        fields = EDITABLE_FIELDS
        formfield_callback = numbers_formfield
        widgets = {
            "date_of_birth": DateInput(),
            "first_name_ar": forms.TextInput(attrs={"dir": "rtl", "lang": "ar"}),
            "last_name_ar": forms.TextInput(attrs={"dir": "rtl", "lang": "ar"}),
            "first_name_latin": forms.TextInput(attrs={"dir": "ltr"}),
            "last_name_latin": forms.TextInput(attrs={"dir": "ltr"}),
            "notes": forms.Textarea(attrs={"rows": 3}),
        }

    def __init__(self, *args, user=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["track"].queryset = ProgrammeTrack.objects.filter(active=True)
        if user is not None:
            # For people choosing on the screen; an import row is only validated.
            # Read when the list is shown, not when a posted form is only saved.
            province = self.fields["residence_province"]
            province.choices = lazy_province_choices(user, province.empty_label)
        self.fields["cin"].help_text = _("Optional. Letters and digits, e.g. BE123456.")
        self.fields["phone"].help_text = _("Mobile or fixed, e.g. 0612345678.")
        if self.instance.pk:
            self.fields["version"].initial = self.instance.version
            # Shown as people read it; saved again in E.164 by clean_phone.
            self.initial["phone"] = format_phone(self.instance.phone, "fr")

    def clean_cin(self):
        cin = validate_cin(self.cleaned_data.get("cin"))
        # A new file's CIN: see _get_validation_exclusions.
        if cin and self.instance.pk:
            others = Beneficiary.objects.filter(cin=cin).exclude(pk=self.instance.pk)
            if others.exists():
                raise ValidationError(
                    _(
                        "This CIN is already registered in another file. If the person moved "
                        "to your centre, ask headquarters to transfer the file."
                    )
                )
        return cin

    def _get_validation_exclusions(self):
        exclude = super()._get_validation_exclusions()
        if self.instance.pk is None:
            # A new file's CIN is looked up with its other likely duplicates
            # (beneficiaries/duplicates.py), which can show the file holding it; the database
            # constraint still guards the write.
            exclude.add("cin")
        return exclude

    def clean_phone(self):
        return normalise_phone(self.cleaned_data.get("phone", ""))

    def clean_date_of_birth(self):
        born = self.cleaned_data.get("date_of_birth")
        if born:
            not_in_future(born)
            today = timezone.localdate()
            age = today.year - born.year - ((today.month, today.day) < (born.month, born.day))
            if not MIN_AGE <= age <= MAX_AGE:
                raise ValidationError(
                    _("An age of %(age)s years is not plausible: check the date of birth.")
                    % {"age": age}
                )
        return born


class DetentionRecordForm(forms.ModelForm):
    class Meta:
        model = DetentionRecord
        formfield_callback = numbers_formfield
        fields = [
            "establishment",
            "entry_date",
            "release_date",
            "sentence_months",
            "training_in_prison",
            "training_certificate",
        ]
        widgets = {"entry_date": DateInput(), "release_date": DateInput()}

    def __init__(self, *args, beneficiary=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.beneficiary = beneficiary
        self.fields["establishment"].queryset = Establishment.objects.filter(active=True)

    def clean_entry_date(self):
        entry = self.cleaned_data.get("entry_date")
        not_in_future(entry)
        born = self.beneficiary.date_of_birth if self.beneficiary else None
        if entry and born and entry < born.replace(year=born.year + MIN_AGE_AT_ENTRY):
            raise ValidationError(
                _("The person would have been under 12 at entry: check the dates.")
            )
        return entry

    def clean_release_date(self):
        release = self.cleaned_data.get("release_date")
        not_in_future(release)
        return release

    def clean(self):
        cleaned = super().clean()
        entry, release = cleaned.get("entry_date"), cleaned.get("release_date")
        if entry and release and release < entry:
            self.add_error("release_date", _("The release date must be after the entry date."))
        return cleaned


class ConsentForm(forms.ModelForm):
    class Meta:
        model = Consent
        fields = ["given_on", "language", "text", "scan"]
        widgets = {"given_on": DateInput()}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["text"].queryset = ConsentText.objects.all()
        latest = ConsentText.objects.first()
        if latest:
            self.fields["text"].initial = latest.pk
        self.fields["given_on"].initial = timezone.localdate()

    def clean_given_on(self):
        given = self.cleaned_data.get("given_on")
        not_in_future(given)
        return given

    def clean_scan(self):
        scan = self.cleaned_data.get("scan")
        if scan:
            sniff_upload(scan)
        return scan


class DocumentForm(forms.ModelForm):
    class Meta:
        model = Document
        fields = ["kind", "file"]
        widgets = {"file": forms.ClearableFileInput(attrs={"accept": ".pdf,.jpg,.jpeg,.png"})}

    def clean_file(self):
        upload = self.cleaned_data.get("file")
        if upload:
            sniff_upload(upload)
        return upload


class TextContactForm(forms.Form):
    """The person's language for text messages and their agreement to receive them."""

    message_language = forms.ChoiceField(
        label=_("Language of text messages"),
        choices=MESSAGE_LANGUAGES,
        widget=forms.RadioSelect,
    )
    sms_consent = forms.BooleanField(
        label=_(
            "The person agrees to receive text messages from the centre on this number "
            "(reminders and confirmations)"
        ),
        required=False,
        help_text=_("Untick to record that the person withdrew their agreement."),
    )


class ArchiveForm(forms.Form):
    reason = forms.CharField(
        label=_("Reason for archiving"),
        max_length=300,
        widget=forms.TextInput(),
        error_messages={"required": _("Say why the file is archived.")},
    )


class SearchForm(forms.Form):
    SORTS = {
        "-created": ("-created_at", "-pk"),
        "created": ("created_at", "pk"),
        "name": ("last_name_latin", "first_name_latin", "pk"),
        "-name": ("-last_name_latin", "-first_name_latin", "-pk"),
        "number": ("file_number",),
        "-number": ("-file_number",),
    }

    q = forms.CharField(label=_("Search"), required=False, max_length=100)
    status = forms.ChoiceField(
        label=_("Status"),
        required=False,
        choices=[("", _("all")), *Beneficiary.Status.choices],
        widget=ListSelect,
    )
    sex = forms.ChoiceField(
        label=_("Sex"),
        required=False,
        choices=[("", _("all")), *Beneficiary.Sex.choices],
        widget=ListSelect,
    )
    track = forms.ModelChoiceField(
        label=_("Programme track"),
        required=False,
        queryset=ProgrammeTrack.objects.all(),
        empty_label=_("all"),
        widget=ListSelect,
    )
    province = forms.ModelChoiceField(
        label=_("Province of residence"),
        required=False,
        queryset=Province.objects.all(),
        empty_label=_("all"),
        widget=ListSelect,
    )
    centre = forms.ModelChoiceField(
        label=_("Centre"),
        required=False,
        queryset=Centre.objects.none(),
        empty_label=_("all"),
        widget=ListSelect,
    )
    archived = forms.BooleanField(label=_("Include archived files"), required=False)
    sort = forms.ChoiceField(required=False, choices=[(key, key) for key in SORTS])

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        centres = Centre.objects.visible_to(user)
        self.fields["centre"].queryset = centres
        self.fields["province"].choices = lazy_province_choices(user, _("all"))
        self.several_centres = user.role != Role.COORDINATOR
        if not self.several_centres:
            del self.fields["centre"]
        for field in self.fields.values():
            if isinstance(field.widget, forms.Select):
                field.widget.attrs["class"] = "form-select"

    def filter(self, queryset):
        from beneficiaries.names import search_compounds, search_term_key
        from reintegration.text import search_terms

        data = self.cleaned_data if self.is_valid() else {}
        phone = typed_phone(data.get("q"))
        # A whole phone number, however it is spaced, finds the number stored (indexed).
        terms = [] if phone else search_compounds(search_terms(data.get("q")))
        if phone:
            queryset = queryset.filter(phone=phone)
        keys = [search_term_key(term) for term in terms]
        for term, key in zip(terms, keys, strict=True):
            if not key and any(keys):
                continue  # a lone "el" or "ال": names written without it must match too
            # The typed spelling, or any other of the same name (beneficiaries.names).
            matches = Q(search_text__contains=term)
            # A word with a digit is a number (CIN, file number): its letters alone ("j" of
            # "J812503", "tng" of a file number) would match thousands of unrelated files.
            if key and key != term and not any(char.isdigit() for char in term):
                matches |= Q(search_text__contains=key)
            queryset = queryset.filter(matches)
        for field in ("status", "sex"):
            if data.get(field):
                queryset = queryset.filter(**{field: data[field]})
        if data.get("track"):
            queryset = queryset.filter(track=data["track"])
        if data.get("province"):
            queryset = queryset.filter(residence_province=data["province"])
        if data.get("centre"):
            queryset = queryset.filter(centre=data["centre"])
        if not data.get("archived"):
            queryset = queryset.filter(archived_at__isnull=True)
        return queryset.order_by(*self.SORTS.get(data.get("sort") or "-created"))


class AssessmentForm(forms.Form):
    """A needs assessment: when it was made and one answer per question, the questions built
    from the questionnaire version it is answered in. Radio buttons start empty: nothing is
    answered for the person by default."""

    questionnaire = forms.IntegerField(widget=forms.HiddenInput)
    occasion = forms.ChoiceField(
        label=_("When was it made?"),
        choices=NeedsAssessment.Occasion.choices,
        widget=forms.RadioSelect,
    )
    assessed_on = forms.DateField(label=_("Date of the assessment"), widget=DateInput())
    visit = forms.IntegerField(required=False, widget=forms.HiddenInput)

    def __init__(self, *args, questionnaire, visit=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.questionnaire = questionnaire
        self.fields["questionnaire"].initial = questionnaire.pk
        if visit is not None:
            # Made at this visit: the occasion is fixed, and the date is the visit's.
            self.fields["occasion"].choices = [
                (NeedsAssessment.Occasion.VISIT, NeedsAssessment.Occasion.VISIT.label)
            ]
            self.fields["occasion"].initial = NeedsAssessment.Occasion.VISIT
            self.fields["assessed_on"].initial = visit.done_on
            self.fields["visit"].initial = visit.pk
        else:
            self.fields["occasion"].choices = [
                choice
                for choice in NeedsAssessment.Occasion.choices
                if choice[0] != NeedsAssessment.Occasion.VISIT
            ]
        self.domains = []
        for block in questionnaire.definition["domains"]:
            names = []
            for question in block["questions"]:
                name = f"q_{question['id']}"
                self.fields[name] = forms.ChoiceField(
                    label=needs.text(question["text"]),
                    choices=[(c["id"], needs.text(c["text"])) for c in question["choices"]],
                    widget=forms.RadioSelect,
                    error_messages={"required": _("Choose an answer.")},
                )
                names.append(name)
            self.domains.append((block["domain"], names))

    @property
    def grouped(self):
        """The question fields by domain, in the domains' order, for the template."""
        order = {domain: index for index, domain in enumerate(needs.DOMAINS)}
        return [
            (needs.Domain(domain).label, [self[name] for name in names])
            for domain, names in sorted(self.domains, key=lambda item: order[item[0]])
        ]

    def answers(self) -> dict[str, str]:
        return {
            name.removeprefix("q_"): value
            for name, value in self.cleaned_data.items()
            if name.startswith("q_") and value
        }
