import { AppwriteError } from "./errors";
import { isValidId } from "./ids";

/**
 * Permission strings `action("role")` and the one place that decides who may do what.
 * Every service (rows, files, functions …), list filters and realtime delivery call into here.
 */
export type Action = "read" | "create" | "update" | "delete";
export const CONTAINER_ACTIONS: Action[] = ["read", "create", "update", "delete"]; // tables, buckets
export const ITEM_ACTIONS: Action[] = ["read", "update", "delete"]; // rows, files

const PERMISSION = /^(read|create|update|delete|write)\("([^"]*)"\)$/;
const DIMENSIONS = new Set(["verified", "unverified"]);

/** Is this a syntactically valid role (`any`, `users/verified`, `team:t1/owner`, `label:vip` …)? */
export function isValidRole(role: string): boolean {
  const [head, dimension, extra] = role.split("/");
  if (extra !== undefined || !head) return false;
  const colon = head.indexOf(":");
  const name = colon < 0 ? head : head.slice(0, colon);
  const id = colon < 0 ? undefined : head.slice(colon + 1);
  switch (name) {
    case "any":
    case "guests":
      return id === undefined && dimension === undefined;
    case "users":
      return id === undefined && (dimension === undefined || DIMENSIONS.has(dimension));
    case "user":
      return isValidId(id) && (dimension === undefined || DIMENSIONS.has(dimension));
    case "team":
      return isValidId(id) && (dimension === undefined || (dimension.length > 0 && dimension.length <= 81 && /^[A-Za-z0-9._-]+$/.test(dimension)));
    case "member":
    case "label":
      return isValidId(id) && dimension === undefined;
    default:
      return false;
  }
}

export interface ParsedPermission {
  action: Action;
  role: string;
}

/**
 * Validate and normalise a permission list: `write` expands to update+delete (plus create where the
 * resource allows it), duplicates go. Throws Appwrite's `general_argument_invalid` text on bad input.
 */
export function normalizePermissions(list: readonly string[], allowed: readonly Action[] = CONTAINER_ACTIONS): string[] {
  const out = new Set<string>();
  for (const raw of list) {
    const m = PERMISSION.exec(raw);
    if (!m) {
      throw new AppwriteError("general_argument_invalid", `Invalid \`permissions\` param: Permission "${raw}" is not allowed. Must be one of: ${[...allowed, "write"].join(", ")}.`);
    }
    const [, action, role] = m as unknown as [string, Action | "write", string];
    if (!isValidRole(role)) {
      throw new AppwriteError("general_argument_invalid", `Invalid \`permissions\` param: Role "${role}" is not allowed. Must be one of: any, guests, users, user:[id], team:[id], member:[id], label:[name].`);
    }
    const actions: Action[] = action === "write" ? (["create", "update", "delete"] as Action[]).filter((a) => allowed.includes(a)) : [action];
    for (const a of actions) {
      if (!allowed.includes(a)) {
        throw new AppwriteError("general_argument_invalid", `Invalid \`permissions\` param: Permission "${raw}" is not allowed. Must be one of: ${[...allowed, "write"].join(", ")}.`);
      }
      out.add(`${a}("${role}")`);
    }
  }
  return [...out];
}

export function parsePermissions(list: readonly string[]): ParsedPermission[] {
  const out: ParsedPermission[] = [];
  for (const raw of list) {
    const m = PERMISSION.exec(raw);
    if (m) out.push({ action: m[1] as Action, role: m[2]! });
  }
  return out;
}

/** Roles listed in `permissions` for one action. */
export function rolesFor(permissions: readonly string[], action: Action): string[] {
  return parsePermissions(permissions).filter((p) => p.action === action).map((p) => p.role);
}

/** Does a caller holding `roles` pass `action` on a resource with `permissions`? */
export function isAllowed(roles: readonly string[], permissions: readonly string[], action: Action): boolean {
  const held = new Set(roles);
  return rolesFor(permissions, action).some((r) => held.has(r));
}

/** A non-privileged caller may only grant roles it holds itself (Appwrite: `401 user_unauthorized`). */
export function assertGrantable(roles: readonly string[], privileged: boolean, permissions: readonly string[]): void {
  if (privileged) return;
  const held = new Set(roles);
  for (const { role } of parsePermissions(permissions)) {
    if (!held.has(role)) {
      throw new AppwriteError("user_unauthorized", `Permissions must be one of: (${roles.join(", ")})`);
    }
  }
}

/** What a user gets on a row or file it creates without saying: read/update/delete for itself. */
export function defaultPermissions(userId: string | undefined): string[] {
  if (!userId) return [];
  return ITEM_ACTIONS.map((a) => `${a}("user:${userId}")`);
}

/**
 * SQL predicate for "the caller may `action` this item" against a side table of (item, action, role)
 * rows. `roles` is bound once as a JSON array (json_each), so the bound-parameter count stays at 2
 * however many roles the caller holds (D1 allows 100 per statement).
 */
export function permissionPredicate(permTable: string, itemExpr: string, action: Action, roles: readonly string[]): { sql: string; params: unknown[] } {
  return {
    sql: `EXISTS (SELECT 1 FROM ${permTable} p WHERE p.item = ${itemExpr} AND p.action = ? AND p.role IN (SELECT value FROM json_each(?)))`,
    params: [action, JSON.stringify(roles)],
  };
}
