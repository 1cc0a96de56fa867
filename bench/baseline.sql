-- The hand-written baseline: the minimal set-based close of one business date in plain SQL
-- (instalment status, days past due, bucket, penalty), over the whole portfolio at once, for
-- comparison with `manage.py close_day`. No provisions, no ledger, no accrual records, no
-- chunks, no resumability. It runs in a transaction that is rolled back, so the benchmark
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

ROLLBACK;
