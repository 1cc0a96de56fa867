"""microloan.workflow: guarded transitions with named refusals."""

import pytest

from applications.workflow import APPLICATION_WORKFLOW
from microloan.errors import NotAllowed, TransitionNotAllowed

from ..applications.factories import ApplicationFactory
from .factories import UserFactory


@pytest.mark.django_db
def test_workflow_refuses_with_named_errors():
    app = ApplicationFactory(status="withdrawn")
    with pytest.raises(TransitionNotAllowed) as err:
        APPLICATION_WORKFLOW.check(obj=app, action="submit", actor=app.created_by)
    assert err.value.status == "withdrawn"
    collector = UserFactory(role="collector")
    with pytest.raises(NotAllowed):
        APPLICATION_WORKFLOW.check(obj=app, action="submit", actor=collector)
    assert ("submit", "draft", "submitted") in APPLICATION_WORKFLOW.table()
