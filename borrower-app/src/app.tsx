import { createContext } from "preact";
import { useContext } from "preact/hooks";
import type { Key, Lang } from "./i18n";

export type Ctx = {
  lang: Lang;
  t: (key: Key) => string;
  loggedIn: boolean;
  setLoggedIn: (value: boolean) => void;
  go: (route: string) => void;
};

export const AppContext = createContext<Ctx>(null as unknown as Ctx);
export const useApp = (): Ctx => useContext(AppContext);

/** A labelled form field: the label names the input for screen readers. */
export function Field(props: {
  id: string;
  label: string;
  value: string;
  onInput: (value: string) => void;
  type?: "text" | "password" | "tel";
  inputMode?: "numeric" | "decimal" | "tel" | "text";
  autoComplete?: string;
  required?: boolean;
}) {
  return (
    <div class="field">
      <label for={props.id}>{props.label}</label>
      <input
        id={props.id}
        type={(props.type ?? "text") as "text"}
        inputMode={props.inputMode}
        autoComplete={props.autoComplete}
        required={props.required ?? true}
        value={props.value}
        onInput={(e) => props.onInput((e.currentTarget as HTMLInputElement).value)}
      />
    </div>
  );
}

/** A message announced to screen readers (role=alert for errors, status otherwise). */
export function Notice(props: { error?: string | null; info?: string | null }) {
  if (props.error) return <p class="notice error" role="alert">{props.error}</p>;
  if (props.info) return <p class="notice info" role="status">{props.info}</p>;
  return null;
}
