// The borrowers' app: a hash router over the screens, the language (the phone's, or the
// switch's), the login state; registers the service worker (/app/sw.js, scope /app/).
import { render } from "preact";
import { useEffect, useMemo, useState } from "preact/hooks";
import { session, setApiLanguage, whenUnauthorized } from "./api/client";
import { AppContext, type Ctx } from "./app";
import { initialLang, saveLang, translator, type Lang } from "./i18n";
import { ApplicationDetail, Applications, Apply } from "./screens/applications";
import { LoanDetail, Loans } from "./screens/loans";
import { Complaint, Feedback, Identity, Profile } from "./screens/profile";
import { Calculator, Login, Products, Signup } from "./screens/public";
import "./style.css";

function useHash(): string {
  const [hash, setHash] = useState(window.location.hash || "#/products");
  useEffect(() => {
    const changed = () => setHash(window.location.hash || "#/products");
    window.addEventListener("hashchange", changed);
    return () => window.removeEventListener("hashchange", changed);
  }, []);
  return hash;
}

function Screen(props: { hash: string; loggedIn: boolean }) {
  const [route = "", queryString = ""] = props.hash.slice(1).split("?");
  const query = new URLSearchParams(queryString);
  const parts = route.split("/").filter(Boolean);
  const id = Number(parts[1]);
  const open: Record<string, () => preact.JSX.Element> = {
    products: () => (parts[1] ? <Calculator id={id} /> : <Products />),
    login: () => <Login />,
    signup: () => <Signup />,
    forgot: () => <Signup reset />,
  };
  const own: Record<string, () => preact.JSX.Element> = {
    identity: () => <Identity />,
    apply: () => <Apply product={id} query={query} />,
    applications: () => (parts[1] ? <ApplicationDetail id={id} /> : <Applications />),
    loans: () => (parts[1] ? <LoanDetail id={id} /> : <Loans />),
    profile: () => <Profile />,
    complaint: () => <Complaint />,
    feedback: () => <Feedback />,
  };
  const name = parts[0] ?? "products";
  const screen = open[name] ?? (props.loggedIn ? own[name] : undefined) ?? (own[name] ? open.login : open.products);
  return screen ? screen() : null;
}

function App() {
  const [lang, setLang] = useState<Lang>(initialLang());
  const [loggedIn, setLoggedIn] = useState(session.token !== null);
  const hash = useHash();
  const t = useMemo(() => translator(lang), [lang]);
  useEffect(() => {
    document.documentElement.lang = lang === "zh-hans" ? "zh-Hans" : "en";
    document.title = t("app");
    setApiLanguage(lang);
  }, [lang]);
  useEffect(() => whenUnauthorized(() => setLoggedIn(false)), []);
  useEffect(() => {
    // A new screen: its heading takes the focus, so a screen reader starts there.
    const heading = document.querySelector<HTMLElement>("main h1");
    if (heading && document.activeElement?.id !== "lang-switch") {
      heading.tabIndex = -1;
      heading.focus();
    }
  }, [hash]);
  const ctx: Ctx = { lang, t, loggedIn, setLoggedIn, go: (route) => (window.location.hash = route) };
  const switchLang = () => {
    const next: Lang = lang === "en" ? "zh-hans" : "en";
    saveLang(next);
    setLang(next);
  };
  return (
    <AppContext.Provider value={ctx}>
      <header class="top">
        <a class="brand" href="#/products">
          {t("app")}
        </a>
        <button type="button" id="lang-switch" onClick={switchLang} aria-label={t("languageLabel")} lang={lang === "en" ? "zh-Hans" : "en"}>
          {t("language")}
        </button>
      </header>
      <main id="main" key={hash + lang}>
        <Screen hash={hash} loggedIn={loggedIn} />
      </main>
      <nav class="tabbar" aria-label={t("menu")}>
        <a href="#/products" aria-current={hash.startsWith("#/products") ? "page" : undefined}>
          {t("products")}
        </a>
        {loggedIn ? (
          <>
            <a href="#/applications" aria-current={hash.startsWith("#/applications") ? "page" : undefined}>
              {t("myApplications")}
            </a>
            <a href="#/loans" aria-current={hash.startsWith("#/loans") ? "page" : undefined}>
              {t("myLoans")}
            </a>
            <a href="#/profile" aria-current={hash.startsWith("#/profile") ? "page" : undefined}>
              {t("profile")}
            </a>
          </>
        ) : (
          <a href="#/login" aria-current={hash.startsWith("#/login") ? "page" : undefined}>
            {t("login")}
          </a>
        )}
      </nav>
    </AppContext.Provider>
  );
}

const root = document.getElementById("app");
if (root) render(<App />, root);

if ("serviceWorker" in navigator) {
  window.addEventListener("load", () => {
    navigator.serviceWorker.register("/app/sw.js", { scope: "/app/" }).catch(() => undefined);
  });
}
