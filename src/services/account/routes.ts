import { Hono } from "hono";
import { json } from "../../core/response";
import { requireScope } from "../../platform/caller";
import type { AppEnv } from "../../platform/context";
import { accountModel } from "../users/models";

export const accountRoutes = new Hono<AppEnv>();

/** Apps call this to ask "am I signed in?": a guest gets `401 general_unauthorized_scope`. */
accountRoutes.get("/", (c) => {
  const caller = requireScope(c, "account");
  return json(c, accountModel(caller.user!));
});
