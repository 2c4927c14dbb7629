"""What apps above this one add to a convention's page, registered from their
``AppConfig.ready`` so that this app never imports them (ceremonies sits above partners)."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from partners.models import Convention
    from reintegration.models import User

# Sections of the convention's page below its ledger (what its money achieved, how its
# handovers were verified). Each receives the convention and the reader and returns the
# section's context, with the template to render under the key "template", or None to show
# nothing to this reader. The template reads the context as ``section``.
CONVENTION_SECTIONS: list[Callable[[Convention, User], dict[str, Any] | None]] = []


def convention_sections(convention: Convention, user: User) -> list[dict[str, Any]]:
    return [
        section for hook in CONVENTION_SECTIONS if (section := hook(convention, user)) is not None
    ]
