// Screens open without a login: products and their calculator, log in (password or SMS
// code), sign up with an SMS code, forgotten password.
import { useEffect, useState } from "preact/hooks";
import { api, errorText, pendingApi, session, type Schemas } from "../api/client";
import { Field, Notice, useApp } from "../app";
import { money } from "../i18n";
import { methodName } from "../labels";

type Product = Schemas["Product"];

export function Products() {
  const { t, lang, go } = useApp();
  const [products, setProducts] = useState<Product[] | null>(null);
  const [error, setError] = useState<string | null>(null);
  useEffect(() => {
    api.GET("/api/v1/products/", { params: { query: { page_size: 50 } } }).then(({ data, error }) => {
      if (data) setProducts(data.results);
      else setError(errorText(error));
    });
  }, []);
  return (
    <section aria-labelledby="products-title">
      <h1 id="products-title">{t("products")}</h1>
      <Notice error={error} />
      {products === null && !error && <p>{t("loading")}</p>}
      <ul class="cards">
        {(products ?? []).map((p) => (
          <li key={p.id} class="card">
            <h2>{lang === "en" && p.name_en ? p.name_en : p.name}</h2>
            <p>
              {t("range")}: {money(p.min_amount, lang)} – {money(p.max_amount, lang)}
            </p>
            <p>
              {t("terms")}: {p.min_term}–{p.max_term} {t("months")}
            </p>
            <button type="button" onClick={() => go(`#/products/${p.id}`)}>
              {t("calculate")}
            </button>
          </li>
        ))}
      </ul>
    </section>
  );
}

export function Calculator(props: { id: number }) {
  const { t, lang, go, loggedIn } = useApp();
  const [product, setProduct] = useState<Product | null>(null);
  const [amount, setAmount] = useState("10000");
  const [term, setTerm] = useState("12");
  const [method, setMethod] = useState<Schemas["RepaymentMethodEnum"]>("annuity");
  const [quote, setQuote] = useState<Schemas["Quote"] | null>(null);
  const [error, setError] = useState<string | null>(null);
  useEffect(() => {
    api.GET("/api/v1/products/{id}/", { params: { path: { id: props.id } } }).then(({ data }) => {
      if (!data) return;
      setProduct(data);
      setAmount(data.min_amount.split(".")[0] ?? "1000");
      setTerm(String(data.min_term));
      const first = data.methods[0];
      if (first) setMethod(first);
    });
  }, [props.id]);
  const calculate = async (e: Event) => {
    e.preventDefault();
    if (!product) return;
    setError(null);
    const { data, error } = await api.POST("/api/v1/quotes/", {
      body: { product: product.id, principal: amount, term: Number(term), method, annual_rate: product.min_rate },
    });
    if (data) setQuote(data);
    else setError(errorText(error));
  };
  if (!product) return <p>{t("loading")}</p>;
  return (
    <section aria-labelledby="calc-title">
      <h1 id="calc-title">{lang === "en" && product.name_en ? product.name_en : product.name}</h1>
      <form onSubmit={calculate}>
        <Field id="amount" label={t("amount")} value={amount} onInput={setAmount} inputMode="decimal" />
        <Field id="term" label={t("term")} value={term} onInput={setTerm} inputMode="numeric" />
        <div class="field">
          <label for="method">{t("method")}</label>
          <select
            id="method"
            value={method}
            onChange={(e) => setMethod((e.currentTarget as HTMLSelectElement).value as Schemas["RepaymentMethodEnum"])}
          >
            {product.methods.map((m) => (
              <option key={m} value={m}>
                {methodName(m, lang)}
              </option>
            ))}
          </select>
        </div>
        <button type="submit">{t("calculate")}</button>
      </form>
      <Notice error={error} />
      {quote && (
        <dl class="quote" aria-live="polite">
          <dt>{t("perPeriod")}</dt>
          <dd>{money(quote.installments[0]?.total, lang)}</dd>
          <dt>{t("totalInterest")}</dt>
          <dd>{money(quote.total_interest, lang)}</dd>
          <dt>{t("totalPayable")}</dt>
          <dd>{money(quote.total_payable, lang)}</dd>
          <dt>{t("apr")}</dt>
          <dd>{(Number(quote.apr) * 100).toFixed(2)}%</dd>
        </dl>
      )}
      {loggedIn ? (
        <button
          type="button"
          class="primary"
          onClick={() => go(`#/apply/${product.id}?amount=${amount}&term=${term}&method=${method}`)}
        >
          {t("applyFor")}
        </button>
      ) : (
        <p>
          {t("loginToApply")} <a href="#/login">{t("login")}</a> · <a href="#/signup">{t("signup")}</a>
        </p>
      )}
    </section>
  );
}

