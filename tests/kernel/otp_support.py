"""Reading the SMS code a test asked for, from the outbox (as the sandbox's inbox does)."""

import re

from microloan.notifications import Notification


def last_code(mobile: str) -> str:
    body = Notification.objects.filter(kind="otp", to_address=mobile).order_by("-id").values_list("body", flat=True)[0]
    return re.search(r"(?<!\d)(\d{6})(?!\d)", body).group(1)


def ask(client, mobile: str, purpose: str, **extra):
    return client.post("/api/v1/auth/otp/", {"mobile": mobile, "purpose": purpose}, format="json", **extra)


def code_for(client, mobile: str, purpose: str) -> str:
    assert ask(client, mobile, purpose).status_code == 202
    return last_code(mobile)
