import { drop, type Format } from "./format";

/** 1.9.1 clients (format < 1.9.2). */
export const V23: Format = {
  before: "1.9.2",
  response: {
    membership: (m) => drop(m, "userPhone"),
    project: (m) => drop(m, "authMembershipsUserId", "authMembershipsUserPhone"),
  },
};
