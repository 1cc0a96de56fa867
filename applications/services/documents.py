"""Documents: uploading to an application while it is open, and the review's decision."""

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from microloan.errors import InvalidInput, TransitionNotAllowed
from microloan.workflow import NEW

from ..documents import admit_upload
from ..models import Application, ApplicationStatus, Document, DocumentStatus
from ..workflow import DOCUMENT_DECISIONS, DOCUMENT_WORKFLOW
from .applications import application_lock, check_owner

DOCUMENT_OPEN_STATUSES = (
    ApplicationStatus.DRAFT,
    ApplicationStatus.RETURNED,
    ApplicationStatus.SUBMITTED,
    ApplicationStatus.UNDER_REVIEW,
)


def document_upload_open(*, actor, application: Application) -> bool:
    """Whether ``actor`` may upload a document to ``application`` now (the page's form)."""
    return application.status in DOCUMENT_OPEN_STATUSES and bool(
        DOCUMENT_WORKFLOW.available(obj=Document(status=NEW), actor=actor)
    )


@transaction.atomic
def document_upload(*, actor, application: Application, kind: str, file) -> Document:
    app = application_lock(application)
    check_owner(actor, app)
    DOCUMENT_WORKFLOW.check(obj=Document(status=NEW), action="upload", actor=actor)
    if app.status not in DOCUMENT_OPEN_STATUSES:
        raise TransitionNotAllowed(entity="application", action="upload a document", status=app.status)
    stored = admit_upload(actor=actor, application=app, file=file)
    doc = Document(application=app, kind=kind, uploaded_by=actor, **stored)
    doc.file.save("upload", file, save=False)
    DOCUMENT_WORKFLOW.start(
        obj=doc,
        action="upload",
        actor=actor,
        data={"application": app.pk, "kind": kind, "sha256": stored["sha256"], "size": stored["size"]},
    )
    return doc


@transaction.atomic
def document_review(*, actor, document: Document, decision: str, reason: str = "") -> Document:
    """Accepts or rejects a document (roles and the rejection's reason: the document's
    table). Recording the same decision with the same reason again changes nothing."""
    doc = Document.objects.select_for_update().get(pk=document.pk)
    action = DOCUMENT_DECISIONS.get(decision)
    if action is None:
        raise InvalidInput({"decision": [_("Choose 'accepted' or 'rejected'.")]})
    if doc.status == decision and doc.review_reason == (reason or ""):
        # The same decision again changes nothing, once the actor may make it at all (the
        # table's checks, as if the document still waited for review).
        DOCUMENT_WORKFLOW.check(
            obj=Document(pk=doc.pk, status=DocumentStatus.PENDING), action=action, actor=actor, reason=reason
        )
        return doc
    doc.review_reason = reason or ""
    doc.reviewed_by, doc.reviewed_at = actor, timezone.now()
    DOCUMENT_WORKFLOW.apply(
        obj=doc,
        action=action,
        actor=actor,
        reason=reason or "",
        extra_update_fields=["review_reason", "reviewed_by", "reviewed_at"],
    )
    return doc
