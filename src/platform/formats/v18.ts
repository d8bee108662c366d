import { drop, type Format } from "./format";

/** 1.5 clients (format < 1.6.0). */
export const V18: Format = {
  before: "1.6.0",
  request: {
    "account.deleteMfaAuthenticator": (p) => drop(p, "otp"),
    "functions.create": (p) => {
      p.templateVersion = p.templateBranch ?? "";
      delete p.templateBranch;
    },
  },
  response: {
    function: (m) => drop(m, "scopes", "specification"),
    // Appwrite's 1.5 filter would also turn 4xx executions into `failed`, but it reads `statusCode`, which 1.6
    // models no longer have at that point, so only `scheduledAt` goes.
    execution: (m) => drop(m, "scheduledAt"),
    project: (m) => drop(m, "authMockNumbers", "authSessionAlerts"),
  },
};
