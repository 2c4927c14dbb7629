class ConcurrentEditError(Exception):
    """Someone else saved the record after this form was opened (its version moved on)."""


def rebase(form, model, pk) -> None:
    """After a refused save, give the form the current version: the user has been told and
    keeps their input, and saving again then knowingly replaces the colleague's change."""
    data = form.data.copy()
    data["version"] = str(model.objects.filter(pk=pk).values_list("version", flat=True).get())
    form.data = data


def posted_version(text: str | None) -> int | None:
    """A version number sent back by a page, None when it is not one: a tampered or mangled
    value is answered like a stale page, never with an error."""
    text = (text or "").strip()
    # isdecimal() alone would take Arabic-Indic digits and int() huge ones; neither is a version.
    if not (text.isascii() and text.isdecimal()) or len(text) > 18:
        return None
    return int(text)
