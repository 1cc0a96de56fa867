"""The SQL of the close's interest accrual and non-accrual moves (servicing.accrual's rules).

Accrual (``accrue``): per loan of the chunk, the period in progress is the first current,
unpaid instalment due on or after the business date; its start the due date before it (one
probe of ``servicing_inst_current_due``) or the disbursement. Its recognised interest moves
to ``ROUND(interest × elapsed / days, 2)`` (never beyond what is not waived; instalments
overdue and not fully recognised, e.g. on a book's first close, catch up in full), and the
difference is the day's accrual: cumulative to date rounded less what was recognised, so a
period sums exactly to its interest. The instalments, the loans' sub-ledger
(``interest_accrued``, or ``interest_suspended`` in non-accrual) and the journal move in one
statement on PostgreSQL (data-modifying CTEs), three on SQLite; the journal gets one line
per branch, product and account (Dr 1132 / Cr 5011, or Dr 7011 / Cr 7099 off balance), never
one per loan. Idempotent: a second run finds every target reached.

Moves (``moves``): loans past the policy's threshold stop accruing (Dr 5011 Cr 1132 for the
accrued interest, Dr 5012 Cr 1133 for the penalty outstanding, and the same amounts on memo
7011 / 7012 against 7099); a non-accruing loan that is current again accrues again (the
mirror: back into income); a loan no longer live with interest left accrued releases it.
One ``AccrualMove`` per loan and date (ON CONFLICT: once), booked per branch and product.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache

from microloan.ledger import JournalLine
from servicing.models import AccrualMove, AccrualMoveKind, AccrualStatus, Classification

from .close_sql import CLOSABLE, DIALECTS, INST, LOAN, PAID, PostgresDialect, Table, lit

MOVE, LINE = Table(AccrualMove), Table(JournalLine)
NON, ACC = lit(AccrualStatus.NON_ACCRUAL), lit(AccrualStatus.ACCRUING)
RANK = "CASE {col} " + " ".join(f"WHEN {lit(k)} THEN {n}" for n, k in enumerate(Classification)) + " END"


def _days(db: PostgresDialect, later: str, earlier: str) -> str:
    if db.vendor == "sqlite":
        return f"CAST(julianday({later}) - julianday({earlier}) AS INTEGER)"
    return f"({later} - {earlier})"


def _least(db: PostgresDialect, a: str, b: str) -> str:
    return f"MIN({a}, {b})" if db.vendor == "sqlite" else f"LEAST({a}, {b})"


def _greatest(db: PostgresDialect, a: str, b: str) -> str:
    return f"MAX({a}, {b})" if db.vendor == "sqlite" else f"GREATEST({a}, {b})"


def _targets(db: PostgresDialect) -> str:
    """CTEs ending in ``dl``: (id, loan_id, target, delta) per instalment that recognises more
    interest today."""
    i, p, l = INST.alias("i"), INST.alias("p"), LOAN.alias("l")  # noqa: E741
    d = "CAST(%(d)s AS date)" if db.vendor != "sqlite" else "%(d)s"
    cap = f"({i.interest_due} - {i.interest_waived})"
    elapsed = _greatest(db, _days(db, d, "o.start"), "0")
    days = _days(db, "o.due_date", "o.start")
    earned = db.round_half_up(f"o.interest_due * {elapsed} / {days}")
    # Each step once, in this order (PostgreSQL would otherwise inline them, repeating the
    # period-start probe per use and hashing every instalment to find the periods).
    m = "" if db.vendor == "sqlite" else "MATERIALIZED "
    return f"""
    nxt AS {m}(
        SELECT {l.id} AS loan_id, {l.disbursed_on} AS disbursed_on, {l.schedule_version} AS version,
               (SELECT {i.id} FROM {INST} i
                WHERE {i.loan} = {l.id} AND {i.is_current} AND {i.status} <> {PAID} AND {i.due_date} >= %(d)s
                ORDER BY {i.due_date}, {i.number} LIMIT 1) AS inst_id
        FROM {LOAN} l
        WHERE {l.id} BETWEEN %(lo)s AND %(hi)s AND {l.status} IN {CLOSABLE}
    ), o AS {m}(
        SELECT {i.id} AS id, {i.loan} AS loan_id, {i.interest_due} AS interest_due, {cap} AS cap,
               {i.interest_accrued} AS old, {i.due_date} AS due_date,
               COALESCE((SELECT MAX({p.due_date}) FROM {INST} p
                         WHERE {p.loan} = {i.loan} AND {p.is_current} AND {p.due_date} < {i.due_date}),
                        nxt.disbursed_on) AS start
        FROM nxt JOIN {INST} i ON {i.id} = nxt.inst_id
        WHERE {i.schedule_version} = nxt.version AND {i.interest_accrued} < {cap}
    ), t AS (
        SELECT o.id, o.loan_id, o.old,
               {_least(db, f"CASE WHEN {days} <= 0 THEN o.cap ELSE {earned} END", "o.cap")} AS target
        FROM o
        UNION ALL
        SELECT {i.id}, {i.loan}, {i.interest_accrued}, {cap}
        FROM {INST} i JOIN {LOAN} l ON {l.id} = {i.loan}
        WHERE {l.id} BETWEEN %(lo)s AND %(hi)s AND {l.status} IN {CLOSABLE}
          AND {i.loan} BETWEEN %(lo)s AND %(hi)s AND {i.is_current} AND {i.status} <> {PAID}
          AND {i.due_date} < %(d)s AND {i.schedule_version} = {l.schedule_version} AND {i.interest_accrued} < {cap}
    ), dl AS (
        SELECT id, loan_id, target, {db.cents("target - old")} AS delta FROM t WHERE target > old
    )"""


def _grouped_lines(source: str, *, status: str, amount: str) -> str:
    """Dr receivable / Cr income (or memo 7011 / 7099 in non-accrual) per branch and product
    of ``source`` (rows with branch_id, product_id, ``status``, ``amount``)."""
    non = f"{status} = {NON}"
    return f"""
    SELECT %(entry)s, CASE WHEN {non} THEN %(memo_interest)s ELSE %(interest_receivable)s END,
           SUM({amount}), 0, branch_id, product_id
    FROM {source} GROUP BY branch_id, product_id, {status}
    UNION ALL
    SELECT %(entry)s, CASE WHEN {non} THEN %(memo_contra)s ELSE %(interest_income)s END,
           0, SUM({amount}), branch_id, product_id
    FROM {source} GROUP BY branch_id, product_id, {status}
    """


LINE_COLUMNS = f"({LINE.entry}, {LINE.account}, {LINE.debit}, {LINE.credit}, {LINE.branch}, {LINE.product_id})"


def _loan_sets(amount: str) -> str:
    """The loan's sub-ledger grows by ``amount``: on balance, or off it in non-accrual."""
    return (
        f"{LOAN.interest_accrued} = CASE WHEN {LOAN.accrual_status} = {NON} THEN {LOAN.interest_accrued} "
        f"ELSE {LOAN.interest_accrued} + {amount} END, "
        f"{LOAN.interest_suspended} = CASE WHEN {LOAN.accrual_status} = {NON} "
        f"THEN {LOAN.interest_suspended} + {amount} ELSE {LOAN.interest_suspended} END, {LOAN.business_date} = %(d)s"
    )


