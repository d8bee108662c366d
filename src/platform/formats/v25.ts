import type { Format } from "./format";

/** 1.9.3 clients (format < 1.9.4): function variables had no custom ID. */
export const V25: Format = {
  before: "1.9.4",
  request: {
    "functions.createVariable": (p) => void (p.variableId ??= "unique()"),
  },
};
