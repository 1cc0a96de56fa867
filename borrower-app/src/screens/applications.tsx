// A borrower's applications: apply, the list, one application's timeline (with the reason
// when returned or rejected, and the documents still missing), uploads from the camera or
// files, submitting, and signing the contract.
import { useEffect, useState } from "preact/hooks";
import { api, errorText, openFile, pendingApi, type Schemas } from "../api/client";
import { Field, Notice, useApp } from "../app";
import { money } from "../i18n";
import { applicationStatus, documentKinds, documentName } from "../labels";

type Application = Schemas["Application"];

export function Apply(props: { product: number; query: URLSearchParams }) {
  const { t, go } = useApp();
  const [amount, setAmount] = useState(props.query.get("amount") ?? "");
  const [term, setTerm] = useState(props.query.get("term") ?? "");
  const [purpose, setPurpose] = useState("");
  const [error, setError] = useState<string | null>(null);
  const method = (props.query.get("method") ?? "annuity") as Schemas["RepaymentMethodEnum"];
  const submit = async (e: Event) => {
    e.preventDefault();
    setError(null);
    const { data, error } = await api.POST("/api/v1/applications/", {
      body: { product: props.product, amount, term: Number(term), method, purpose },
    });
    if (data) go(`#/applications/${data.id}`);
    else setError(errorText(error));
  };
  return (
    <section aria-labelledby="apply-title">
      <h1 id="apply-title">{t("apply")}</h1>
      <form onSubmit={submit}>
        <Field id="amount" label={t("amount")} value={amount} onInput={setAmount} inputMode="decimal" />
        <Field id="term" label={t("term")} value={term} onInput={setTerm} inputMode="numeric" />
        <Field id="purpose" label={t("purpose")} value={purpose} onInput={setPurpose} />
        <Notice error={error} />
        <button type="submit" id="apply-submit" class="primary">
          {t("apply")}
        </button>
      </form>
    </section>
  );
}

export function Applications() {
  const { t, lang } = useApp();
  const [apps, setApps] = useState<Application[] | null>(null);
  useEffect(() => {
    api.GET("/api/v1/applications/", {}).then(({ data }) => setApps(data?.results ?? []));
  }, []);
  return (
    <section aria-labelledby="apps-title">
      <h1 id="apps-title">{t("myApplications")}</h1>
      {apps === null ? <p>{t("loading")}</p> : apps.length === 0 && <p>{t("none")}</p>}
      <ul class="cards">
        {(apps ?? []).map((a) => (
          <li key={a.id} class="card">
            <a href={`#/applications/${a.id}`}>
              #{a.id} · {money(a.amount, lang)} · {a.term} {t("months")}
            </a>
            <p>
              {t("status")}: <strong>{applicationStatus(a.status, lang)}</strong>
            </p>
          </li>
        ))}
      </ul>
    </section>
  );
}

type Row = Record<string, unknown>;
const text = (row: Row, key: string): string => (row[key] === null || row[key] === undefined ? "" : String(row[key]));

export function ApplicationDetail(props: { id: number }) {
  const { t, lang } = useApp();
  const [app, setApp] = useState<Application | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [info, setInfo] = useState<string | null>(null);
  const load = () =>
    api.GET("/api/v1/applications/{id}/", { params: { path: { id: props.id } } }).then(({ data, error }) => {
      if (data) setApp(data);
      else setError(errorText(error));
    });
  useEffect(() => {
    load();
  }, [props.id]);
  if (!app) return <Notice error={error} info={t("loading")} />;
  const history = app.status_history as Row[];
  const missing = (app.checklist as Row[]).filter((row) => !row.covered);
  const submit = async () => {
    const { error } = await api.POST("/api/v1/applications/{id}/submit/", { params: { path: { id: app.id } } });
    if (error) setError(errorText(error));
    else load();
  };
  return (
    <section aria-labelledby="app-title">
      <h1 id="app-title">
        #{app.id} · {money(app.amount, lang)}
      </h1>
      <p>
        {t("status")}:{" "}
        <strong id="app-status" data-status={app.status}>
          {applicationStatus(app.status, lang)}
        </strong>
      </p>
      <Notice error={error} info={info} />
      <h2>{t("timeline")}</h2>
      <ol class="timeline" id="timeline">
        {history.map((h, i) => (
          <li key={i}>
            <time>{text(h, "at").slice(0, 10)}</time> <strong>{applicationStatus(text(h, "to_state"), lang)}</strong>
            {text(h, "reason") && (
              <p>
                {t("reason")}: {text(h, "reason")}
              </p>
            )}
          </li>
        ))}
      </ol>
      {missing.length > 0 && (
        <>
          <h2>{t("missingDocs")}</h2>
          <ul id="missing">
            {missing.map((m) => (
              <li key={text(m, "kind")}>{documentName(text(m, "kind"), lang)}</li>
            ))}
          </ul>
        </>
      )}
      <Upload id={app.id} kinds={missing.map((m) => text(m, "kind"))} onDone={() => (setInfo(t("uploaded")), load())} />
      {(app.status === "draft" || app.status === "returned") && (
        <button type="button" class="primary" onClick={submit}>
          {t("submit")}
        </button>
      )}
      {app.status === "contracted" && <Sign id={app.id} onDone={load} />}
    </section>
  );
}

