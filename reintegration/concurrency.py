class ConcurrentEditError(Exception):
    """Someone else saved the record after this form was opened (its version moved on)."""


def rebase(form, model, pk) -> None:
    """After a refused save, give the form the current version: the user has been told and
    keeps their input, and saving again then knowingly replaces the colleague's change."""
    data = form.data.copy()
    data["version"] = str(model.objects.filter(pk=pk).values_list("version", flat=True).get())
    form.data = data
