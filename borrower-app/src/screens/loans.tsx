// A borrower's loans: the schedule, today's payoff quote, the statement and receipts as PDF,
// and paying (a payment order of the borrower backend).
import { useEffect, useState } from "preact/hooks";
import { api, errorText, openFile, pendingApi, type Schemas } from "../api/client";
import { Notice, useApp } from "../app";
import { money } from "../i18n";
import { loanStatus } from "../labels";

export function Loans() {
  const { t, lang } = useApp();
  const [loans, setLoans] = useState<Schemas["Loan"][] | null>(null);
  useEffect(() => {
    api.GET("/api/v1/loans/", {}).then(({ data }) => setLoans(data?.results ?? []));
  }, []);
  return (
    <section aria-labelledby="loans-title">
      <h1 id="loans-title">{t("myLoans")}</h1>
      {loans === null ? <p>{t("loading")}</p> : loans.length === 0 && <p>{t("none")}</p>}
      <ul class="cards">
        {(loans ?? []).map((l) => (
          <li key={l.id} class="card">
            <a href={`#/loans/${l.id}`}>
              #{l.id} · {money(l.principal, lang)}
            </a>
            <p>
              {t("outstanding")}: {money(l.outstanding_principal, lang)} · {loanStatus(l.status, lang)}
            </p>
          </li>
        ))}
      </ul>
    </section>
  );
}

export function LoanDetail(props: { id: number }) {
  const { t, lang } = useApp();
  const path = { path: { id: props.id } };
  const [schedule, setSchedule] = useState<Schemas["LoanSchedule"] | null>(null);
  const [payoff, setPayoff] = useState<Schemas["PayoffQuote"] | null>(null);
  const [repayments, setRepayments] = useState<Schemas["RepaymentOut"][]>([]);
  const [error, setError] = useState<string | null>(null);
  useEffect(() => {
    api.GET("/api/v1/loans/{id}/schedule/", { params: path }).then(({ data }) => setSchedule(data ?? null));
    api.GET("/api/v1/loans/{id}/payoff-quote/", { params: path }).then(({ data }) => setPayoff(data ?? null));
    api.GET("/api/v1/loans/{id}/repayments/", { params: path }).then(({ data }) => setRepayments(data?.results ?? []));
  }, [props.id]);
  const pay = async (kind: "due" | "payoff") => {
    const { data, error } = await pendingApi.POST("/api/v1/loans/{id}/payment-orders/", {
      params: path,
      body: { kind, channel: "online" },
    });
    if (data) window.location.assign(data.pay_url);
    else setError(errorText(error));
  };
  return (
    <section aria-labelledby="loan-title">
      <h1 id="loan-title">#{props.id}</h1>
      <Notice error={error} />
      {payoff && (
        <p>
          {t("payoffAmount")} ({payoff.date}): <strong>{money(payoff.amount, lang)}</strong>
        </p>
      )}
      <div class="actions">
        <button type="button" class="primary" onClick={() => pay("due")}>
          {t("payDue")}
        </button>
        <button type="button" onClick={() => pay("payoff")}>
          {t("payOff")}
        </button>
        <button type="button" onClick={() => openFile(`/api/v1/loans/${props.id}/statement/?language=${lang}`)}>
          {t("statement")}
        </button>
      </div>
      <h2>{t("schedule")}</h2>
      <table class="schedule">
        <thead>
          <tr>
            <th scope="col">#</th>
            <th scope="col">{t("due")}</th>
            <th scope="col">{t("amount")}</th>
            <th scope="col">{t("paid")}</th>
          </tr>
        </thead>
        <tbody>
          {(schedule?.installments ?? []).map((i) => (
            <tr key={i.number}>
              <td>{i.number}</td>
              <td>{i.due_date}</td>
              <td>{money(i.total, lang)}</td>
              <td>{money(i.paid_total, lang)}</td>
            </tr>
          ))}
        </tbody>
      </table>
      {repayments.length > 0 && (
        <ul>
          {repayments.map((r) => (
            <li key={r.id}>
              {r.paid_on} · {money(r.amount, lang)}{" "}
              <button
                type="button"
                onClick={() => openFile(`/api/v1/loans/${props.id}/repayments/${r.id}/receipt/?language=${lang}`)}
              >
                {t("receipt")}
              </button>
            </li>
          ))}
        </ul>
      )}
    </section>
  );
}
