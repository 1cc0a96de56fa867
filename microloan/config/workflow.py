"""The configuration change's table: an administrator proposes, another applies or rejects
(with a reason), the proposer alone may withdraw (``services.config_change_withdraw``: the
table knows roles, not persons)."""

from django.utils.translation import gettext_lazy as _

from ..workflow import NEW, Transition, Workflow
from .models import ConfigChangeStatus as S

CONFIG_CHANGE_WORKFLOW = Workflow(
    "config_change",
    [
        Transition("propose", frozenset({NEW}), S.PENDING, label=_("Propose")),
        Transition("apply", frozenset({S.PENDING}), S.APPLIED, label=_("Apply"), not_by=frozenset({"propose"})),
        Transition(
            "reject",
            frozenset({S.PENDING}),
            S.REJECTED,
            label=_("Reject"),
            needs_reason=True,
            not_by=frozenset({"propose"}),
        ),
        Transition("withdraw", frozenset({S.PENDING}), S.WITHDRAWN, label=_("Withdraw")),
    ],
)