def _accrue_postgres(db: PostgresDialect) -> list[str]:
    l = LOAN.alias("l")  # noqa: E741
    return [
        f"""
    WITH {_targets(db)},
    inst AS (
        UPDATE {INST} AS i SET {INST.interest_accrued} = dl.target FROM dl WHERE {INST.alias("i").id} = dl.id
        RETURNING {INST.alias("i").id}
    ), per_loan AS (
        SELECT loan_id, SUM(delta) AS delta FROM dl GROUP BY loan_id
    ), moved AS (
        UPDATE {LOAN} AS l SET {_loan_sets("pl.delta")}
        FROM per_loan pl WHERE {l.id} = pl.loan_id AND {l.id} BETWEEN %(lo)s AND %(hi)s
        RETURNING {l.branch} AS branch_id, {l.product} AS product_id, {l.accrual_status} AS status, pl.delta AS delta
    )
    INSERT INTO {LINE} {LINE_COLUMNS}
    {_grouped_lines("moved", status="status", amount="delta")}
    """
    ]


def _accrue_sqlite(db: PostgresDialect) -> list[str]:
    """The same in three statements (SQLite has no data-modifying CTE): the lines and the loans
    read the instalments before the last statement moves them."""
    l = LOAN.alias("l")  # noqa: E741
    per_loan = "per_loan AS (SELECT loan_id, SUM(delta) AS delta FROM dl GROUP BY loan_id)"
    return [
        f"""
    WITH {_targets(db)}, {per_loan}, moved AS (
        SELECT {l.branch} AS branch_id, {l.product} AS product_id, {l.accrual_status} AS status, pl.delta AS delta
        FROM per_loan pl JOIN {LOAN} l ON {l.id} = pl.loan_id
    )
    INSERT INTO {LINE} {LINE_COLUMNS}
    {_grouped_lines("moved", status="status", amount="delta")}
    """,
        f"""
    WITH {_targets(db)}, {per_loan}
    UPDATE {LOAN} SET {_loan_sets("(SELECT pl.delta FROM per_loan pl WHERE pl.loan_id = " + LOAN.id + ")")}
    WHERE {LOAN.id} IN (SELECT loan_id FROM per_loan)
    """,
        f"""
    WITH {_targets(db)}
    UPDATE {INST} SET {INST.interest_accrued} = (SELECT dl.target FROM dl WHERE dl.id = {INST}.{INST.id})
    WHERE {INST.id} IN (SELECT id FROM dl)
    """,
    ]


