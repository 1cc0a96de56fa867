// Words for the codes the API answers, in both languages. Each table is keyed by the schema's
// enum: a status added to the server fails `tsc` here until it has its words.
import type { Schemas } from "./api/client";
import type { Lang } from "./i18n";

type Words<K extends string> = Record<K, [en: string, zh: string]>;

const APPLICATION: Words<Schemas["ApplicationStatusEnum"]> = {
  draft: ["Draft", "草稿"],
  submitted: ["Submitted", "已提交"],
  under_review: ["Under review", "审核中"],
  pending_approval: ["Pending approval", "待审批"],
  approved: ["Approved", "已批准"],
  rejected: ["Rejected", "已拒绝"],
  returned: ["Returned to you", "已退回"],
  withdrawn: ["Withdrawn", "已撤回"],
  contracted: ["Contract ready to sign", "待签合同"],
  pending_release: ["Being paid out", "放款中"],
  disbursed: ["Paid out", "已放款"],
};

const LOAN: Words<Schemas["LoanStatusEnum"]> = {
  active: ["Active", "还款中"],
  closed: ["Closed", "已结清"],
  written_off: ["Written off", "已核销"],
  restructured: ["Restructured", "已重组"],
};

const METHOD: Words<Schemas["RepaymentMethodEnum"]> = {
  annuity: ["Equal instalments", "等额本息"],
  equal_principal: ["Equal principal", "等额本金"],
  interest_only: ["Interest only, principal at the end", "先息后本"],
  flat: ["Flat rate", "固定利息"],
};

const DOCUMENT: Words<Schemas["DocumentKindEnum"]> = {
  borrower_id: ["ID card", "身份证"],
  spouse_id: ["Spouse's ID card", "配偶身份证"],
  income_proof: ["Proof of income", "收入证明"],
  credit_report: ["Credit report", "征信报告"],
  purpose_proof: ["Proof of purpose", "用途证明"],
  collateral: ["Collateral papers", "抵押材料"],
  consent: ["Signed consent", "授权书"],
  other: ["Other", "其他"],
};

export const COMPLAINT_CATEGORIES: Words<"collection_conduct" | "fees" | "service" | "data_privacy" | "other"> = {
  service: ["Service", "服务"],
  fees: ["Fees and charges", "费用"],
  collection_conduct: ["Collection conduct", "催收行为"],
  data_privacy: ["Data and privacy", "个人信息"],
  other: ["Other", "其他"],
};

function word<K extends string>(table: Words<K>, code: string | null | undefined, lang: Lang): string {
  const pair = code ? (table as Record<string, [string, string]>)[code] : undefined;
  if (!pair) return code ?? "";
  return lang === "zh-hans" ? pair[1] : pair[0];
}

export const applicationStatus = (code: string | null | undefined, lang: Lang) => word(APPLICATION, code, lang);
export const loanStatus = (code: string | null | undefined, lang: Lang) => word(LOAN, code, lang);
export const methodName = (code: string | null | undefined, lang: Lang) => word(METHOD, code, lang);
export const documentName = (code: string | null | undefined, lang: Lang) => word(DOCUMENT, code, lang);
export const complaintCategory = (code: string, lang: Lang) => word(COMPLAINT_CATEGORIES, code, lang);
export const documentKinds = Object.keys(DOCUMENT) as Schemas["DocumentKindEnum"][];
