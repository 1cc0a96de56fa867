"""The permission table: who may do what, role by action, in one place.

Every page (``@page("action")``), every API operation (``TablePermission`` and the view's
``permissions``), every transition of every workflow (``microloan.workflow`` fills a
transition's roles from the entry ``"<entity>.<action>"``), the services' role checks
(``require``), the navigation and the buttons (``{% if user|can:"action" %}``) read this table
and nothing else. ``tests/kernel/test_permissions.py`` enumerates it against every URL and
API operation, so an endpoint without an entry fails the suite; ``manage.py
permission_table`` prints it (the README's matrix).

Separation of duties (MLPS 2.0): the administrator runs the system (sandbox, reports, the
scorecard, the configuration) and takes no business action — no borrower data entry, no
decision, no complaint, no visit; the auditor reads and never writes. Superusers (the
installation's break-glass account) pass every check, as Django's do.
"""

from dataclasses import dataclass
from functools import wraps

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from rest_framework.permissions import BasePermission

from .models import STAFF_ROLES, Role

OFF, REV, MGR, COL, SUP, AUD, ADM, BOR = (
    Role.OFFICER,
    Role.REVIEWER,
    Role.MANAGER,
    Role.COLLECTOR,
    Role.SUPERVISOR,
    Role.AUDITOR,
    Role.ADMIN,
    Role.BORROWER,
)
STAFF = frozenset(STAFF_ROLES)
# Every login, staff or borrower (what each sees is then scoped: a borrower their own).
EVERYONE = STAFF | {BOR}
# Staff who take business actions in the field and at the counter.
FIELD = frozenset({OFF, MGR})
INTAKE = FIELD | {BOR}
ASSESSORS = FIELD | {REV}
DECIDERS = frozenset({MGR})
COLLECTORS = frozenset({COL, OFF, MGR})
HANDLERS = frozenset({OFF, MGR})  # customer service
REPORTERS = frozenset({MGR, ADM, AUD})
RELEASERS = frozenset({SUP, MGR})


@dataclass(frozen=True)
class Permission:
    roles: frozenset[str]
    label: str  # what the action is, for refusals and the matrix (gettext_lazy)
    anonymous: bool = False  # open without a login (the quote, the provider's callback)


def _p(roles, label, anonymous=False) -> Permission:
    return Permission(frozenset(roles), label, anonymous)


