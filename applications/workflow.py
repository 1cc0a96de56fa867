"""Intake's legal moves, as data: the application (later stages, underwriting and servicing,
take their moves from this same table so the whole lifecycle reads in one place), the lead,
the document and the borrower's consent."""

from django.utils.translation import gettext_lazy as _

from microloan.workflow import NEW, Transition, Workflow

from .models import ApplicationStatus as S
from .models import ConsentStatus as C
from .models import DocumentStatus as D
from .models import LeadStatus as L

IN_UNDERWRITING = frozenset({S.SUBMITTED, S.UNDER_REVIEW})

# Four eyes, read from the application's audit trail: nobody reviews an application they
# created, investigated (the field visit) or assessed, and nobody decides (approves, rejects
# or returns) one they created, investigated, assessed or reviewed.
NOT_BY_REVIEWER = frozenset({"create", "investigate", "assess"})
NOT_BY_DECIDER = NOT_BY_REVIEWER | {"review"}

# Disbursement is a maker-checker pair: one person prepares it (the application's "disburse"),
# another releases or returns it. The pair's rules, four eyes included, are the disbursement's
# own table (servicing.workflow.DISBURSEMENT_WORKFLOW; who prepares and who releases are the
# permission table's); the application follows its disbursement's moves, each through the
# rows below.

APPLICATION_WORKFLOW = Workflow(
    "application",
    [
        Transition("create", frozenset({NEW}), S.DRAFT, label=_("Create application")),
        Transition("submit", frozenset({S.DRAFT, S.RETURNED}), S.SUBMITTED, label=_("Submit")),
        Transition("investigate", IN_UNDERWRITING, S.UNDER_REVIEW, label=_("Save visit")),
        Transition("assess", IN_UNDERWRITING, S.UNDER_REVIEW, label=_("Assess")),
        Transition(
            "review",
            frozenset({S.UNDER_REVIEW}),
            S.PENDING_APPROVAL,
            label=_("Send to approval"),
            not_by=NOT_BY_REVIEWER,
        ),
        Transition(
            "approve",
            frozenset({S.PENDING_APPROVAL}),
            S.APPROVED,
            label=_("Approve"),
            not_by=NOT_BY_DECIDER,
        ),
        Transition(
            "reject",
            frozenset({S.PENDING_APPROVAL}),
            S.REJECTED,
            label=_("Reject"),
            not_by=NOT_BY_DECIDER,
        ),
        Transition(
            "return",
            frozenset({S.PENDING_APPROVAL}),
            S.RETURNED,
            label=_("Return"),
            not_by=NOT_BY_DECIDER,
        ),
        Transition("contract", frozenset({S.APPROVED}), S.APPROVED, label=_("Generate contract")),
        Transition("sign", frozenset({S.APPROVED}), S.CONTRACTED, label=_("Record signing")),
        Transition("disburse", frozenset({S.CONTRACTED}), S.PENDING_RELEASE, label=_("Prepare disbursement")),
        Transition("release", frozenset({S.PENDING_RELEASE}), S.DISBURSED, label=_("Release")),
        Transition(
            "return_release",
            frozenset({S.PENDING_RELEASE}),
            S.CONTRACTED,
            label=_("Return"),
            needs_reason=True,
        ),
        Transition(
            "withdraw",
            frozenset({S.DRAFT, S.SUBMITTED, S.RETURNED, S.UNDER_REVIEW, S.PENDING_APPROVAL, S.APPROVED}),
            S.WITHDRAWN,
            label=_("Withdraw"),
        ),
    ],
)

LEAD_WORKFLOW = Workflow(
    "lead",
    [
        Transition("create", frozenset({NEW}), L.NEW, label=_("Register lead")),
        # Converting registers the borrower (or finds the one with that ID number).
        Transition("convert", frozenset({L.NEW, L.CONTACTED}), L.CONVERTED, label=_("Convert")),
    ],
)


DOCUMENT_WORKFLOW = Workflow(
    "document",
    [
        Transition("upload", frozenset({NEW}), D.PENDING, label=_("Upload")),
        # A review may be corrected: an accepted document rejected, a rejected one accepted, or a
        # rejection's reason restated.
        Transition("accept", frozenset({D.PENDING, D.REJECTED}), D.ACCEPTED, label=_("Accept")),
        Transition(
            "reject",
            frozenset({D.PENDING, D.ACCEPTED, D.REJECTED}),
            D.REJECTED,
            label=_("Reject"),
            needs_reason=True,
        ),
    ],
)

# A borrower's consent (授权书): recorded with its signed file, revoked once (with the reason
# the borrower gave). Its expiry is a date (``expires_on``), read by ``Consent.objects.valid_on``,
# not a move.
CONSENT_WORKFLOW = Workflow(
    "consent",
    [
        Transition("record", frozenset({NEW}), C.GRANTED, label=_("Record consent")),
        # The borrower's own consent in the app (POST /api/v1/me/identity/).
        Transition("accept", frozenset({NEW}), C.GRANTED, label=_("Accept in the app")),
        Transition("revoke", frozenset({C.GRANTED}), C.REVOKED, label=_("Revoke"), needs_reason=True),
    ],
)

# The decision a review form sends, and the document's move it makes.
DOCUMENT_DECISIONS: dict[str, str] = {D.ACCEPTED: "accept", D.REJECTED: "reject"}