# --- moves --------------------------------------------------------------------------------------

K_NON, K_ACC, K_REL = (lit(k) for k in AccrualMoveKind)

# (kind, amount column, debit account, credit account) of each pair of lines a move books.
LEGS = (
    (K_NON, "interest_on", "interest_income", "interest_receivable"),
    (K_NON, "penalty", "penalty_income", "penalty_receivable"),
    (K_NON, "interest_on", "memo_interest", "memo_contra"),
    (K_NON, "penalty", "memo_penalty", "memo_contra"),
    (K_ACC, "interest_off", "interest_receivable", "interest_income"),
    (K_ACC, "penalty", "penalty_receivable", "penalty_income"),
    (K_ACC, "interest_off", "memo_contra", "memo_interest"),
    (K_ACC, "penalty", "memo_contra", "memo_penalty"),
    (K_REL, "interest_on", "interest_income", "interest_receivable"),
    (K_REL, "interest_off", "memo_contra", "memo_interest"),
)


def _record_moves(db: PostgresDialect) -> str:
    l, m = LOAN.alias("l"), MOVE  # noqa: E741
    due = f"({l.days_past_due} > %(na_days)s OR {RANK.format(col=l.classification)} >= %(na_rank)s)"
    kind = (
        f"CASE WHEN {l.status} NOT IN {CLOSABLE} THEN {K_REL} "
        f"WHEN {l.accrual_status} = {ACC} THEN {K_NON} ELSE {K_ACC} END"
    )
    return f"""
    WITH mv AS (
        SELECT {l.id} AS loan_id, {kind} AS kind, {l.interest_accrued} AS interest_accrued,
               {l.interest_suspended} AS interest_suspended, {l.penalty_outstanding} AS penalty
        FROM {LOAN} l
        WHERE {l.id} BETWEEN %(lo)s AND %(hi)s AND (
            ({l.status} IN {CLOSABLE} AND {l.accrual_status} = {ACC} AND {due})
            OR ({l.status} IN {CLOSABLE} AND {l.accrual_status} = {NON} AND NOT {due} AND {l.days_past_due} = 0)
            OR ({l.status} NOT IN {CLOSABLE} AND ({l.interest_accrued} <> 0 OR {l.interest_suspended} <> 0)))
    )
    INSERT INTO {MOVE} ({m.loan}, {m.business_date}, {m.kind}, {m.interest_on}, {m.interest_off}, {m.penalty},
                        {m.entry})
    SELECT loan_id, %(d)s, kind,
           CASE WHEN kind = {K_ACC} THEN 0 ELSE interest_accrued END,
           CASE WHEN kind = {K_NON} THEN 0 ELSE interest_suspended END,
           CASE WHEN kind = {K_REL} THEN 0 ELSE penalty END, %(entry)s
    FROM mv WHERE 1 = 1
    ON CONFLICT ({m.business_date}, {m.loan}) DO NOTHING
    """


