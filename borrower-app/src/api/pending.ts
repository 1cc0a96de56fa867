// A schema fragment for the borrower backend's endpoints (API.md "Borrower (mobile)") that are
// not on main yet, in openapi-typescript's shape. Delete each path here once the generated
// schema.d.ts has it (tsc then checks the screens against the real one).
type Json<T> = { content: { "application/json": T } };
type Errors = { 400: Json<Record<string, unknown>>; 401: Json<{ detail: string }>; 403: Json<{ detail: string }> };
type Tokens = { access: string; refresh: string };
export type OtpPurpose = "register" | "login" | "reset" | "sign" | "mobile_change";
export type PaymentOrder = {
  id: number;
  status: "pending" | "paid" | "failed" | "expired";
  amount: string;
  pay_url: string;
};
export type Mandate = { id: number; channel: string; account_last4: string; status: string };

type Post<Body, Ok, Code extends number = 200, Path = never> = {
  parameters: [Path] extends [never]
    ? { query?: never; header?: never; path?: never; cookie?: never }
    : { query?: never; header?: never; path: Path; cookie?: never };
  requestBody: Json<Body>;
  responses: { [K in Code]: Json<Ok> } & Errors;
};

export interface PendingPaths {
  "/api/v1/auth/otp/": { post: Post<{ mobile: string; purpose: OtpPurpose }, Record<string, never>, 202> };
  "/api/v1/auth/register/": { post: Post<{ mobile: string; code: string; password: string }, Tokens, 201> };
  "/api/v1/auth/otp-login/": { post: Post<{ mobile: string; code: string }, Tokens> };
  "/api/v1/auth/password-reset/": { post: Post<{ mobile: string; code: string; password: string }, Record<string, never>> };
  "/api/v1/me/identity/": {
    post: Post<{ full_name: string; id_number: string; consents: ("data_processing" | "credit_inquiry")[] }, { id: number }, 201>;
  };
  "/api/v1/applications/{id}/sign/": {
    post: Post<{ method: "electronic"; code: string; accepted: boolean }, { id: number; status: string }, 200, { id: number }>;
  };
  "/api/v1/loans/{id}/payment-orders/": {
    post: Post<{ amount?: string; channel: string; kind: "due" | "payoff" | "amount" }, PaymentOrder, 201, { id: number }>;
  };
  "/api/v1/me/mandates/": {
    post: Post<{ channel: string; account: string }, Mandate, 201>;
  };
}
