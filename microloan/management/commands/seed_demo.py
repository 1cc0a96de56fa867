"""Demo data for a training sandbox: branches, staff, products, borrowers and applications.

Idempotent: everything is keyed on a natural key (username, code, ID number, purpose tag),
so a second run finds what the first made and creates nothing new."""

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django_otp.plugins.otp_totp.models import TOTPDevice

from applications import services as intake
from applications.models import Application, Borrower, Product
from applications.residentid import check_char
from microloan import scenarios, twofactor
from microloan.business_date import business_date, business_date_set
from microloan.models import Branch, Role, User
from servicing.models import PaymentChannel


@dataclass(frozen=True)
class DemoUser:
    """A demo login: every one has the password given to the command."""

    username: str
    role: Role
    first_name: str  # a staff member's title
    last_name: str = ""
    approval_limit: Decimal | None = None
    note: str = ""  # printed after the role in the list of logins


BORROWERS = [
    # (name, birth date, seq, segment, income, mobile)
    ("陈明", date(1985, 3, 12), "101", "small_business", "12000.00", "13800000001"),
    ("刘芳", date(1990, 7, 25), "202", "salaried", "8000.00", "13800000002"),
    ("周强", date(1978, 11, 2), "303", "farmer", "5000.00", "13800000003"),
    ("吴静", date(1995, 1, 30), "404", "urban_low_income", "4500.00", "13800000004"),
    ("郑伟", date(1982, 9, 9), "505", "small_business", "15000.00", "13800000005"),
]

USERS = [
    DemoUser("officer", Role.OFFICER, "客户经理", "王"),
    DemoUser("reviewer", Role.REVIEWER, "审查岗", "李"),
    DemoUser("manager", Role.MANAGER, "审批岗", "张", approval_limit=Decimal("50000.00")),
    DemoUser("collector", Role.COLLECTOR, "催收岗", "赵"),
    # Releases the disbursements the officer prepares (maker-checker).
    DemoUser("supervisor", Role.SUPERVISOR, "作业监督岗", "周"),
    DemoUser("auditor", Role.AUDITOR, "稽核", "钱"),
    DemoUser("admin", Role.ADMIN, "管理员", "孙", note=" (proposes configuration changes)"),
    # A second administrator: configuration changes need four eyes (admin proposes, admin2 applies).
    DemoUser("admin2", Role.ADMIN, "管理员（复核）", "吴", note=" (applies what admin proposes)"),
    # The mobile demo login is the first borrower (linked to it below).
    DemoUser("borrower", Role.BORROWER, BORROWERS[0][0], note=" (mobile API)"),
]

# The demo's authenticator secret for the roles that need a second factor (manager, admin):
# RFC 6238's test key, base32 GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ. For the demo only: a real
# user enrols their own on the web login's second step.
DEMO_TOTP_KEY = "3132333435363738393031323334353637383930"
DEMO_TOTP_SECRET = "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ"

ALL_METHODS = ["annuity", "equal_principal", "interest_only", "flat"]
PRODUCTS = [
    dict(
        code="XD-CONS",
        name="小额消费贷",
        name_en="Small consumer loan",
        category="consumer_branch",
        min_amount="1000.00",
        max_amount="20000.00",
        min_term=3,
        max_term=12,
        min_rate="0.0800",
        max_rate="0.2400",
        methods=ALL_METHODS,
        frequencies=["monthly", "biweekly", "weekly"],
        required_documents=["borrower_id", "income_proof"],
        channels=["branch", "mobile"],
        fee_rate="0.0100",
    ),
    dict(
        code="XD-BIZ",
        name="个体工商户经营贷",
        name_en="Small-business working capital",
        category="working_capital",
        min_amount="10000.00",
        max_amount="50000.00",
        min_term=6,
        max_term=24,
        min_rate="0.0600",
        max_rate="0.1800",
        methods=ALL_METHODS,
        frequencies=["monthly"],
        required_documents=["borrower_id", "income_proof", "purpose_proof", "credit_report"],
        channels=["branch"],
        guarantee_type="credit",
        grace_days=3,
    ),
    dict(
        code="XD-AGRI",
        name="农户小额信用贷",
        name_en="Farmer micro-credit",
        category="working_capital",
        min_amount="1000.00",
        max_amount="30000.00",
        min_term=3,
        max_term=24,
        min_rate="0.0500",
        max_rate="0.1500",
        methods=["annuity", "interest_only"],
        frequencies=["monthly"],
        required_documents=["borrower_id"],
        channels=["branch", "mobile", "partner"],
        max_age=70,
    ),
]