def _move_lines(db: PostgresDialect) -> str:
    m, l = MOVE.alias("m"), LOAN.alias("l")  # noqa: E741
    source = (
        f"{MOVE} m JOIN {LOAN} l ON {l.id} = {m.loan} AND {l.id} BETWEEN %(lo)s AND %(hi)s WHERE {m.entry} = %(entry)s"
    )
    parts = []
    for kind, column, debit, credit in LEGS:
        amount = f"SUM(m.{getattr(MOVE, column)})"
        for account, dr in ((debit, True), (credit, False)):
            sides = f"{db.cents(amount)}, 0" if dr else f"0, {db.cents(amount)}"
            parts.append(
                f"SELECT %(entry)s, %({account})s, {sides}, {l.branch}, {l.product} FROM {source} "
                f"AND {m.kind} = {kind} GROUP BY {l.branch}, {l.product} HAVING {amount} > 0"
            )
    return f"INSERT INTO {LINE} {LINE_COLUMNS}\n" + "\nUNION ALL\n".join(parts)


def _apply_moves() -> str:
    m = MOVE
    mine = f"FROM {MOVE} WHERE {m.entry} = %(entry)s AND {m.loan} = {LOAN}.{LOAN.id}"
    kind, on, off = (
        f"(SELECT {m.kind} {mine})",
        f"(SELECT {m.interest_on} {mine})",
        f"(SELECT {m.interest_off} {mine})",
    )
    return f"""
    UPDATE {LOAN} SET
        {LOAN.accrual_status} = CASE {kind} WHEN {K_NON} THEN {NON} WHEN {K_ACC} THEN {ACC}
                                ELSE {LOAN.accrual_status} END,
        {LOAN.interest_accrued} = CASE {kind} WHEN {K_ACC} THEN {LOAN.interest_accrued} + {off}
                                  ELSE {LOAN.interest_accrued} - {on} END,
        {LOAN.interest_suspended} = CASE {kind} WHEN {K_NON} THEN {LOAN.interest_suspended} + {on}
                                    ELSE {LOAN.interest_suspended} - {off} END
    WHERE {LOAN.id} BETWEEN %(lo)s AND %(hi)s AND {LOAN.id} IN (SELECT {m.loan} FROM {MOVE} WHERE {m.entry} = %(entry)s)
    """


def _moves_done() -> str:
    m = MOVE
    return (
        f"SELECT {m.loan}, {m.kind}, {m.interest_on}, {m.interest_off}, {m.penalty} FROM {MOVE} "
        f"WHERE {m.entry} = %(entry)s ORDER BY {m.loan}"
    )


@dataclass(frozen=True)
class AccrualSQL:
    accrue: list[str]  # the first statement writes the journal lines (its row count decides the entry)
    record_moves: str
    move_lines: str
    apply_moves: str
    moves_done: str
    loans_closed: str


@cache
def accrual_sql(vendor: str) -> AccrualSQL:
    db = DIALECTS[vendor]
    return AccrualSQL(
        accrue=_accrue_sqlite(db) if vendor == "sqlite" else _accrue_postgres(db),
        record_moves=_record_moves(db),
        move_lines=_move_lines(db),
        apply_moves=_apply_moves(),
        moves_done=_moves_done(),
        loans_closed=(
            f"SELECT COUNT(*) FROM {LOAN} WHERE {LOAN.id} BETWEEN %(lo)s AND %(hi)s AND {LOAN.business_date} = %(d)s"
        ),
    )


def accrual_params(policy) -> dict:
    """The bind parameters the statements take from the policy."""
    from servicing.accrual import class_rank

    return {"na_days": int(policy.non_accrual_over_days), "na_rank": class_rank(policy.non_accrual_class)}
