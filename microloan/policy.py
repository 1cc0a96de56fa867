# Long module: one typed section per area, the one reader and the overrides merged over the
# settings: the whole installation policy readable in one place (each section is short).
"""The installation's policy: every threshold, rate and deadline an installation may change
without code, typed, with its default and its validation, read by one reader.

Settings (each a dict; a key missing there takes the default below):

- ``UNDERWRITING``: the APR cap, the per-borrower exposure cap, the credit committee's size,
  the approval SLA;
- ``COLLECTION``: the five-tier classification by days past due, the provision rates, the
  penalty day basis, the non-accrual threshold (``NON_ACCRUAL_OVER_DAYS``,
  ``NON_ACCRUAL_CLASS``), the close's chunk size, the escalation ladder (``ESCALATION_STEPS``)
  and the conduct rules for contacting borrowers (``CONDUCT``, a dict of its own);
- ``CUSTOMER_CARE``: complaint SLAs, business days, follow-up visits, periodic credit reviews;
- ``DOCUMENTS``: upload quotas (per application, per uploader and day) and the largest image;
- ``SERVICING``: how much a repayment may exceed what the loan can take
  (``OVERPAYMENT_TOLERANCE``), how many days before a due date the reminder goes
  (``REMINDER_DAYS_BEFORE``);
- ``PRIVACY``: how long a rejected or withdrawn applicant's personal data is kept
  (``RETENTION_DAYS``) and how many borrowers one anonymisation statement takes (``CHUNK``).

``policy()`` is the reader: ``policy().underwriting.apr_cap``, ``policy().collection.conduct
.max_dial_attempts``, ``policy().care.holidays``. It reads the settings once and again only
when one of them changes (tests override them), and merges over them the overrides that
applied configuration changes wrote (``microloan.config``, kind ``policy``: proposed by one
administrator, applied by another), re-read every ``POLICY_RECHECK_SECONDS``; a value of the wrong kind or out of range
raises ``ImproperlyConfigured`` naming the setting and the key, and ``manage.py check``
reports it before the first request does. The kernel imports no app, so the areas' names for
the classes (normal ... loss) are plain strings here, in the order the close ranks them.

Why the defaults:

- APR cap 24%: the all-in annual cost above which regulators act on small-loan companies'
  new loans. Exposure cap 200,000.00: the most one borrower may owe this lender across
  approved and outstanding loans (underwriting/limits.py says what counts).
- Classification (after the 2023 risk-classification rules): any overdue -> at least special
  mention; a class applies when DPD is OVER its number. Provisions per class as a fraction
  of outstanding principal. Penalty interest: daily rate = annual penalty rate / 360.
- Non-accrual over 90 days past due or substandard and worse: interest more than 90 days
  overdue is no longer recognised as income (the 90-day rule for 表外 interest).
- Chunk: loans per transaction (and per Celery task) of the close; 5,000 keeps a chunk's
  transaction well under a second at the benchmark's mix, whatever the portfolio.
- Conduct: no contact 22:00-08:00 local time, at most 3 connected calls and 6 dial attempts
  a day per borrower across staff.
- Customer care: a complaint is acknowledged by the end of the next business day and
  resolved within 15 calendar days (the regulator's rules for consumer complaints, 2020,
  give 15 days for the decision); a post-disbursement check 30 days after disbursement, for
  loans disbursed in the last 90 days (switching it on does not flood officers with an old
  book); a follow-up 3 days after a resolved complaint; a periodic credit review every 6
  months, every 3 after a review recommending closer watch, 15 days to complete it; the
  worklist shows what falls due within 7 days.
- Documents: an application holds at most 40 documents and 200 MiB (a product asks for up to
  seven kinds; re-uploads after a rejection and collateral papers fit many times over); one
  person uploads at most 200 documents a calendar day (local time) across all applications,
  ten times what a busy officer's day brings, so a stolen login or a runaway client cannot
  fill the storage; every stored upload counts, whatever its review. An image may declare
  at most 60 million pixels (a 48-megapixel phone photo is 8000 × 6000), so a small file
  cannot claim a picture that takes gigabytes to decode.
- Overpayment tolerance 1,000.00: a repayment may exceed the loan's payoff on its date (all
  that the loan can take then) by at most this much, held as the borrower's credit and paid
  back; a counter rounding up or a channel's surplus fits, a misplaced digit or a nonsense
  amount (9,999,999,999,999,999.99) does not, and no credit the lender owes grows unchecked.
- Privacy: a borrower who never had a loan, all of whose applications were rejected or
  withdrawn, is anonymised 1,095 days (three years) after the last decision: PIPL art. 19 asks
  for the shortest period the purpose needs; three years covers the limitation period for a
  claim (Civil Code art. 188) and a complaint or dispute about the refusal. 1,000 borrowers per
  chunk: one UPDATE of each table per chunk, short locks whatever the backlog.
"""

