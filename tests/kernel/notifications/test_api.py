"""GET /api/v1/me/notifications/ and POST .../<id>/read/: only the user's own delivered in-app
messages, in a constant number of queries."""

import pytest
from rest_framework.test import APIClient

from microloan.models import Role
from microloan.notifications.services import notification_deliver, notification_enqueue

from ...conftest import client_for
from ..factories import UserFactory
from .helpers import sms, utc


@pytest.mark.django_db
@pytest.mark.urls("tests.kernel.notifications_urls")
def test_me_notifications_lists_only_my_delivered_in_app_messages(django_assert_num_queries):
    me = UserFactory(username="me_borrower", role=Role.BORROWER)
    other = UserFactory(username="other_borrower", role=Role.BORROWER)
    mine = []
    for i, at in enumerate([utc(2026, 11, 20, 2), utc(2026, 11, 21, 2)]):
        n = notification_enqueue(
            channel="inapp",
            user=me,
            language="en",
            subject=f"Reminder {i}",
            body=f"Pay instalment {i}.",
            kind="reminder_due",
            now=at,
        )
        notification_deliver(notification_id=n.pk, now=at)
        mine.append(n)
    notification_enqueue(
        channel="inapp", user=me, language="en", body="Not yet.", kind="reminder_due", not_before=utc(2099, 1, 1)
    )
    notification_enqueue(**sms(), now=utc(2026, 11, 20, 2))
    theirs = notification_enqueue(channel="inapp", user=other, language="en", body="Theirs.", kind="reminder_due")
    notification_deliver(notification_id=theirs.pk)

    with django_assert_num_queries(2):  # the count and the page, however many rows
        r = client_for(me).get("/api/v1/me/notifications/")
    assert r.status_code == 200, r.content
    assert r.data["count"] == 2 and [x["id"] for x in r.data["results"]] == [mine[1].pk, mine[0].pk]
    assert set(r.data["results"][0]) == {"id", "kind", "subject", "body", "created_at", "read_at"}
    assert r.data["results"][0]["body"] == "Pay instalment 1." and r.data["results"][0]["read_at"] is None

    assert client_for(me).post(f"/api/v1/me/notifications/{theirs.pk}/read/").status_code == 404
    r = client_for(me).post(f"/api/v1/me/notifications/{mine[0].pk}/read/")
    assert r.status_code == 200 and r.data["read_at"] is not None
    first_read = r.data["read_at"]
    assert client_for(me).post(f"/api/v1/me/notifications/{mine[0].pk}/read/").data["read_at"] == first_read
    assert APIClient().get("/api/v1/me/notifications/").status_code == 401
