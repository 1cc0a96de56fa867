"""Customer-service API: complaints, follow-up visits, credit reviews, satisfaction feedback.

Staff: ``/api/v1/complaints/``, ``/follow-up-visits/``, ``/credit-reviews/``, ``/feedback/``
(their branch tree). Borrowers (the mobile app): ``/api/v1/me/complaints/`` and
``/api/v1/me/feedback/`` (their own only). Views parse input, find the objects the caller may
see (anything else is a 404, or a 400 on the field that named it) and call care.services.

Choice inputs are documented as strings with a pattern rather than as enum components, so
these fields never collide with the enums other apps already publish under the same names
(``status``, ``category``, ``channel``, ``recommendation``)."""

from .complaints import ComplaintViewSet, MyComplaintViewSet
from .feedback import FeedbackViewSet, MyFeedbackViewSet
from .reviews import CreditReviewViewSet
from .visits import FollowUpVisitViewSet

__all__ = [
    "ComplaintViewSet",
    "CreditReviewViewSet",
    "FeedbackViewSet",
    "FollowUpVisitViewSet",
    "MyComplaintViewSet",
    "MyFeedbackViewSet",
]