from __future__ import annotations

import dataclasses
import functools
import json
import logging
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, time
from decimal import Decimal, InvalidOperation
from types import MappingProxyType
from typing import TYPE_CHECKING, Any, TypeVar

from django.conf import settings
from django.core import checks
from django.core.exceptions import ImproperlyConfigured
from django.core.signals import setting_changed
from django.dispatch import receiver

# The five tiers, best first (servicing.models.Classification's values, in rank order).
CLASS_ORDER = ("normal", "special_mention", "substandard", "doubtful", "loss")
SETTINGS = ("UNDERWRITING", "COLLECTION", "CUSTOMER_CARE", "DOCUMENTS", "SERVICING", "PRIVACY")
if TYPE_CHECKING:
    from _typeshed import DataclassInstance
T = TypeVar("T", bound="DataclassInstance")
log = logging.getLogger(__name__)


def _frozen(mapping: Mapping) -> Mapping:
    return MappingProxyType(dict(mapping))


@dataclass(frozen=True)
class UnderwritingPolicy:
    apr_cap: Decimal = Decimal("0.24")
    exposure_cap: Decimal = Decimal("200000.00")
    committee_size: int = 3
    approval_sla_hours: int = 48

    def check(self) -> list[tuple[str, str]]:
        return [
            (k, why)
            for k, ok, why in (
                ("APR_CAP", Decimal("0") < self.apr_cap <= Decimal("1"), "a fraction above 0 and at most 1"),
                ("EXPOSURE_CAP", self.exposure_cap > 0, "an amount above 0"),
                ("COMMITTEE_SIZE", self.committee_size >= 1, "at least 1"),
                ("APPROVAL_SLA_HOURS", self.approval_sla_hours >= 1, "at least 1"),
            )
            if not ok
        ]


@dataclass(frozen=True)
class ConductPolicy:
    contact_start: time = time(8, 0)
    contact_end: time = time(22, 0)
    max_connected_calls: int = 3
    max_dial_attempts: int = 6

    def check(self) -> list[tuple[str, str]]:
        return [
            (k, why)
            for k, ok, why in (
                ("CONDUCT.CONTACT_END", self.contact_start < self.contact_end, "later than CONTACT_START"),
                ("CONDUCT.MAX_CONNECTED_CALLS", self.max_connected_calls >= 0, "0 or more"),
                (
                    "CONDUCT.MAX_DIAL_ATTEMPTS",
                    self.max_dial_attempts >= self.max_connected_calls,
                    "at least MAX_CONNECTED_CALLS",
                ),
            )
            if not ok
        ]


