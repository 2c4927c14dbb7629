"""Uploaded documents and consent scans: a PDF, JPEG or PNG is accepted by its first bytes, and
refused when its first kilobyte holds web page or script code, even behind a valid signature
(a page dressed up as a scan runs as a page wherever something takes it for one)."""

import io

import pikepdf
import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import translation
from hypothesis import given
from hypothesis import strategies as st
from PIL import Image

from beneficiaries import services
from beneficiaries.models import Consent, ConsentText, Document
from reintegration.models import AuditEntry, User

pytestmark = pytest.mark.django_db

REFUSED = (
    "This file contains web page or script code and is refused: a scanned PDF or a photo never "
    "contains any."
)
SIGNATURES = list(services.SIGNATURES)


@pytest.fixture(autouse=True)
def english():
    """Messages read here in English (requests use the user's language, English too)."""
    with translation.override("en"):
        yield


# Bytes that cannot spell a marker: every one holds "<" or ":".
plain_bytes = st.binary(max_size=3000).map(lambda data: data.replace(b"<", b"").replace(b":", b""))


@st.composite
def any_case(draw, marker: bytes) -> bytes:
    """``marker`` with each letter in upper or lower case."""
    flips = draw(st.lists(st.booleans(), min_size=len(marker), max_size=len(marker)))
    letters = zip(marker.decode(), flips, strict=True)
    return "".join(c.upper() if flip else c for c, flip in letters).encode()


@st.composite
def planted(draw, limit: int = services.SNIFFED_BYTES) -> tuple[bytes, bytes, bytes]:
    """(signature, marker, file): a signature, plain bytes, a marker in any case ending within
    the first ``limit`` bytes, plain bytes."""
    signature = draw(st.sampled_from(SIGNATURES))
    marker = draw(st.sampled_from(services.ACTIVE_CONTENT))
    room = limit - len(signature) - len(marker)
    before = draw(plain_bytes)[: draw(st.integers(0, room))]
    after = draw(plain_bytes)
    return signature, marker, signature + before + draw(any_case(marker)) + after


@given(plain_bytes)
def test_bytes_without_a_marker_hold_no_active_content(data):
    assert services.active_content(data) is None


@given(planted())
def test_a_marker_in_any_case_anywhere_in_the_first_kilobyte_is_found(case):
    _signature, marker, data = case
    assert services.active_content(data) == marker


@given(st.sampled_from(SIGNATURES), plain_bytes, st.sampled_from(services.ACTIVE_CONTENT))
def test_a_marker_after_the_first_kilobyte_is_not_looked_for(signature, data, marker):
    padding = b"\x00" * services.SNIFFED_BYTES
    assert services.active_content(signature + data + padding + marker) is None
    # Straddling the limit: only part of it is read.
    head = (signature + data + padding)[: services.SNIFFED_BYTES - 2]
    assert services.active_content(head + marker) is None


@given(st.sampled_from(SIGNATURES), plain_bytes)
def test_a_signed_file_without_a_marker_is_accepted(signature, data):
    upload = SimpleUploadedFile("file", signature + data)
    assert services.sniff_upload(upload) == services.SIGNATURES[signature]
    assert upload.tell() == 0  # left at the start, for storing


@given(planted())
def test_a_signed_file_with_a_marker_is_refused(case):
    _signature, _marker, data = case
    with pytest.raises(ValidationError) as error:
        services.sniff_upload(SimpleUploadedFile("file", data))
    assert error.value.messages == [REFUSED]


def test_a_page_without_a_signature_is_refused_as_a_wrong_type():
    upload = SimpleUploadedFile("scan.pdf", b"<!DOCTYPE html><html><script>alert(1)</script>")
    with pytest.raises(ValidationError) as error:
        services.sniff_upload(upload)
    assert error.value.messages == ["Only PDF, JPEG and PNG files are accepted."]


# Files as scanners, phones and office software make them.


def photo() -> Image.Image:
    image = Image.new("RGB", (64, 48), "white")
    image.paste((11, 93, 75), (8, 8, 40, 30))
    return image


def pillow_file(format: str, **options) -> bytes:
    buffer = io.BytesIO()
    photo().save(buffer, format=format, **options)
    return buffer.getvalue()


# What a phone camera or a scanner writes at the start of a photo: XML metadata, with
# namespaces whose URIs hold colons.
XMP = (
    b'<?xpacket begin="\xef\xbb\xbf" id="W5M0MpCehiHzreSzNTczkc9d"?>'
    b'<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF '
    b'xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#"><rdf:Description '
    b'xmlns:xmp="http://ns.adobe.com/xap/1.0/" xmp:CreatorTool="Scanner 2.1"/>'
    b'</rdf:RDF></x:xmpmeta><?xpacket end="w"?>'
)


def scanned_pdf() -> bytes:
    """A PDF as a scanning application saves it: one page holding an image."""
    return pillow_file("PDF", resolution=150)