function Upload(props: { id: number; kinds: string[]; onDone: () => void }) {
  const { t, lang } = useApp();
  const [kind, setKind] = useState(props.kinds[0] ?? "borrower_id");
  const [error, setError] = useState<string | null>(null);
  const send = async (file: File | undefined) => {
    if (!file) return;
    setError(null);
    const form = new FormData();
    form.append("kind", kind);
    form.append("file", file);
    const { error } = await api.POST("/api/v1/applications/{id}/documents/", {
      params: { path: { id: props.id } },
      body: { kind: kind as Schemas["DocumentKindEnum"], file: "" },
      bodySerializer: () => form,
    });
    if (error) setError(errorText(error));
    else props.onDone();
  };
  const picked = (e: Event) => send((e.currentTarget as HTMLInputElement).files?.[0]);
  return (
    <fieldset class="upload">
      <legend>{t("upload")}</legend>
      <div class="field">
        <label for="doc-kind">{t("documentKind")}</label>
        <select id="doc-kind" value={kind} onChange={(e) => setKind((e.currentTarget as HTMLSelectElement).value)}>
          {documentKinds.map((k) => (
            <option key={k} value={k}>
              {documentName(k, lang)}
            </option>
          ))}
        </select>
      </div>
      <label class="button" for="doc-camera">
        {t("takePhoto")}
      </label>
      <input id="doc-camera" class="visually-hidden" type="file" accept="image/*" capture="environment" onChange={picked} />
      <label class="button" for="doc-file">
        {t("chooseFile")}
      </label>
      <input id="doc-file" class="visually-hidden" type="file" accept="image/*,application/pdf" onChange={picked} />
      <Notice error={error} />
    </fieldset>
  );
}

function Sign(props: { id: number; onDone: () => void }) {
  const { t } = useApp();
  const [code, setCode] = useState("");
  const [accepted, setAccepted] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const sendCode = async () => {
    const me = await api.GET("/api/v1/me/", {});
    const mobile = me.data && "mobile" in me.data ? me.data.mobile : "";
    await pendingApi.POST("/api/v1/auth/otp/", { body: { mobile, purpose: "sign" } });
  };
  const sign = async (e: Event) => {
    e.preventDefault();
    const { error } = await pendingApi.POST("/api/v1/applications/{id}/sign/", {
      params: { path: { id: props.id } },
      body: { method: "electronic", code, accepted },
    });
    if (error) setError(errorText(error));
    else props.onDone();
  };
  return (
    <form onSubmit={sign} aria-labelledby="sign-title">
      <h2 id="sign-title">{t("sign")}</h2>
      <button type="button" onClick={() => openFile(`/api/v1/applications/${props.id}/contract.pdf`)}>
        PDF
      </button>
      <button type="button" onClick={sendCode}>
        {t("sendCode")}
      </button>
      <Field id="sign-code" label={t("code")} value={code} onInput={setCode} inputMode="numeric" autoComplete="one-time-code" />
      <div class="check">
        <input id="sign-accept" type="checkbox" checked={accepted} onChange={() => setAccepted(!accepted)} />
        <label for="sign-accept">{t("signAccept")}</label>
      </div>
      <Notice error={error} />
      <button type="submit" class="primary">
        {t("sign")}
      </button>
    </form>
  );
}