function useCode(purpose: "register" | "login" | "reset") {
  const { t } = useApp();
  const [info, setInfo] = useState<string | null>(null);
  const [error, setError] = useState<string | null>(null);
  const send = async (mobile: string) => {
    setError(null);
    const { error } = await pendingApi.POST("/api/v1/auth/otp/", { body: { mobile, purpose } });
    if (error) setError(errorText(error));
    else setInfo(t("codeSent"));
  };
  return { info, error, setError, send };
}

export function Login() {
  const { t, go, setLoggedIn } = useApp();
  const [mode, setMode] = useState<"password" | "code">("password");
  const [username, setUsername] = useState("");
  const [password, setPassword] = useState("");
  const [code, setCode] = useState("");
  const otp = useCode("login");
  const submit = async (e: Event) => {
    e.preventDefault();
    otp.setError(null);
    const { data, error } =
      mode === "password"
        ? await api.POST("/api/v1/auth/token/", { body: { username, password } })
        : await pendingApi.POST("/api/v1/auth/otp-login/", { body: { mobile: username, code } });
    if (!data) return otp.setError(errorText(error));
    session.set(data.access, data.refresh);
    setLoggedIn(true);
    go("#/applications");
  };
  return (
    <section aria-labelledby="login-title">
      <h1 id="login-title">{t("login")}</h1>
      <div class="tabs" role="group">
        <button type="button" aria-pressed={mode === "password"} onClick={() => setMode("password")}>
          {t("withPassword")}
        </button>
        <button type="button" aria-pressed={mode === "code"} onClick={() => setMode("code")}>
          {t("withCode")}
        </button>
      </div>
      <form onSubmit={submit}>
        <Field
          id="username"
          label={mode === "password" ? t("username") : t("mobile")}
          value={username}
          onInput={setUsername}
          autoComplete="username"
          inputMode={mode === "code" ? "tel" : "text"}
        />
        {mode === "password" ? (
          <Field id="password" label={t("password")} value={password} onInput={setPassword} type="password" autoComplete="current-password" />
        ) : (
          <>
            <button type="button" onClick={() => otp.send(username)}>
              {t("sendCode")}
            </button>
            <Field id="code" label={t("code")} value={code} onInput={setCode} inputMode="numeric" autoComplete="one-time-code" />
          </>
        )}
        <Notice error={otp.error} info={otp.info} />
        <button type="submit" id="login-submit" class="primary">
          {t("login")}
        </button>
      </form>
      <p>
        {t("noAccount")} <a href="#/signup">{t("signup")}</a> · <a href="#/forgot">{t("forgot")}</a>
      </p>
    </section>
  );
}

export function Signup(props: { reset?: boolean }) {
  const { t, go, setLoggedIn } = useApp();
  const [mobile, setMobile] = useState("");
  const [code, setCode] = useState("");
  const [password, setPassword] = useState("");
  const otp = useCode(props.reset ? "reset" : "register");
  const submit = async (e: Event) => {
    e.preventDefault();
    otp.setError(null);
    const body = { mobile, code, password };
    if (props.reset) {
      const { error } = await pendingApi.POST("/api/v1/auth/password-reset/", { body });
      if (error) return otp.setError(errorText(error));
      return go("#/login");
    }
    const { data, error } = await pendingApi.POST("/api/v1/auth/register/", { body });
    if (!data) return otp.setError(errorText(error));
    session.set(data.access, data.refresh);
    setLoggedIn(true);
    go("#/identity");
  };
  const title = props.reset ? t("forgot") : t("signup");
  return (
    <section aria-labelledby="signup-title">
      <h1 id="signup-title">{title}</h1>
      <form onSubmit={submit}>
        <Field id="mobile" label={t("mobile")} value={mobile} onInput={setMobile} inputMode="tel" autoComplete="tel" />
        <button type="button" onClick={() => otp.send(mobile)}>
          {t("sendCode")}
        </button>
        <Field id="code" label={t("code")} value={code} onInput={setCode} inputMode="numeric" autoComplete="one-time-code" />
        <Field
          id="password"
          label={props.reset ? t("newPassword") : t("password")}
          value={password}
          onInput={setPassword}
          type="password"
          autoComplete="new-password"
        />
        <Notice error={otp.error} info={otp.info} />
        <button type="submit" class="primary">
          {title}
        </button>
      </form>
    </section>
  );
}