def office_pdf() -> bytes:
    """A PDF with document information and XMP metadata, as office software saves it."""
    pdf = pikepdf.new()
    pdf.add_blank_page(page_size=(595, 842))
    pdf.docinfo["/Title"] = "Attestation de libération"
    pdf.docinfo["/Producer"] = "LibreOffice 24.2"
    with pdf.open_metadata() as meta:
        meta["dc:title"] = "Attestation"
    buffer = io.BytesIO()
    pdf.save(buffer)
    return buffer.getvalue()


REAL_FILES = {
    "scan.pdf": (scanned_pdf, "application/pdf"),
    "attestation.pdf": (office_pdf, "application/pdf"),
    "photo.jpg": (lambda: pillow_file("JPEG", quality=85, xmp=XMP), "image/jpeg"),
    "photo-exif.jpg": (
        lambda: pillow_file("JPEG", exif=b"Exif\x00\x00" + b"\x00" * 8),
        "image/jpeg",
    ),
    "scan.png": (lambda: pillow_file("PNG", optimize=True), "image/png"),
}

HOSTILE = {
    "html behind a PDF signature": b"%PDF-1.7\n<html><body>Attestation</body></html>",
    "script behind a PDF signature": b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n<ScRiPt>fetch('/x')</sCrIpT>",
    "a doctype behind a JPEG signature": b"\xff\xd8\xff\xe0\x00\x10JFIF\x00<!DocType html>",
    "svg behind a PNG signature": b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR<svg onload=alert(1)>",
    "a javascript: link in a PDF": b"%PDF-1.5\n1 0 obj<</URI(JavaScript:alert(1))>>endobj",
}


@pytest.fixture
def coordinator(client, users):
    User.objects.filter(pk=users["coordinator"].pk).update(language="en")
    client.force_login(users["coordinator"])
    return users["coordinator"]


@pytest.mark.parametrize("name", sorted(REAL_FILES))
def test_real_documents_are_accepted(client, coordinator, person, name):
    make, content_type = REAL_FILES[name]
    content = make()
    response = client.post(
        f"/beneficiaries/{person.pk}/documents/",
        {"kind": "other", "file": SimpleUploadedFile(name, content)},
    )
    assert response.status_code == 302
    document = Document.objects.get()
    assert document.content_type == content_type
    with document.file.open("rb") as stored:
        assert stored.read() == content


@pytest.mark.parametrize("name", sorted(HOSTILE))
def test_a_document_holding_web_page_code_is_refused_and_nothing_is_stored(
    client, coordinator, person, settings, name
):
    response = client.post(
        f"/beneficiaries/{person.pk}/documents/",
        {"kind": "other", "file": SimpleUploadedFile("scan.pdf", HOSTILE[name])},
    )
    assert response.status_code == 200
    assert response.context["form"].errors == {"file": [REFUSED]}
    assert REFUSED in response.content.decode()
    assert not Document.objects.exists()
    assert not AuditEntry.objects.filter(action="document.attached").exists()
    assert not any(p.is_file() for p in settings.MEDIA_ROOT.rglob("*"))


def consent_data(scan):
    return {
        "given_on": "2026-01-15",
        "language": "ar",
        "text": ConsentText.objects.get().pk,
        "scan": scan,
    }


def test_a_real_consent_scan_is_accepted_and_served_as_what_it_is(client, coordinator, person):
    content = pillow_file("JPEG", quality=85, xmp=XMP)
    response = client.post(
        f"/beneficiaries/{person.pk}/consent/",
        consent_data(SimpleUploadedFile("signed.jpg", content)),
    )
    assert response.status_code == 302
    consent = Consent.objects.get()
    response = client.get(f"/beneficiaries/{person.pk}/consent/{consent.pk}/scan/")
    assert response["Content-Type"] == "image/jpeg"
    assert b"".join(response.streaming_content) == content
    response.close()


@pytest.mark.parametrize("name", sorted(HOSTILE))
def test_a_consent_scan_holding_web_page_code_is_refused(client, coordinator, person, name):
    response = client.post(
        f"/beneficiaries/{person.pk}/consent/",
        consent_data(SimpleUploadedFile("signed.pdf", HOSTILE[name])),
    )
    assert response.status_code == 200
    assert response.context["form"].errors == {"scan": [REFUSED]}
    assert not Consent.objects.exists()


def test_a_scan_stored_before_the_check_is_still_served_as_its_type(client, coordinator, person):
    """Serving reads the type only: a scan accepted by earlier rules stays readable, inside the
    sandbox every served file gets."""
    content = HOSTILE["html behind a PDF signature"]
    consent = services.consent_record(
        beneficiary=person,
        by=coordinator,
        data={
            **consent_data(SimpleUploadedFile("old.pdf", content)),
            "text": ConsentText.objects.get(),
        },
    )
    response = client.get(f"/beneficiaries/{person.pk}/consent/{consent.pk}/scan/")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Security-Policy"] == "sandbox"
    assert b"".join(response.streaming_content) == content
    response.close()
