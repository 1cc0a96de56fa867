// The borrower's own: who they are (and linking the login to their identity with the
// consents), complaints and feedback, the export of their data, logging out.
import { useEffect, useState } from "preact/hooks";
import { api, errorText, pendingApi, session, type Schemas } from "../api/client";
import { Field, Notice, useApp } from "../app";
import { COMPLAINT_CATEGORIES, complaintCategory } from "../labels";

export function Profile() {
  const { t, go, setLoggedIn } = useApp();
  const [me, setMe] = useState<Schemas["Me"] | null>(null);
  useEffect(() => {
    api.GET("/api/v1/me/", {}).then(({ data }) => setMe(data ?? null));
  }, []);
  const exportData = async () => {
    const { data } = await api.GET("/api/v1/me/export/", {});
    if (!data) return;
    const blob = new Blob([JSON.stringify(data, null, 2)], { type: "application/json" });
    const a = document.createElement("a");
    a.href = URL.createObjectURL(blob);
    a.download = "my-data.json";
    a.click();
  };
  const logout = async () => {
    const refresh = session.refresh;
    if (refresh) await api.POST("/api/v1/auth/logout/", { body: { refresh } });
    session.clear();
    setLoggedIn(false);
    go("#/products");
  };
  return (
    <section aria-labelledby="profile-title">
      <h1 id="profile-title">{t("profile")}</h1>
      {me && "full_name" in me ? (
        <dl>
          <dt>{t("fullName")}</dt>
          <dd>{me.full_name}</dd>
          <dt>{t("mobile")}</dt>
          <dd>{me.mobile}</dd>
        </dl>
      ) : (
        <p>
          <a href="#/identity">{t("identity")}</a>
        </p>
      )}
      <ul class="links">
        <li>
          <a href="#/complaint">{t("complaint")}</a>
        </li>
        <li>
          <a href="#/feedback">{t("feedback")}</a>
        </li>
      </ul>
      <div class="actions">
        <button type="button" onClick={exportData}>
          {t("exportData")}
        </button>
        <button type="button" onClick={logout}>
          {t("logout")}
        </button>
      </div>
    </section>
  );
}

export function Identity() {
  const { t, go } = useApp();
  const [fullName, setFullName] = useState("");
  const [idNumber, setIdNumber] = useState("");
  const [data, setData] = useState(false);
  const [credit, setCredit] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const submit = async (e: Event) => {
    e.preventDefault();
    const consents: ("data_processing" | "credit_inquiry")[] = [];
    if (data) consents.push("data_processing");
    if (credit) consents.push("credit_inquiry");
    const { error } = await pendingApi.POST("/api/v1/me/identity/", {
      body: { full_name: fullName, id_number: idNumber, consents },
    });
    if (error) setError(errorText(error));
    else go("#/products");
  };
  return (
    <section aria-labelledby="identity-title">
      <h1 id="identity-title">{t("identity")}</h1>
      <form onSubmit={submit}>
        <Field id="full-name" label={t("fullName")} value={fullName} onInput={setFullName} autoComplete="name" />
        <Field id="id-number" label={t("idNumber")} value={idNumber} onInput={setIdNumber} />
        <div class="check">
          <input id="consent-data" type="checkbox" checked={data} onChange={() => setData(!data)} />
          <label for="consent-data">{t("consentData")}</label>
        </div>
        <div class="check">
          <input id="consent-credit" type="checkbox" checked={credit} onChange={() => setCredit(!credit)} />
          <label for="consent-credit">{t("consentCredit")}</label>
        </div>
        <Notice error={error} />
        <button type="submit" class="primary">
          {t("save")}
        </button>
      </form>
    </section>
  );
}

export function Complaint() {
  const { t, lang } = useApp();
  const [category, setCategory] = useState("service");
  const [description, setDescription] = useState("");
  const [result, setResult] = useState<{ error?: string; info?: string }>({});
  const submit = async (e: Event) => {
    e.preventDefault();
    const { error } = await api.POST("/api/v1/me/complaints/", { body: { category, description } });
    setResult(error ? { error: errorText(error) } : { info: t("sent") });
  };
  return (
    <section aria-labelledby="complaint-title">
      <h1 id="complaint-title">{t("complaint")}</h1>
      <form onSubmit={submit}>
        <div class="field">
          <label for="category">{t("category")}</label>
          <select id="category" value={category} onChange={(e) => setCategory((e.currentTarget as HTMLSelectElement).value)}>
            {Object.keys(COMPLAINT_CATEGORIES).map((c) => (
              <option key={c} value={c}>
                {complaintCategory(c, lang)}
              </option>
            ))}
          </select>
        </div>
        <div class="field">
          <label for="description">{t("description")}</label>
          <textarea
            id="description"
            required
            value={description}
            onInput={(e) => setDescription((e.currentTarget as HTMLTextAreaElement).value)}
          />
        </div>
        <Notice error={result.error} info={result.info} />
        <button type="submit" class="primary">
          {t("send")}
        </button>
      </form>
    </section>
  );
}

export function Feedback() {
  const { t } = useApp();
  const [score, setScore] = useState("5");
  const [comment, setComment] = useState("");
  const [result, setResult] = useState<{ error?: string; info?: string }>({});
  const submit = async (e: Event) => {
    e.preventDefault();
    const { error } = await api.POST("/api/v1/me/feedback/", { body: { score: Number(score), comment } });
    setResult(error ? { error: errorText(error) } : { info: t("sent") });
  };
  return (
    <section aria-labelledby="feedback-title">
      <h1 id="feedback-title">{t("feedback")}</h1>
      <form onSubmit={submit}>
        <Field id="score" label={t("score")} value={score} onInput={setScore} inputMode="numeric" />
        <Field id="comment" label={t("comment")} value={comment} onInput={setComment} required={false} />
        <Notice error={result.error} info={result.info} />
        <button type="submit" class="primary">
          {t("send")}
        </button>
      </form>
    </section>
  );
}
