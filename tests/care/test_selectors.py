"""Customer service's reads: the borrower's own records only, staff their branch tree, the
worklist's windows, the feedback summary in one query."""

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from care import selectors

from ..applications.factories import BorrowerFactory
from .conftest import FRIDAY
from .factories import ComplaintFactory, CreditReviewFactory, FeedbackFactory, FollowUpVisitFactory

pytestmark = pytest.mark.django_db


def test_the_feedback_summary_by_subject_in_one_query(manager, borrower):
    complaint = ComplaintFactory(borrower=borrower, status="resolved")
    visit = FollowUpVisitFactory(borrower=borrower, status="done")
    FeedbackFactory(borrower=borrower, score=5)
    FeedbackFactory(borrower=borrower, complaint=complaint, subject_key=f"complaint:{complaint.pk}", score=2)
    FeedbackFactory(borrower=borrower, visit=visit, subject_key=f"visit:{visit.pk}", score=4)
    FeedbackFactory(borrower=BorrowerFactory(), score=1)  # another branch: not the manager's
    with CaptureQueriesContext(connection) as q:
        summary = selectors.feedback_summary(user=manager)
    assert len(q) == 1
    assert summary == {
        "count": 3,
        "average": 3.67,
        "by_subject": {
            "complaint": {"count": 1, "average": 2.0},
            "visit": {"count": 1, "average": 4.0},
            "general": {"count": 1, "average": 5.0},
        },
    }
    assert selectors.feedback_summary(user=manager, since=FRIDAY + timedelta(days=1))["count"] == 0


def test_borrowers_read_their_own_and_never_a_review(officer, borrower, borrower_user, loan):
    mine = ComplaintFactory(borrower=borrower)
    theirs = ComplaintFactory(borrower=BorrowerFactory(branch=borrower.branch))
    review = CreditReviewFactory(loan=loan)
    assert list(selectors.complaint_list(user=borrower_user)) == [mine]
    assert set(selectors.complaint_list(user=officer)) == {mine, theirs}
    assert list(selectors.review_list(user=borrower_user)) == []
    assert list(selectors.review_list(user=officer)) == [review]


def test_the_worklist_shows_visits_due_soon_and_open_work(officer, borrower):
    soon = FollowUpVisitFactory(borrower=borrower, scheduled_on=FRIDAY + timedelta(days=7))
    FollowUpVisitFactory(borrower=borrower, scheduled_on=FRIDAY + timedelta(days=8))  # not yet
    FollowUpVisitFactory(borrower=borrower, scheduled_on=FRIDAY, status="done")
    late = FollowUpVisitFactory(borrower=borrower, scheduled_on=FRIDAY - timedelta(days=5))
    assert list(selectors.worklist_visits(user=officer, today=FRIDAY)) == [late, soon]
    open_, resolved = ComplaintFactory(borrower=borrower), ComplaintFactory(borrower=borrower, status="resolved")
    ComplaintFactory(borrower=borrower, status="closed")
    assert set(selectors.worklist_complaints(user=officer)) == {open_, resolved}
