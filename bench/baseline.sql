-- The hand-written baseline: the minimal set-based close of one business date in plain SQL
-- (instalment status, days past due, bucket, penalty, the day's interest accrual with its
-- aggregated journal lines, the non-accrual flip), over the whole portfolio at once, for
-- comparison with `manage.py close_day`. No provisions, no penalty ledger lines, no penalty
-- accrual records, no chunks, no resumability. It runs in a transaction that is rolled back, so the benchmark
-- database is left as it was.
--
--   psql -v d=2026-12-02 -f bench/baseline.sql microloan_bench
\timing on
BEGIN;

-- 1. Instalments that fell due before the date and are still unpaid become overdue.
UPDATE servicing_installment SET status = 'overdue'
WHERE is_current AND status <> 'paid' AND due_date < :'d' AND status <> 'overdue';

-- 2. Penalty for the day on loans past their grace days, onto the oldest overdue instalment.
WITH od AS (
    SELECT loan_id, MIN(due_date) AS oldest, SUM(principal_due - principal_paid) AS principal,
           (ARRAY_AGG(id ORDER BY due_date, number))[1] AS first_id
    FROM servicing_installment
    WHERE is_current AND status <> 'paid' AND due_date < :'d'
    GROUP BY loan_id
)
UPDATE servicing_installment i
SET penalty_due = i.penalty_due + ROUND(od.principal * l.penalty_rate / 360, 2)
FROM od JOIN servicing_loan l ON l.id = od.loan_id
WHERE i.id = od.first_id AND l.status IN ('active', 'restructured') AND (:'d'::date - od.oldest) > l.grace_days;

-- 3. Days past due, overdue amount and bucket on the loans whose figures change.
WITH agg AS (
    SELECT loan_id, MIN(due_date) AS oldest,
           SUM(principal_due + interest_due + fee_due + penalty_due - principal_paid - interest_paid - fee_paid
               - penalty_paid - penalty_waived - interest_waived) AS overdue
    FROM servicing_installment
    WHERE is_current AND status <> 'paid' AND due_date < :'d'
    GROUP BY loan_id
), fig AS (
    SELECT l.id, COALESCE(:'d'::date - agg.oldest, 0) AS dpd, COALESCE(agg.overdue, 0) AS overdue
    FROM servicing_loan l LEFT JOIN agg ON agg.loan_id = l.id
    WHERE l.status IN ('active', 'restructured') AND (agg.loan_id IS NOT NULL OR l.days_past_due > 0)
)
UPDATE servicing_loan l
SET days_past_due = fig.dpd, overdue_amount = fig.overdue,
    bucket = CASE WHEN fig.dpd = 0 THEN 'current' WHEN fig.dpd <= 30 THEN '1-30' WHEN fig.dpd <= 60 THEN '31-60'
                  WHEN fig.dpd <= 90 THEN '61-90' WHEN fig.dpd <= 180 THEN '91-180' ELSE '180+' END
FROM fig
WHERE l.id = fig.id AND (l.days_past_due, l.overdue_amount) IS DISTINCT FROM (fig.dpd, fig.overdue);

-- 4. Interest accrual: the period in progress of every open loan recognises interest to
-- ROUND(interest × elapsed days / period days, 2); instalments, loans (with the business date
-- stamp) and one Dr 1132 / Cr 5011 pair of journal lines per branch and product.
INSERT INTO microloan_journalentry (posted_at, business_date, kind, memo, reference, source_key)
VALUES (now(), :'d', 'accrual', 'baseline', 'baseline', 'baseline:' || :'d') RETURNING id AS entry \gset
WITH nxt AS (
    SELECT DISTINCT ON (i.loan_id) i.loan_id, i.id, i.interest_due, i.interest_waived, i.interest_accrued,
           i.due_date, l.disbursed_on
    FROM servicing_installment i JOIN servicing_loan l ON l.id = i.loan_id
    WHERE i.is_current AND i.status <> 'paid' AND i.due_date >= :'d' AND l.status IN ('active', 'restructured')
    ORDER BY i.loan_id, i.due_date
), o AS (
    SELECT nxt.*, COALESCE((SELECT MAX(p.due_date) FROM servicing_installment p
                            WHERE p.loan_id = nxt.loan_id AND p.is_current AND p.due_date < nxt.due_date),
                           nxt.disbursed_on) AS start
    FROM nxt WHERE interest_accrued < interest_due - interest_waived
), dl AS (
    SELECT id, loan_id, target, target - interest_accrued AS delta FROM (
        SELECT id, loan_id, interest_accrued,
               LEAST(ROUND(interest_due * GREATEST(:'d'::date - start, 0) / (due_date - start), 2),
                     interest_due - interest_waived) AS target
        FROM o) t
    WHERE target > interest_accrued
), iu AS (
    UPDATE servicing_installment i SET interest_accrued = dl.target FROM dl WHERE i.id = dl.id
), lu AS (
    UPDATE servicing_loan l SET interest_accrued = l.interest_accrued + s.delta, business_date = :'d'
    FROM (SELECT loan_id, SUM(delta) AS delta FROM dl GROUP BY loan_id) s WHERE l.id = s.loan_id
    RETURNING l.branch_id, l.product_id, s.delta
)
INSERT INTO microloan_journalline (entry_id, account_id, debit, credit, branch_id, product_id)
SELECT :entry, (SELECT id FROM microloan_account WHERE code = '1132'), SUM(delta), 0, branch_id, product_id
FROM lu GROUP BY branch_id, product_id
UNION ALL
SELECT :entry, (SELECT id FROM microloan_account WHERE code = '5011'), 0, SUM(delta), branch_id, product_id
FROM lu GROUP BY branch_id, product_id;

-- 5. Non-accrual: loans over 90 days past due take their accrued interest off balance.
UPDATE servicing_loan SET accrual_status = 'non_accrual', interest_suspended = interest_suspended + interest_accrued,
    interest_accrued = 0
WHERE status IN ('active', 'restructured') AND accrual_status = 'accruing' AND days_past_due > 90;

ROLLBACK;
