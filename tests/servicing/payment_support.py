"""A disbursed loan's borrower with an app login, and the demo payment channel."""

from applications.models import Borrower
from microloan.models import Role
from servicing.models import PaymentChannel

from ..kernel.factories import UserFactory

DEMO_SECRET = "demo-secret"


def borrower_login(loan, *, language: str = "en", mobile: str = "13855550001"):
    user = UserFactory(username=f"app-{loan.pk}", role=Role.BORROWER, branch=loan.branch, language=language)
    Borrower.objects.filter(pk=loan.borrower_id).update(user=user, language=language, mobile=mobile)
    loan.borrower.refresh_from_db()
    return user


def demo_channel():
    """The demo channel (code "demo"; the sandbox's page is its page: ``SANDBOX_PAYMENT_CHANNEL``
    is set to it by the tests' ``sandbox_on``)."""
    return PaymentChannel.objects.get_or_create(code="demo", defaults={"name": "Demo", "secret": DEMO_SECRET})[0]