@dataclass(frozen=True)
class CollectionPolicy:
    classification_over_days: Mapping[str, int] = field(
        default_factory=lambda: _frozen({"special_mention": 0, "substandard": 90, "doubtful": 270, "loss": 360})
    )
    provision_rates: Mapping[str, Decimal] = field(
        default_factory=lambda: _frozen(
            {
                "normal": Decimal("0.01"),
                "special_mention": Decimal("0.02"),
                "substandard": Decimal("0.25"),
                "doubtful": Decimal("0.50"),
                "loss": Decimal("1.00"),
            }
        )
    )
    penalty_day_basis: int = 360
    # Non-accrual (停止计息): a loan more than this many days past due, or classified this class
    # or worse, stops accruing; its earned and unpaid interest and penalty go off balance.
    non_accrual_over_days: int = 90
    non_accrual_class: str = "substandard"
    chunk_size: int = 5000
    # (step, on the case's nth overdue day), in the order the ladder takes them.
    escalation_steps: tuple[tuple[str, int], ...] = (
        ("overdue_notice", 1),
        ("officer_call", 3),
        ("field_visit", 15),
        ("branch_manager", 30),
        ("legal_review", 90),
    )
    conduct: ConductPolicy = field(default_factory=ConductPolicy)

    def check(self) -> list[tuple[str, str]]:
        over = [self.classification_over_days[c] for c in CLASS_ORDER[1:]]
        days = [d for _s, d in self.escalation_steps]
        return [
            (k, why)
            for k, ok, why in (
                (
                    "CLASSIFICATION_OVER_DAYS",
                    set(self.classification_over_days) == set(CLASS_ORDER[1:])
                    and over == sorted(over)
                    and over[0] >= 0,
                    "0 or more days per class, not decreasing by class",
                ),
                (
                    "PROVISION_RATES",
                    set(self.provision_rates) == set(CLASS_ORDER)
                    and all(Decimal(0) <= r <= 1 for r in self.provision_rates.values()),
                    "a fraction 0..1 per class",
                ),
                ("PENALTY_DAY_BASIS", self.penalty_day_basis in (360, 365), "360 or 365"),
                ("NON_ACCRUAL_OVER_DAYS", self.non_accrual_over_days >= 0, "0 or more"),
                ("NON_ACCRUAL_CLASS", self.non_accrual_class in CLASS_ORDER, "one of the classes"),
                ("CHUNK_SIZE", self.chunk_size >= 1, "at least 1"),
                (
                    "ESCALATION_STEPS",
                    days == sorted(days)
                    and all(d >= 1 for d in days)
                    and len({s for s, _d in self.escalation_steps}) == len(days),
                    "distinct steps on increasing days ≥ 1",
                ),
            )
            if not ok
        ] + self.conduct.check()


@dataclass(frozen=True)
class CarePolicy:
    complaint_ack_business_days: int = 1
    complaint_resolve_days: int = 15
    # Dates that are not business days besides Saturdays and Sundays (ISO strings in settings).
    holidays: frozenset[date] = frozenset()
    # Weekend days that are working days (调休 makeup days).
    working_weekends: frozenset[date] = frozenset()
    post_disbursement_visit_days: int = 30
    post_disbursement_lookback_days: int = 90
    complaint_follow_up_days: int = 3
    review_interval_months: int = 6
    watch_review_interval_months: int = 3
    review_due_days: int = 15
    due_soon_days: int = 7

    def check(self) -> list[tuple[str, str]]:
        ints = {f.name: getattr(self, f.name) for f in dataclasses.fields(self) if f.type == "int"}
        problems = [(k.upper(), "0 or more") for k, v in ints.items() if v < 0]
        if self.review_interval_months < 1 or self.watch_review_interval_months < 1:
            problems.append(("REVIEW_INTERVAL_MONTHS", "at least 1 month (and WATCH_REVIEW_INTERVAL_MONTHS)"))
        if any(d.weekday() < 5 for d in self.working_weekends):
            problems.append(("WORKING_WEEKENDS", "Saturdays or Sundays only"))
        return problems


@dataclass(frozen=True)
class DocumentsPolicy:
    max_per_application: int = 40
    max_bytes_per_application: int = 200 * 1024 * 1024
    max_per_uploader_per_day: int = 200
    max_image_pixels: int = 60_000_000

    def check(self) -> list[tuple[str, str]]:
        return [(f.name.upper(), "at least 1") for f in dataclasses.fields(self) if getattr(self, f.name) < 1]


@dataclass(frozen=True)
class ServicingPolicy:
    overpayment_tolerance: Decimal = Decimal("1000.00")
    # Repayment reminders go this many days before a due date (and on it): servicing/reminders.py.
    reminder_days_before: int = 3

    def check(self) -> list[tuple[str, str]]:
        return [
            (k, why)
            for k, ok, why in (
                ("OVERPAYMENT_TOLERANCE", self.overpayment_tolerance >= 0, "an amount of 0 or more"),
                ("REMINDER_DAYS_BEFORE", 1 <= self.reminder_days_before <= 30, "1 to 30 days"),
            )
            if not ok
        ]


