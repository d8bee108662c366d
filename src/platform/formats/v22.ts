import { drop, type Format } from "./format";

/** 1.9.0 clients (format < 1.9.1): webhooks spoke of security/httpUser/httpPass/signatureKey. */
export const V22: Format = {
  before: "1.9.1",
  response: {
    webhook: (m) => {
      m.security = m.tls ?? true;
      m.httpUser = m.authUsername ?? "";
      m.httpPass = m.authPassword ?? "";
      m.signatureKey = m.secret ?? "";
      drop(m, "tls", "authUsername", "authPassword", "secret");
    },
  },
};