TABLE: dict[str, Permission] = {
    # -- the kernel ---------------------------------------------------------------------
    "public": _p(EVERYONE, gettext_lazy("use the public service"), anonymous=True),
    "account": _p(EVERYONE, gettext_lazy("manage your own login")),
    "notification.own": _p(EVERYONE, gettext_lazy("read your own notifications")),
    "dashboard.view": _p(STAFF, gettext_lazy("see the dashboard")),
    "ledger.trial_balance": _p(REPORTERS, gettext_lazy("see the trial balance")),
    "sandbox.use": _p({MGR, ADM}, gettext_lazy("use the training sandbox")),
    # Configuration changes, a maker-checker pair (microloan/config): an administrator
    # proposes, another administrator applies or rejects (four eyes: the workflow's not_by),
    # only the proposer withdraws. Not the manager: the authority limits, the committee and
    # the approval limits are the manager's own powers, which nobody approves for themselves,
    # and configuration is the system's side of the separation of duties. The manager and the
    # auditor read what changed.
    # Administration (#14 point 1): the administrator's own screens; every change on them is
    # a configuration change (the entries above and below).
    "administration.view": _p({ADM}, gettext_lazy("use the administration screens")),
    "config_change.view": _p(REPORTERS, gettext_lazy("see configuration changes")),
    "config_change.propose": _p({ADM}, gettext_lazy("propose configuration changes")),
    "config_change.apply": _p({ADM}, gettext_lazy("apply configuration changes")),
    "config_change.reject": _p({ADM}, gettext_lazy("reject configuration changes")),
    "config_change.withdraw": _p({ADM}, gettext_lazy("withdraw configuration changes")),
    # -- intake -------------------------------------------------------------------------
    "borrower.view": _p(EVERYONE, gettext_lazy("see borrowers")),  # a borrower: their own
    "borrower.create": _p(FIELD, gettext_lazy("register borrowers")),
    "borrower.change": _p(FIELD, gettext_lazy("change borrowers")),
    # Personal information (microloan/pii.py) is masked for everyone; revealing it in clear
    # (audited) is for those who take the borrower's KYC and meet them: the officer and the
    # manager — and a borrower, their own. Not the reviewer (the file's documents carry what a
    # desk review checks), the collector (calls go through the case, the mobile masked), the
    # supervisor (releases against the prepared account), the auditor (audits who revealed,
    # not the values) nor the administrator (runs the system, sees no customer data). The
    # same entry allows searching by the beginning of an ID number.
    "borrower.reveal": _p(FIELD | {BOR}, gettext_lazy("reveal borrowers' personal information")),
    # The guarantors and collateral owners an application names: the same people as above
    # take them down and meet them, so the same roles reveal them (a borrower: their own).
    "application.reveal": _p(FIELD | {BOR}, gettext_lazy("reveal guarantors' and collateral owners' data")),
    "holiday.view": _p(STAFF, gettext_lazy("see the holiday calendar")),
    "product.view": _p(EVERYONE, gettext_lazy("see products"), anonymous=True),  # the app lists them before login
    "application.view": _p(EVERYONE, gettext_lazy("see applications")),
    "application.create": _p(INTAKE, gettext_lazy("create applications")),
    "application.submit": _p(INTAKE, gettext_lazy("submit applications")),
    "application.withdraw": _p(INTAKE, gettext_lazy("withdraw applications")),
    # Consents (授权书): the officer and the manager capture and revoke them with the borrower;
    # the reviewer checks them before a credit inquiry, the auditor audits them.
    # A borrower's copy of their own data (PIPL art. 45), GET /api/v1/me/export/.
    "me.export": _p({BOR}, gettext_lazy("export your own data")),
    "consent.view": _p(FIELD | {REV, AUD}, gettext_lazy("see borrowers' consents")),
    "consent.record": _p(FIELD, gettext_lazy("record borrowers' consents")),
    "consent.revoke": _p(FIELD, gettext_lazy("revoke borrowers' consents")),
    # The borrowers' app (#13): a new login links itself to a borrower record and accepts the
    # consents there; the ID card's photo goes into their application's documents.
    "consent.accept": _p({BOR}, gettext_lazy("accept consents in the app")),
    "me.identity": _p({BOR}, gettext_lazy("link your login to your borrower record")),
    "me.profile": _p({BOR}, gettext_lazy("change your own contact details")),
    "document.upload": _p(INTAKE, gettext_lazy("upload documents")),
    "document.accept": _p(ASSESSORS, gettext_lazy("accept documents")),
    "document.reject": _p(ASSESSORS, gettext_lazy("reject documents")),
    "document.open": _p({OFF, REV, MGR, SUP, BOR}, gettext_lazy("open a document")),
    "lead.view": _p(STAFF, gettext_lazy("see leads")),
    "lead.create": _p(FIELD, gettext_lazy("register leads")),
    "lead.convert": _p(FIELD, gettext_lazy("convert leads")),
    # -- underwriting -------------------------------------------------------------------
    "application.investigate": _p(FIELD, gettext_lazy("record field investigations")),
    "application.assess": _p(ASSESSORS, gettext_lazy("assess applications")),
    "application.review": _p({REV}, gettext_lazy("review applications")),
    "application.approve": _p(DECIDERS, gettext_lazy("approve applications")),
    "application.reject": _p(DECIDERS, gettext_lazy("reject applications")),
    "application.return": _p(DECIDERS, gettext_lazy("return applications")),
    "underwriting.queue": _p({MGR, AUD}, gettext_lazy("see the approval queue")),
    "underwriting.worklist": _p({REV, MGR, AUD}, gettext_lazy("see the review worklist")),
    "underwriting.case": _p({OFF, REV, MGR, AUD}, gettext_lazy("see an underwriting case")),
    "credit_record.view": _p({OFF, REV, MGR, AUD}, gettext_lazy("see credit reports")),
    "credit_record.create": _p(ASSESSORS, gettext_lazy("record credit reports")),
    "scorecard.publish": _p({ADM}, gettext_lazy("change the scorecard")),
    # A draft of the next version, edited until it is proposed (published when applied).
    "scorecard.draft": _p({ADM}, gettext_lazy("edit scorecard drafts")),
    # -- servicing ----------------------------------------------------------------------
    "quote.view": _p(STAFF, gettext_lazy("calculate quotes")),
    "contract.view": _p(EVERYONE, gettext_lazy("see contracts")),
    "application.contract": _p(FIELD, gettext_lazy("generate contracts")),
    # The borrower signs their own contract in the app (electronic, with the SMS code).
    "application.sign": _p(FIELD | {BOR}, gettext_lazy("record signing")),
    # Disbursement, a maker-checker pair: the field prepares it, the operations supervisor
    # (作业监督岗) or the manager releases it (the loan is made then) or returns it.
    "application.disburse": _p(FIELD, gettext_lazy("prepare disbursements")),
    "application.release": _p(RELEASERS, gettext_lazy("release disbursements")),
    "application.return_release": _p(RELEASERS, gettext_lazy("return disbursements")),
    "disbursement.view": _p(FIELD | RELEASERS | {AUD}, gettext_lazy("see disbursements")),
    "disbursement.prepare": _p(FIELD, gettext_lazy("prepare disbursements")),
    "disbursement.release": _p(RELEASERS, gettext_lazy("release disbursements")),
    "disbursement.return": _p(RELEASERS, gettext_lazy("return disbursements")),
    "loan.view": _p(EVERYONE, gettext_lazy("see loans")),
    "loan.disburse": _p(RELEASERS, gettext_lazy("release disbursements")),
    "loan.close": _p(COLLECTORS, gettext_lazy("close loans")),
    "loan.reopen": _p(FIELD, gettext_lazy("reopen loans")),
    "loan.reopen_restructured": _p(FIELD, gettext_lazy("reopen loans")),
    "loan.restructure": _p(DECIDERS, gettext_lazy("restructure loans")),
    "loan.write_off": _p(DECIDERS, gettext_lazy("write loans off")),
    # The manager hands a loan to another officer of the branch (microloan/assignment.py).
    "loan.reassign": _p({MGR}, gettext_lazy("hand loans to another officer")),
    "repayment.view": _p(EVERYONE, gettext_lazy("see repayments")),
    # The borrower's own payments from the app (#13): payment orders settled by the channel's
    # signed callback (the system's moves), auto-debit mandates collected by the daily job.
    "payment_order.view": _p(EVERYONE, gettext_lazy("see payment orders")),
    "payment_order.create": _p({BOR}, gettext_lazy("pay from the app")),
    "payment_order.settle": _p(set(), gettext_lazy("settle payment orders")),
    "payment_order.fail": _p(set(), gettext_lazy("fail payment orders")),
    "payment_order.expire": _p(set(), gettext_lazy("expire payment orders")),
    "mandate.view": _p({BOR}, gettext_lazy("see your auto-debit mandates")),
    "mandate.create": _p({BOR}, gettext_lazy("authorise automatic debit")),
    "mandate.revoke": _p({BOR}, gettext_lazy("revoke automatic debit")),
    # The training sandbox's payment page: opened by its order's secret link, no login.
    "sandbox.pay": _p({BOR}, gettext_lazy("pay on the sandbox's payment page"), anonymous=True),
    "repayment.post": _p(COLLECTORS, gettext_lazy("post repayments")),
    "repayment.reverse": _p(FIELD, gettext_lazy("reverse repayments")),
    "restructuring.request": _p(FIELD, gettext_lazy("request restructurings")),
    "restructuring.approve": _p(DECIDERS, gettext_lazy("approve restructurings")),
    "restructuring.reject": _p(DECIDERS, gettext_lazy("reject restructurings")),
    # A charge's waiver, four eyes: the field asks, the manager approves or rejects.
    "charge.request_waiver": _p(FIELD, gettext_lazy("request charge waivers")),
    "charge.approve_waiver": _p(DECIDERS, gettext_lazy("approve charge waivers")),
    "charge.reject_waiver": _p(DECIDERS, gettext_lazy("reject charge waivers")),
    # Migration of an existing book (servicing/book_import.py): administrators, the apply by
    # another one than the uploader (BOOK_IMPORT_WORKFLOW's four eyes).
    "book_import.view": _p({ADM, AUD}, gettext_lazy("see book imports")),
    "book_import.check": _p({ADM}, gettext_lazy("upload book imports")),
    "book_import.fail": _p({ADM}, gettext_lazy("upload book imports")),
    "book_import.apply": _p({ADM}, gettext_lazy("apply book imports")),
    "book_import.discard": _p({ADM}, gettext_lazy("discard book imports")),
    # Batch disaster deferral over a branch tree: managers, four eyes (servicing/restructuring_batch.py).
    "restructuring_batch.view": _p(FIELD | {AUD}, gettext_lazy("see batch deferrals")),
    "restructuring_batch.propose": _p(DECIDERS, gettext_lazy("propose batch deferrals")),
    "restructuring_batch.approve": _p(DECIDERS, gettext_lazy("approve batch deferrals")),
    "restructuring_batch.reject": _p(DECIDERS, gettext_lazy("reject batch deferrals")),
    # -- customer service ---------------------------------------------------------------
    "care.view": _p(HANDLERS | {AUD}, gettext_lazy("see customer service")),
    "care.summary": _p({MGR, AUD}, gettext_lazy("see the customer-service summary")),
    "care.run_job": _p({MGR}, gettext_lazy("run the periodic reviews")),
    "complaint.view": _p(HANDLERS | {AUD}, gettext_lazy("see complaints")),
    "complaint.create": _p(HANDLERS, gettext_lazy("register complaints")),
    "complaint.assign": _p(HANDLERS, gettext_lazy("assign complaints")),
    "complaint.acknowledge": _p(HANDLERS, gettext_lazy("acknowledge complaints")),
    "complaint.investigate": _p(HANDLERS, gettext_lazy("investigate complaints")),
    "complaint.escalate": _p(HANDLERS, gettext_lazy("escalate complaints")),
    "complaint.resolve": _p(HANDLERS, gettext_lazy("resolve complaints")),
    "complaint.close": _p(HANDLERS, gettext_lazy("close complaints")),
    "complaint.reopen": _p(HANDLERS, gettext_lazy("reopen complaints")),
    "complaint.own": _p({BOR}, gettext_lazy("file and follow your own complaints")),
    "feedback.view": _p({MGR, AUD}, gettext_lazy("see feedback")),
    "feedback.own": _p({BOR}, gettext_lazy("give feedback")),
    "follow_up_visit.view": _p(HANDLERS | {AUD}, gettext_lazy("see follow-up visits")),
    "follow_up_visit.create": _p(HANDLERS, gettext_lazy("schedule follow-up visits")),
    "follow_up_visit.complete": _p(HANDLERS, gettext_lazy("record follow-up visits")),
    "follow_up_visit.cancel": _p(HANDLERS, gettext_lazy("cancel follow-up visits")),
    "credit_review.view": _p(HANDLERS | {AUD}, gettext_lazy("see credit reviews")),
    "credit_review.complete": _p(HANDLERS, gettext_lazy("complete credit reviews")),
    "credit_review.cancel": _p({MGR}, gettext_lazy("cancel credit reviews")),
    # -- collection ---------------------------------------------------------------------
    "collection.view": _p(COLLECTORS | {AUD}, gettext_lazy("see collection cases")),
    "collection.contact": _p(COLLECTORS, gettext_lazy("contact borrowers")),
    "collection.reassign": _p({MGR}, gettext_lazy("hand cases to another collector")),
    # Those who call see the numbers to call, on an audited reveal of the case's contact sheet.
    "collection.reveal_contacts": _p(COLLECTORS, gettext_lazy("see the numbers to call")),
    "promise_to_pay.create": _p(COLLECTORS, gettext_lazy("record promises to pay")),
    "write_off.request": _p(COLLECTORS, gettext_lazy("propose write-offs")),
    "write_off.approve": _p(DECIDERS, gettext_lazy("approve write-offs")),
    "write_off.reject": _p(DECIDERS, gettext_lazy("reject write-offs")),
    # Recovery on a written-off loan, a maker-checker pair like the disbursement: the
    # collectors record the money received, the manager or the operations supervisor confirms
    # it (the journal entry is posted then) or returns it; nobody confirms what they recorded.
    "recovery.view": _p(COLLECTORS | RELEASERS | {AUD}, gettext_lazy("see recoveries")),
    "recovery.record": _p(COLLECTORS, gettext_lazy("record recoveries")),
    "recovery.confirm": _p(RELEASERS, gettext_lazy("confirm recoveries")),
    "recovery.return": _p(RELEASERS, gettext_lazy("return recoveries")),
    "collection_case.write_off": _p(DECIDERS, gettext_lazy("write loans off")),
    # Moves the close makes alone (no person takes them).
    "collection_case.cure": _p(set(), gettext_lazy("cure collection cases")),
    "collection_case.settle": _p(set(), gettext_lazy("settle collection cases")),
    "promise_to_pay.keep": _p(set(), gettext_lazy("keep promises")),
    "promise_to_pay.break": _p(set(), gettext_lazy("break promises")),
    # -- reporting ----------------------------------------------------------------------
    "report.view": _p(REPORTERS, gettext_lazy("see reports")),
    "report.par": _p(REPORTERS | {OFF}, gettext_lazy("see the portfolio at risk")),
}