@dataclass(frozen=True)
class PrivacyPolicy:
    retention_days: int = 1095
    chunk: int = 1000

    def check(self) -> list[tuple[str, str]]:
        return [(f.name.upper(), "at least 1") for f in dataclasses.fields(self) if getattr(self, f.name) < 1]


@dataclass(frozen=True)
class Policy:
    underwriting: UnderwritingPolicy
    collection: CollectionPolicy
    care: CarePolicy
    documents: DocumentsPolicy = field(default_factory=DocumentsPolicy)
    servicing: ServicingPolicy = field(default_factory=ServicingPolicy)
    privacy: PrivacyPolicy = field(default_factory=PrivacyPolicy)


# --- reading ---------------------------------------------------------------------------


def _convert(kind: str, value: Any, default: Any) -> Any:  # noqa: PLR0911 - one branch per type
    """One setting value as the field's type (``kind`` is its annotation, a string under
    ``from __future__ import annotations``)."""
    if kind == "int":
        if isinstance(value, bool) or (isinstance(value, float) and not value.is_integer()):
            raise ValueError
        return int(value)
    if kind == "str":
        if not isinstance(value, str):
            raise ValueError
        return value
    if kind == "Decimal":
        number = Decimal(str(value))
        if not number.is_finite():
            raise ValueError
        return number
    if kind == "time":
        return value if isinstance(value, time) else time.fromisoformat(str(value))
    if kind == "frozenset[date]":
        if isinstance(value, (str, bytes)):
            raise ValueError
        return frozenset(d if isinstance(d, date) else date.fromisoformat(str(d)) for d in (value or ()))
    if kind == "Mapping[str, int]":
        return _frozen({**default, **{str(k): _convert("int", v, None) for k, v in dict(value or {}).items()}})
    if kind == "Mapping[str, Decimal]":
        return _frozen({**default, **{str(k): _convert("Decimal", v, None) for k, v in dict(value or {}).items()}})
    if kind == "tuple[tuple[str, int], ...]":
        if not value:
            return default
        return tuple((str(s), _convert("int", d, None)) for s, d in value)
    raise TypeError(kind)


def _read(cls: type[T], setting: str, configured: Mapping, prefix: str = "") -> T:
    if not isinstance(configured, Mapping):
        raise ImproperlyConfigured(f"settings.{setting}{prefix and '[' + prefix + ']'} must be a dict.")
    names = {f.name.upper(): f for f in dataclasses.fields(cls)}
    unknown = sorted(set(configured) - set(names))
    if unknown:
        raise ImproperlyConfigured(f"settings.{setting}: unknown key(s) {', '.join(prefix + k for k in unknown)}.")
    values = {}
    defaults = cls()
    for key, f in names.items():
        default = getattr(defaults, f.name)
        if dataclasses.is_dataclass(default):
            area: Any = type(default)  # a nested area (CONDUCT)
            values[f.name] = _read(area, setting, configured.get(key) or {}, prefix=f"{key}.")
        elif key in configured:
            try:
                values[f.name] = _convert(str(f.type), configured[key], default)
            except (TypeError, ValueError, ArithmeticError, InvalidOperation):
                raise ImproperlyConfigured(
                    f"settings.{setting}[{prefix}{key}]: {configured[key]!r} is not a valid {f.type}."
                ) from None
    return cls(**values)


AREAS: dict[str, type] = {
    "UNDERWRITING": UnderwritingPolicy,
    "COLLECTION": CollectionPolicy,
    "CUSTOMER_CARE": CarePolicy,
    "DOCUMENTS": DocumentsPolicy,
    "SERVICING": ServicingPolicy,
    "PRIVACY": PrivacyPolicy,
}


