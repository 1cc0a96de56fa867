"""Scorecard drafts (#14 point 1): an administrator edits the next version, saves it as often
as needed and proposes it; the proposal (kind ``scorecard``) publishes it when another
administrator applies it (``scorecard_publish``: a new version, never an edited one)."""

from __future__ import annotations

from django.db import transaction
from django.utils.translation import gettext as _

from microloan.audit import audit_record
from microloan.config.models import ConfigChange, ConfigOperation
from microloan.config.services import config_change_propose
from microloan.errors import InvalidInput
from microloan.permissions import require

from .. import scoring
from ..models import ScorecardDraft
from .credit import scorecard_active


def scorecard_draft() -> ScorecardDraft | None:
    return ScorecardDraft.objects.select_related("based_on", "updated_by").order_by("-pk").first()


@transaction.atomic
def scorecard_draft_save(*, actor, config, note: str = "") -> ScorecardDraft:
    """The draft replaced by ``config`` (checked as a scorecard: errors on ``config``)."""
    require(actor, "scorecard.draft")
    if not isinstance(config, dict):
        raise InvalidInput({"config": [_("The scorecard is a JSON object.")]})
    try:
        scoring.validate_config(config)
    except scoring.ScorecardConfigError as exc:
        raise InvalidInput({"config": [str(exc)]}) from None
    draft = ScorecardDraft.objects.select_for_update().order_by("-pk").first()
    if draft is None:
        draft = ScorecardDraft(updated_by=actor, based_on=scorecard_active(), config=config)
    draft.config, draft.note, draft.updated_by = config, (note or "").strip(), actor
    draft.save()
    audit_record(actor=actor, entity="scorecard_draft", entity_id=draft.pk, action="update", reason=draft.note)
    return draft


@transaction.atomic
def scorecard_draft_propose(*, actor, comment: str = "") -> ConfigChange:
    """The draft proposed for publication: a configuration change another administrator applies."""
    require(actor, "scorecard.draft")
    draft = ScorecardDraft.objects.select_for_update().order_by("-pk").first()
    if draft is None:
        raise InvalidInput({"config": [_("There is no draft to propose: save one first.")]})
    return config_change_propose(
        actor=actor,
        kind="scorecard",
        operation=ConfigOperation.CREATE,
        payload={"config": draft.config, "note": draft.note},
        comment=comment,
    )
