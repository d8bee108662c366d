import type { RawParams } from "../../core/params";
import { drop, type Format, type Model } from "./format";

/** 1.8 had one `specification` for build and runtime. */
function splitSpecification(p: RawParams): void {
  if (!p.specification) return;
  p.buildSpecification = p.specification;
  p.runtimeSpecification = p.specification;
  delete p.specification;
}

const fill = (key: string) => (p: RawParams) => void (p[key] ??= "unique()");

/** `$sequence` was an integer before 1.9, in nested related documents too. */
function castSequence(m: Model): void {
  if (m.$sequence !== undefined && m.$sequence !== null) {
    const n = Number(m.$sequence);
    m.$sequence = m.$sequence !== "" && Number.isFinite(n) ? Math.trunc(n) : 0;
  }
  for (const v of Object.values(m)) {
    if (!v || typeof v !== "object") continue;
    if (Array.isArray(v)) {
      for (const item of v) if (item && typeof item === "object" && "$id" in item) castSequence(item as Model);
    } else if ("$id" in v) castSequence(v as Model);
  }
}

/** 1.8 clients (format < 1.9.0). */
export const V21: Format = {
  before: "1.9.0",
  request: {
    "functions.create": splitSpecification,
    "functions.update": splitSpecification,
    "webhooks.create": fill("webhookId"),
    "project.createVariable": fill("variableId"),
    // 1.8 listed a project's variables without paging (Appwrite's sub-query limit).
    "project.listVariables": (p) => void (p.queries ??= [JSON.stringify({ method: "limit", values: [1000] })]),
  },
  response: {
    function: (m) => {
      m.specification = m.buildSpecification ?? m.specification ?? null;
      drop(m, "buildSpecification", "runtimeSpecification");
    },
    document: castSequence,
    row: castSequence,
  },
};
