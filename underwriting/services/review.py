"""The reviewer's opinion, which sends an application to approval."""

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from applications.models import DocumentStatus
from applications.services import application_lock
from applications.workflow import APPLICATION_WORKFLOW
from microloan.errors import InvalidInput

from ..models import Investigation, Review


@transaction.atomic
def application_review(*, actor, application, opinion: str, comment: str = "") -> Review:
    app = application_lock(application)
    APPLICATION_WORKFLOW.check(obj=app, action="review", actor=actor)
    investigation = Investigation.objects.filter(application=app).first()
    errors = {}
    if investigation is None:
        errors["investigation"] = [_("The field investigation has not been recorded.")]
    if not app.assessments.exists():
        errors["assessment"] = [_("The application has not been assessed.")]
    docs = list(app.documents.all())
    not_accepted = [
        k
        for k in app.product.required_documents
        if not any(d.kind == k and d.status == DocumentStatus.ACCEPTED for d in docs)
    ]
    if not_accepted:
        errors["documents"] = [_("Required documents not yet accepted: %(k)s.") % {"k": ", ".join(not_accepted)}]
    if opinion == "not_recommend" and not comment.strip():
        errors["comment"] = [_("Explain why you do not recommend it.")]
    if errors:
        raise InvalidInput(errors)
    review = Review.objects.create(application=app, reviewer=actor, opinion=opinion, comment=comment)
    app.pending_since = timezone.now()
    APPLICATION_WORKFLOW.apply(
        obj=app,
        action="review",
        actor=actor,
        reason=comment,
        extra_update_fields=["pending_since"],
        data={"opinion": opinion},
    )
    return review