def with_override(configured: Mapping[str, Any], key: str, value: Any) -> dict:
    """A setting's dict with ``key`` set to ``value`` (``CONDUCT.MAX_DIAL_ATTEMPTS``: nested)."""
    out = dict(configured)
    head, _dot, rest = key.partition(".")
    out[head] = with_override(out.get(head) or {}, rest, value) if rest else value
    return out


@functools.cache
def policy_from(overrides: tuple[tuple[str, str, str], ...] = ()) -> Policy:
    """The policy the settings give, each override ``(setting, key, value as JSON)`` merged
    over them and read by the same typed reader (cached per set of overrides)."""
    configured = {name: dict(getattr(settings, name, {}) or {}) for name in SETTINGS}
    for setting, key, value in overrides:
        configured[setting] = with_override(configured[setting], key, json.loads(value))
    read = Policy(
        underwriting=_read(UnderwritingPolicy, "UNDERWRITING", configured["UNDERWRITING"]),
        collection=_read(CollectionPolicy, "COLLECTION", configured["COLLECTION"]),
        care=_read(CarePolicy, "CUSTOMER_CARE", configured["CUSTOMER_CARE"]),
        documents=_read(DocumentsPolicy, "DOCUMENTS", configured["DOCUMENTS"]),
        servicing=_read(ServicingPolicy, "SERVICING", configured["SERVICING"]),
        privacy=_read(PrivacyPolicy, "PRIVACY", configured["PRIVACY"]),
    )
    Area = UnderwritingPolicy | CollectionPolicy | CarePolicy | DocumentsPolicy | ServicingPolicy | PrivacyPolicy
    areas: list[tuple[str, Area]] = list(
        zip(
            SETTINGS,
            (read.underwriting, read.collection, read.care, read.documents, read.servicing, read.privacy),
            strict=True,
        )
    )
    problems = [(setting, key, why) for setting, area in areas for key, why in area.check()]
    if problems:
        raise ImproperlyConfigured("; ".join(f"settings.{s}[{k}] must be {why}" for s, k, why in problems))
    return read


def policy() -> Policy:
    """The policy now: the settings with the applied overrides (``microloan.config``:
    ``PolicyOverride`` rows, re-read every ``POLICY_RECHECK_SECONDS``) merged over them. An
    override the settings have since made invalid is ignored, with an error in the log,
    rather than stopping every reader."""
    from .config.overrides import current_overrides

    overrides = current_overrides()
    if not overrides:
        return policy_from()
    try:
        return policy_from(overrides)
    except ImproperlyConfigured:
        log.exception("The policy overrides no longer fit the settings; the settings alone apply.")
        return policy_from()


policy.cache_clear = policy_from.cache_clear  # type: ignore[attr-defined]  # for callers of the old cached policy()


def policy_value(read: Policy, setting: str, key: str) -> Any:
    """One value of ``read`` by its setting and key (``COLLECTION``, ``CONDUCT.MAX_DIAL_ATTEMPTS``)."""
    area_name = {"CUSTOMER_CARE": "care"}.get(setting, setting.lower())
    value: Any = getattr(read, area_name)
    for part in key.split("."):
        value = getattr(value, part.lower())
    return value


def policy_keys() -> list[tuple[str, str]]:
    """Every (setting, key) an installation may set, nested areas' keys dotted."""

    def keys(cls, prefix=""):
        for f in dataclasses.fields(cls):
            default = getattr(cls(), f.name)
            if dataclasses.is_dataclass(default):
                yield from keys(type(default), f"{prefix}{f.name.upper()}.")
            else:
                yield f"{prefix}{f.name.upper()}"

    return [(setting, key) for setting, cls in AREAS.items() for key in keys(cls)]


@receiver(setting_changed)
def _forget(*, setting, **kwargs):
    if setting in SETTINGS:
        policy_from.cache_clear()


@checks.register(checks.Tags.compatibility)
def policy_check(app_configs=None, **kwargs):
    """``manage.py check`` (and every server start) reports a bad policy setting."""
    try:
        policy_from()  # the settings alone: the overrides were checked when applied
    except ImproperlyConfigured as exc:
        return [checks.Error(str(exc), id="microloan.E001")]
    return []