def demo_user(spec: DemoUser, *, branch: Branch, password: str) -> User:
    """The demo login ``spec`` in ``branch`` (made with ``password`` if it is not there yet)."""
    user, created = User.objects.get_or_create(
        username=spec.username,
        defaults={
            "role": spec.role,
            "branch": branch,
            "first_name": spec.first_name,
            "last_name": spec.last_name,
            "approval_limit": spec.approval_limit,
            "is_staff": spec.role == Role.ADMIN,
            "is_superuser": False,
        },
    )
    if created:
        user.set_password(password)
        user.save(update_fields=["password"])
    if twofactor.otp_required(user) and not TOTPDevice.objects.filter(user=user).exists():
        TOTPDevice.objects.create(user=user, name=twofactor.DEVICE_NAME, key=DEMO_TOTP_KEY, confirmed=True)
    return user


def make_id_number(born: date, seq: str, region: str = "110105") -> str:
    first17 = f"{region}{born:%Y%m%d}{seq}"
    return first17 + check_char(first17)


class Command(BaseCommand):
    help = "Creates the demo branches, staff, products, borrowers and applications (idempotent)."

    def add_arguments(self, parser):
        parser.add_argument("--password", required=True, help="Password for every demo login.")
        parser.add_argument("--force", action="store_true", help="Run even when DEBUG is off.")

    def handle(self, *args, password: str, force: bool, **options):
        if not settings.DEBUG and not force:
            raise CommandError("DEBUG is off: this looks like production. Use --force to seed anyway.")
        with transaction.atomic():
            branch = self._branches()
            users = self._users(branch, password)
            products = self._products()
            # A payment channel for trying the signed callback (the secret is for the demo only);
            # the sandbox's payment page is its page.
            PaymentChannel.objects.get_or_create(
                code="demo-pay", defaults={"name": "Demo payment channel", "secret": "demo-callback-secret"}
            )
            self._borrowers_and_applications(branch, users, products)
        self.stdout.write(self.style.SUCCESS("Demo data ready. Logins (password as given):"))
        for spec in USERS:
            self.stdout.write(f"  {spec.username:<10} {spec.role.label}{spec.note}")
        self.stdout.write(
            f"  manager, admin and admin2 also give an authenticator code: secret {DEMO_TOTP_SECRET}"
            " (or: manage.py demo_totp manager)"
        )

    def _branches(self) -> Branch:
        hq, _ = Branch.objects.get_or_create(code="HQ", defaults={"name": "总行普惠金融部"})
        city, _ = Branch.objects.get_or_create(code="BJ01", defaults={"name": "北京朝阳支行", "parent": hq})
        Branch.objects.get_or_create(code="BJ01-1", defaults={"name": "望京分理处", "parent": city})
        Branch.objects.get_or_create(code="SH01", defaults={"name": "上海浦东支行", "parent": hq})
        return city

    def _users(self, branch, password) -> dict[str, User]:
        return {spec.username: demo_user(spec, branch=branch, password=password) for spec in USERS}

    def _products(self) -> dict[str, Product]:
        out = {}
        for spec in PRODUCTS:
            spec = dict(spec)
            code = str(spec.pop("code"))
            product, created = Product.objects.get_or_create(code=code, defaults=spec)
            if created:
                product.refresh_from_db()  # typed values (Decimal) instead of the strings given
            out[code] = product
        return out

    def _borrowers_and_applications(self, branch, users, products):
        officer = users["officer"]
        borrowers = []
        for name, born, seq, segment, income, mobile in BORROWERS:
            number = make_id_number(born, seq)
            b = Borrower.objects.filter(id_number=number).first() or intake.borrower_create(
                actor=officer,
                id_number=number,
                full_name=name,
                mobile=mobile,
                segment=segment,
                monthly_income=Decimal(income),
                address="北京市朝阳区",
                branch=branch,
            )
            borrowers.append(b)
        login = users["borrower"]
        if borrowers[0].user_id is None:
            Borrower.objects.filter(pk=borrowers[0].pk).update(user=login)

        cons, agri, biz = products["XD-CONS"], products["XD-AGRI"], products["XD-BIZ"]
        plans = [  # (borrower, product, amount, term, method, target status)
            (borrowers[0], cons, "8000.00", 6, "annuity", "draft"),
            (borrowers[1], cons, "12000.00", 12, "equal_principal", "submitted"),
            (borrowers[2], agri, "20000.00", 12, "interest_only", "under_review"),
            (borrowers[3], cons, "5000.00", 6, "flat", "withdrawn"),
            (borrowers[4], biz, "40000.00", 24, "annuity", "pending_approval"),
            (borrowers[1], cons, "6000.00", 6, "annuity", "pending_approval"),
            (borrowers[2], agri, "15000.00", 12, "annuity", "pending_approval"),
            (borrowers[0], cons, "10000.00", 12, "annuity", "approved"),
            (borrowers[3], cons, "3000.00", 6, "annuity", "rejected"),
            (borrowers[4], biz, "20000.00", 12, "equal_principal", "returned"),
            (borrowers[1], cons, "9000.00", 6, "annuity", "contracted"),
            (borrowers[2], agri, "12000.00", 12, "annuity", "disbursed"),
            (borrowers[3], cons, "6000.00", 6, "equal_principal", "disbursed"),
        ]
        for i, (b, product, amount, term, method, target) in enumerate(plans):
            tag = f"[demo-{i}]"
            if Application.objects.filter(purpose__startswith=tag).exists():
                continue
            app = scenarios.application_draft(
                officer=officer,
                borrower=b,
                product=product,
                amount=amount,
                term=term,
                method=method,
                purpose=f"{tag} 经营周转 / working capital",
            )
            self._walk(app, target, users)
        self._demo_borrower_loans(Borrower.objects.get(pk=borrowers[0].pk), cons, users)

    def _demo_borrower_loans(self, b, product, users):
        """The app's demo borrower (``borrower``): an active loan with a paid instalment and
        the rest due, a closed loan, an auto-debit mandate (besides the draft and the approved
        application above). The loans are disbursed in the past: the business date moves back
        for their walk and returns after."""
        from servicing.mandates import mandate_create
        from servicing.models import Loan
        from servicing.payment_models import Mandate
        from servicing.repayments import payoff_quote

        today = business_date()
        deciders = {"officer": users["officer"], "reviewer": users["reviewer"], "approver": users["manager"]}
        for tag, amount, term, back, closed in (
            ("[demo-loan-active]", "6000.00", 6, 35, False),
            ("[demo-loan-closed]", "3000.00", 3, 20, True),
        ):
            if Application.objects.filter(purpose__startswith=tag).exists():
                continue
            start = date.fromordinal(today.toordinal() - back)
            business_date_set(value=start)
            try:
                app = scenarios.application_draft(
                    officer=users["officer"],
                    borrower=b,
                    product=product,
                    amount=amount,
                    term=term,
                    purpose=f"{tag} 家庭周转",
                )
                loan = scenarios.loan_disbursed(
                    app, **deciders, on=start, releaser=users["supervisor"], reference=f"DEMO-{app.pk}"
                )
                first = loan.installments.filter(is_current=True).order_by("number").first()
                pay_on = min(first.due_date, today)  # type: ignore[union-attr]
                business_date_set(value=pay_on)
                if closed:
                    amount_due = payoff_quote(loan=loan, on=pay_on).amount
                else:
                    amount_due = first.total_due  # type: ignore[union-attr]
                scenarios.repayment_made(
                    Loan.objects.get(pk=loan.pk), cashier=users["officer"], amount=amount_due, on=pay_on, reference=tag
                )
            finally:
                business_date_set(value=today)
        if b.user_id and not Mandate.objects.filter(borrower=b).exists():
            mandate_create(actor=b.user, channel="demo-pay", account_last4="8888")

    def _walk(self, app, target, users):
        """Takes a demo application to ``target`` through the real services (and their rules)."""
        staff = {"officer": users["officer"], "reviewer": users["reviewer"]}
        deciders = {**staff, "approver": users["manager"], "on": business_date()}
        if target == "submitted":
            scenarios.application_submitted(app, officer=staff["officer"])
        elif target == "withdrawn":
            scenarios.application_withdrawn(app, officer=staff["officer"])
        elif target == "under_review":
            scenarios.application_under_review(app, **staff, on=business_date())
        elif target == "pending_approval":
            scenarios.application_pending(app, **staff, on=business_date())
        elif target == "approved":
            scenarios.application_approved(app, **deciders)
        elif target == "rejected":
            scenarios.application_decided(
                app, **deciders, decision="reject", reason_code="capacity", comment="收入证明不足 / income not proven"
            )
        elif target == "returned":
            scenarios.application_decided(
                app,
                **deciders,
                decision="return",
                reason_code="documents",
                comment="请补充银行流水 / add bank statements",
            )
        elif target == "contracted":
            scenarios.application_contracted(app, **deciders)
        elif target == "disbursed":
            scenarios.loan_disbursed(
                app, **deciders, releaser=users["supervisor"], channel="bank_transfer", reference=f"DEMO-{app.pk}"
            )