class UnknownAction(KeyError):
    pass


def entry(action: str) -> Permission:
    try:
        return TABLE[action]
    except KeyError:
        raise UnknownAction(f"no entry {action!r} in microloan.permissions.TABLE") from None


def roles(action: str) -> frozenset[str]:
    return entry(action).roles


def can(user, action: str) -> bool:
    """May ``user`` take ``action``? Anonymous users only where the entry is open."""
    perm = entry(action)
    if user is None or not user.is_authenticated:
        return perm.anonymous
    return bool(user.is_superuser or (user.is_active and user.role in perm.roles))


def refusal(user, action: str) -> str:
    role = user.get_role_display() if getattr(user, "is_authenticated", False) else _("anonymous")
    return _("Role '%(role)s' may not %(what)s.") % {"role": role, "what": entry(action).label}


def require(user, action: str) -> None:
    """The services' role check: NotAllowed (a 403 with the reason) unless the table allows."""
    from .errors import NotAllowed

    if not can(user, action):
        raise NotAllowed(refusal(user, action))


def page(action: str):
    """A staff page open to the roles of ``action``: a login first, then 403 with the reason."""

    def decorator(view):
        @login_required
        @wraps(view)
        def wrapper(request, *args, **kwargs):
            user = request.user
            if user.role not in STAFF and not user.is_superuser:
                if request.method in ("GET", "HEAD"):  # a borrower on the staff site: to their app
                    from django.shortcuts import redirect

                    return redirect("/app/")
                raise PermissionDenied(_("The staff screens are for staff; borrowers use the app."))
            if not can(user, action):
                raise PermissionDenied(refusal(user, action))
            return view(request, *args, **kwargs)

        wrapper.permission_action = action  # type: ignore[attr-defined]  # read by the route tests
        return wrapper

    return decorator


def view_action(view, request) -> str | None:
    """The table entry an API view declares for this request: ``permissions`` maps the
    viewset's action (``list``, ``create``, ``approve``...) or the HTTP method to an entry
    (or, for an action that answers several methods, to a dict by method); a single
    ``permission_action`` covers the whole view."""
    mapping = getattr(view, "permissions", None) or {}
    found = mapping.get(getattr(view, "action", None) or request.method) or mapping.get(request.method)
    if isinstance(found, dict):  # one viewset action, an entry per HTTP method
        found = found.get(request.method)
    return found or getattr(view, "permission_action", None)


class TablePermission(BasePermission):
    """DRF's default permission: the table's entry for the operation, refused (403 with the
    reason) when the role is not in it, and refused when the view declares none."""

    def has_permission(self, request, view):
        action = view_action(view, request)
        if action is None:
            if request.method == "OPTIONS":
                return request.user.is_authenticated
            self.message = _("This operation has no entry in the permission table.")
            return False
        if can(request.user, action):
            return True
        if not request.user.is_authenticated:
            return False  # DRF answers 401 with the authentication challenge
        self.message = refusal(request.user, action)
        return False
