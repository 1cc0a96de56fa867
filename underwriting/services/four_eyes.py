"""The application's four eyes, as underwriting wrote it by hand."""

from collections.abc import Iterable

from django.utils.translation import gettext as _

from microloan.errors import NotAllowed


def _reviewers(app) -> set[int]:
    return set(app.reviews.values_list("reviewer_id", flat=True))


def _four_eyes(actor, app, *, as_what: str, also: Iterable[int] = ()) -> None:
    if actor.pk in {app.created_by_id, app.officer_id} | set(also):
        raise NotAllowed(
            _("Four eyes: you created or worked on this application, so you may not %(what)s it.") % {"what": as_what}
        )
