"""Posting to the ledger: ``journal_post`` (balanced, idempotent by ``source_key``),
``journal_reverse`` (a mirror entry, never an edit) and ``ensure_chart``."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal

from django.db import IntegrityError, transaction
from django.utils.translation import gettext

from ..errors import InvalidInput
from ..lending.money import CENT, MONEY_PLACES, ZERO, to_decimal
from ..money import MONEY_MAX_DIGITS
from .chart import CHART, CHART_CODES, MEMO_CODES, Acct, EntryKind
from .models import Account, JournalEntry, JournalLine

# The largest amount a MoneyField holds: 16 digits before the point.
MAX_AMOUNT = Decimal(10) ** (MONEY_MAX_DIGITS - MONEY_PLACES) - CENT


@dataclass(frozen=True)
class Line:
    """One line of a posting: an account code and an amount on exactly one side; the branch
    whose books it is in (``None``: the entry's, see ``journal_post``)."""

    account: str
    debit: Decimal = ZERO
    credit: Decimal = ZERO
    loan_id: int | None = None
    branch_id: int | None = None


def ensure_chart() -> dict[str, list[str]]:
    """Creates the accounts of ``CHART`` that are missing and brings names and sides up to date.

    Idempotent and safe to run concurrently; returns the codes it created and updated.
    """
    with transaction.atomic():
        existing = {a.code: a for a in Account.objects.filter(code__in=CHART_CODES)}
        missing = [spec for spec in CHART if spec.code not in existing]
        Account.objects.bulk_create(
            [Account(code=s.code, name=s.name, name_en=s.name_en, type=s.type, normal_side=s.side) for s in missing],
            ignore_conflicts=True,
        )
        updated = []
        for spec in CHART:
            acc = existing.get(spec.code)
            wanted = {"name": spec.name, "name_en": spec.name_en, "type": spec.type, "normal_side": spec.side}
            if acc is not None and any(getattr(acc, k) != v for k, v in wanted.items()):
                for k, v in wanted.items():
                    setattr(acc, k, v)
                acc.save(update_fields=list(wanted))
                updated.append(spec.code)
    return {"created": [s.code for s in missing], "updated": updated}


def _amount(value, where: str, errors: list[str]) -> Decimal:
    """Reads one amount; a problem goes to ``errors`` and the amount counts as zero."""
    try:
        amount = to_decimal(value)
    except (TypeError, ValueError):
        errors.append(gettext("%(where)s: %(value)r is not a decimal amount.") % {"where": where, "value": value})
        return ZERO
    if not amount.is_finite():
        errors.append(gettext("%(where)s: %(value)s is not a finite amount.") % {"where": where, "value": amount})
        return ZERO
    if amount < 0:
        errors.append(gettext("%(where)s: %(value)s is negative.") % {"where": where, "value": amount})
        return ZERO
    if amount > MAX_AMOUNT:
        errors.append(gettext("%(where)s: %(value)s is too large.") % {"where": where, "value": amount})
        return ZERO
    if amount != amount.quantize(CENT):
        errors.append(
            gettext("%(where)s: %(value)s has more than two decimal places.") % {"where": where, "value": amount}
        )
        return ZERO
    return amount.quantize(CENT)


def _clean_lines(lines, branch_id: int | None = None) -> list[Line]:
    """Checks the shape of every line; returns the non-zero ones (a line without a branch in
    ``branch_id``) or raises InvalidInput."""
    errors: list[str] = []
    cleaned: list[Line] = []
    for i, raw in enumerate(lines, start=1):
        where = gettext("line %(n)d") % {"n": i}
        try:
            line = raw if isinstance(raw, Line) else Line(*raw)
        except TypeError:
            errors.append(
                gettext("%(where)s: expected (account, debit, credit, loan_id, branch_id).") % {"where": where}
            )
            continue
        if not isinstance(line.account, str) or not line.account.strip():
            errors.append(gettext("%(where)s: the account code is missing.") % {"where": where})
        debit = _amount(line.debit, gettext("%(where)s debit") % {"where": where}, errors)
        credit = _amount(line.credit, gettext("%(where)s credit") % {"where": where}, errors)
        if debit and credit:
            errors.append(
                gettext("%(where)s: has both a debit and a credit; post them as two lines.") % {"where": where}
            )
        if line.loan_id is not None and (isinstance(line.loan_id, bool) or not isinstance(line.loan_id, int)):
            errors.append(gettext("%(where)s: loan_id must be an integer.") % {"where": where})
        if line.branch_id is not None and (isinstance(line.branch_id, bool) or not isinstance(line.branch_id, int)):
            errors.append(gettext("%(where)s: branch_id must be an integer.") % {"where": where})
        if debit or credit:
            cleaned.append(
                Line(
                    account=str(line.account).strip(),
                    debit=debit,
                    credit=credit,
                    loan_id=line.loan_id,
                    branch_id=line.branch_id if line.branch_id is not None else branch_id,
                )
            )
    if errors:
        raise InvalidInput({"lines": errors})
    return cleaned


def _check_balanced(lines: list[Line]) -> None:
    if len(lines) < 2:
        raise InvalidInput({"lines": [gettext("A posting needs at least two non-zero lines.")]})
    debits = sum((ln.debit for ln in lines), ZERO)
    credits = sum((ln.credit for ln in lines), ZERO)
    if debits != credits:
        raise InvalidInput(
            {"lines": [gettext("Debits (%(d)s) do not equal credits (%(c)s).") % {"d": debits, "c": credits}]}
        )
    memo = [ln for ln in lines if ln.account in MEMO_CODES]
    if sum((ln.debit - ln.credit for ln in memo), ZERO):
        raise InvalidInput(
            {"lines": [gettext("Off-balance (memo) lines must balance among themselves: they record, not pay.")]}
        )


def branch_nets(lines: Iterable[Line]) -> dict[int | None, Decimal]:
    """Debits minus credits of each branch's lines (``None``: the institution level)."""
    nets: dict[int | None, Decimal] = {}
    for ln in lines:
        nets[ln.branch_id] = nets.get(ln.branch_id, ZERO) + ln.debit - ln.credit
    return nets


def _balance_branches(lines: list[Line]) -> list[Line]:
    """An entry over several branches that does not balance in each gets, per branch, an
    inter-branch clearing line for the difference: every branch's books balance on their own,
    and the clearing lines, like the whole entry, sum to zero."""
    clearing = [
        Line(account=Acct.INTER_BRANCH, debit=-net if net < 0 else ZERO, credit=net if net > 0 else ZERO, branch_id=b)
        for b, net in branch_nets(lines).items()
        if net
    ]
    return lines + clearing


def _account_ids(codes: set[str]) -> dict[str, int]:
    ids = dict(Account.objects.filter(code__in=codes).values_list("code", "id"))
    if codes - ids.keys() <= CHART_CODES and codes - ids.keys():
        # A fresh (or flushed) database without the chart: create it rather than refuse.
        ensure_chart()
        ids = dict(Account.objects.filter(code__in=codes).values_list("code", "id"))
    unknown = sorted(codes - ids.keys())
    if unknown:
        raise InvalidInput({"lines": [gettext("Unknown account %(code)s.") % {"code": c} for c in unknown]})
    return ids


def _post(
    *,
    kind: str,
    business_date: date,
    lines,
    memo: str,
    reference: str,
    source_key: str | None,
    actor,
    branch_id: int | None = None,
    reverses: JournalEntry | None = None,
) -> JournalEntry | None:
    errors: dict[str, list[str]] = {}
    if kind not in EntryKind.values:
        errors["kind"] = [gettext("Unknown entry kind %(kind)r.") % {"kind": kind}]
    if not isinstance(business_date, date) or isinstance(business_date, datetime):
        errors["business_date"] = [gettext("A business date (a date, not a timestamp) is required.")]
    source_key = (source_key or "").strip() or None
    if source_key is not None and len(source_key) > 200:
        errors["source_key"] = [gettext("At most 200 characters.")]
    if len(reference or "") > 100:
        errors["reference"] = [gettext("At most 100 characters.")]
    if branch_id is not None and (isinstance(branch_id, bool) or not isinstance(branch_id, int)):
        errors["branch_id"] = [gettext("branch_id must be an integer.")]
        branch_id = None
    try:
        cleaned = _clean_lines(lines, branch_id)
    except InvalidInput as exc:
        errors.update(exc.errors)
        cleaned = []
    if errors:
        raise InvalidInput(errors)
    if not cleaned:
        return None
    _check_balanced(cleaned)
    cleaned = _balance_branches(cleaned)

    with transaction.atomic():
        if source_key is not None:
            existing = JournalEntry.objects.filter(source_key=source_key).first()
            if existing is not None:
                return _same_kind(existing, kind)
        ids = _account_ids({ln.account for ln in cleaned})
        try:
            # A savepoint, so that losing the race for the source_key leaves the caller's
            # transaction usable and we can return the winner's entry.
            with transaction.atomic():
                entry = JournalEntry.objects.create(
                    business_date=business_date,
                    kind=kind,
                    memo=memo or "",
                    reference=reference or "",
                    source_key=source_key,
                    created_by=actor if getattr(actor, "pk", None) else None,
                    reverses=reverses,
                )
        except IntegrityError:
            if source_key is None:
                raise
            existing = JournalEntry.objects.filter(source_key=source_key).first()
            if existing is None:
                raise
            return _same_kind(existing, kind)
        JournalLine.objects.bulk_create(
            [
                JournalLine(
                    entry=entry,
                    account_id=ids[ln.account],
                    debit=ln.debit,
                    credit=ln.credit,
                    loan_id=ln.loan_id,
                    branch_id=ln.branch_id,
                )
                for ln in cleaned
            ]
        )
    return entry


def _same_kind(existing: JournalEntry, kind: str) -> JournalEntry:
    if existing.kind != kind:
        raise InvalidInput(
            {
                "source_key": [
                    gettext("Already used by journal entry #%(pk)s (%(kind)s).")
                    % {"kind": existing.get_kind_display(), "pk": existing.pk}
                ]
            }
        )
    return existing


def journal_post(
    *,
    kind: str,
    business_date: date,
    lines: Iterable[Line | tuple],
    memo: str = "",
    reference: str = "",
    source_key: str | None = None,
    actor=None,
    branch_id: int | None = None,
) -> JournalEntry | None:
    """Posts one balanced entry and returns it.

    ``lines`` are ``Line`` objects or ``(account_code, debit, credit[, loan_id[, branch_id]])``
    tuples; a line without a branch is in ``branch_id``'s books (a loan's postings pass the
    loan's branch; ``None`` is the institution level). An entry balances per branch: when its
    lines are in several branches and do not balance in each, inter-branch clearing lines
    (``Acct.INTER_BRANCH``) are added so that they do.

    Amounts are Decimals (or strings/ints; floats are refused) with at most two places, not
    negative, on one side per line. Zero lines are dropped, and when nothing but zero lines
    remains there is nothing to post: the result is ``None`` and nothing is written (so a
    repayment that allocates nothing to interest need not special-case it).

    With ``source_key`` the posting is idempotent: if an entry with that key exists (posted
    earlier, or concurrently by another transaction) that entry is returned and nothing new
    is written; a key already used by an entry of another ``kind`` is refused.

    Raises ``InvalidInput`` naming ``lines`` (or ``kind``, ``business_date``, ``source_key``)
    and writes nothing when the posting is malformed or does not balance.
    """
    return _post(
        kind=kind,
        business_date=business_date,
        lines=list(lines),
        memo=memo,
        reference=reference,
        source_key=source_key,
        actor=actor,
        branch_id=branch_id,
    )


def journal_reverse(*, entry: JournalEntry, actor, business_date: date, memo: str = "") -> JournalEntry:
    """Posts the mirror of ``entry`` (debits and credits swapped) on ``business_date``.

    Idempotent: an entry is reversed at most once; reversing it again returns the reversal.
    """
    if (
        isinstance(business_date, date)
        and not isinstance(business_date, datetime)
        and business_date < entry.business_date
    ):
        raise InvalidInput(
            {
                "business_date": [
                    gettext("A reversal cannot be dated before the entry it reverses (%(date)s).")
                    % {"date": entry.business_date}
                ]
            }
        )
    mirror = [
        Line(account=code, debit=credit, credit=debit, loan_id=loan_id, branch_id=branch_id)
        for code, debit, credit, loan_id, branch_id in entry.lines.order_by("id").values_list(
            "account__code", "debit", "credit", "loan_id", "branch_id"
        )
    ]
    reversal = _post(
        kind=EntryKind.REVERSAL,
        business_date=business_date,
        lines=mirror,
        memo=memo or gettext("Reversal of entry #%(pk)s") % {"pk": entry.pk},
        reference=entry.reference,
        source_key=f"reversal:{entry.pk}",
        actor=actor,
        reverses=entry,
    )
    assert reversal is not None  # an entry has two non-zero lines at least, and so has its mirror
    return reversal
