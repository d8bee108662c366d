import * as z from "zod/mini";
import type { Context } from "hono";
import { AppwriteError } from "./errors";
import { KEY_DESCRIPTION, isValidId } from "./ids";
import { forbiddenKey, hasOwn, inputObject, isForbiddenKey, parseJson } from "./input";

/**
 * Request parameters, the way Appwrite's SDKs send them: GET arrays as `key[0]=`, `key[]=` or `key=`;
 * JSON bodies (every DELETE has one); multipart with `key[]` fields. Values are validated and coerced
 * per parameter by zod/mini schemas below, whose error text is Appwrite's validator description.
 */
export type RawParams = Record<string, unknown>;

const LIMIT_ARRAY = 100;
const LIMIT_ELEMENT = 4096;

/**
 * One `name[a][0][]` field into `out`. Containers are null-prototype and `__proto__`/`constructor`/`prototype`
 * are refused at every level, so no field name can reach Object.prototype.
 */
function put(out: RawParams, rawKey: string, value: unknown): void {
  const m = /^([^[\]]+)((?:\[[^\]]*\])+)$/.exec(rawKey);
  const name = m ? m[1]! : rawKey;
  const parts = m ? [...m[2]!.matchAll(/\[([^\]]*)\]/g)].map((p) => p[1]!) : [];
  for (const key of [name, ...parts]) if (isForbiddenKey(key)) throw forbiddenKey(key);
  let node: Record<string, unknown> = out;
  let key: string = name;
  for (const part of parts) {
    const existing = hasOwn(node, key) ? node[key] : undefined;
    const isIndex = part === "" || /^\d+$/.test(part);
    const container = (existing && typeof existing === "object" && !(existing instanceof Blob) ? existing : isIndex ? [] : inputObject()) as Record<string, unknown>;
    node[key] = container;
    node = container;
    key = part === "" ? String(Array.isArray(container) ? container.length : Object.keys(container).length) : part;
  }
  node[key] = value;
}

/** Arrays built from `key[n]` may be sparse or keyed objects; normalise to dense arrays. */
function densify(v: unknown): unknown {
  if (Array.isArray(v)) return v.filter((x) => x !== undefined).map(densify);
  if (v && typeof v === "object" && !(v instanceof Blob)) {
    const o = v as Record<string, unknown>;
    const keys = Object.keys(o);
    if (keys.length && keys.every((k) => /^\d+$/.test(k))) return keys.sort((a, b) => +a - +b).map((k) => densify(o[k]));
    for (const k of keys) o[k] = densify(o[k]);
  }
  return v;
}

export function fromSearchParams(sp: URLSearchParams): RawParams {
  const out: RawParams = inputObject();
  for (const [k, v] of sp) put(out, k, v);
  return densify(out) as RawParams;
}

/** Parse query string + body once per request; cached on the context. */
export async function collectParams(c: Context): Promise<RawParams> {
  const cached = c.get("rawParams" as never) as RawParams | undefined;
  if (cached) return cached;
  const url = new URL(c.req.url);
  const params: RawParams = fromSearchParams(url.searchParams);
  const method = c.req.method;
  if (method !== "GET" && method !== "HEAD") {
    const type = (c.req.header("content-type") ?? "").toLowerCase();
    if (type.includes("application/json")) {
      const text = await c.req.text();
      if (text.trim() !== "") {
        let body: unknown;
        try {
          body = parseJson(text);
        } catch (e) {
          if (e instanceof AppwriteError) throw e;
          throw new AppwriteError("general_argument_invalid", "Invalid JSON body: the request body could not be parsed.");
        }
        // PHP encodes an empty parameter map as `[]` (Appwrite's PHP SDK sends it): no parameters.
        if (Array.isArray(body) && body.length === 0) body = inputObject();
        if (body === null || typeof body !== "object" || Array.isArray(body)) {
          throw new AppwriteError("general_argument_invalid", "Invalid JSON body: expected a JSON object.");
        }
        Object.assign(params, body);
      }
    } else if (type.includes("multipart/form-data") || type.includes("application/x-www-form-urlencoded")) {
      let form: FormData;
      try {
        form = await c.req.formData();
      } catch {
        throw new AppwriteError("general_argument_invalid", "Invalid form body: the request body could not be parsed.");
      }
      const body: RawParams = inputObject();
      for (const [k, v] of form as unknown as Iterable<[string, string | File]>) put(body, k, v);
      Object.assign(params, densify(body));
    }
  }
  // Path values are params too and win over the body, as in Appwrite (older paths carry IDs that today's
  // routes take in the body: PATCH /functions/:functionId/deployments/:deploymentId).
  Object.assign(params, c.req.param());
  // Clients on an older response format have their params lifted to today's first (src/platform/formats);
  // collectParams runs in the route's handler, whose path picks the filters.
  await (c.get("formats" as never) as { params(p: RawParams): Promise<void> } | undefined)?.params(params);
  c.set("rawParams" as never, params as never);
  return params;
}

// ---- validators -------------------------------------------------------------------------------

type Schema<T = unknown> = z.ZodMiniType<T>;

const toBool = (v: unknown) => (v === "true" || v === "1" ? true : v === "false" || v === "0" ? false : v);
const toNum = (v: unknown) => (typeof v === "string" && v.trim() !== "" && !Number.isNaN(Number(v)) ? Number(v) : v);
const toArray = (v: unknown) => (v === undefined || v === null || Array.isArray(v) ? v : [v]);

export const p = {
  string(opts: { min?: number; max?: number } = {}): Schema<string> {
    const { min = 0, max = 2048 } = opts;
    const msg = `Value must be a valid string and at least ${min} chars and no longer than ${max} chars`;
    return z.string({ error: msg }).check(z.minLength(min, { error: msg }), z.maxLength(max, { error: msg }));
  },
  /** CustomId: a valid key, or `unique()`. */
  customId(): Schema<string> {
    return z.string({ error: KEY_DESCRIPTION }).check(z.refine((v) => v === "unique()" || isValidId(v), { error: KEY_DESCRIPTION }));
  },
  /** UID: an existing resource's id (no `unique()`). */
  uid(): Schema<string> {
    return z.string({ error: KEY_DESCRIPTION }).check(z.refine(isValidId, { error: KEY_DESCRIPTION }));
  },
  email(): Schema<string> {
    const msg = "Value must be a valid email address";
    return z.string({ error: msg }).check(z.maxLength(255, { error: msg }), z.email({ error: msg }));
  },
  url(): Schema<string> {
    const msg = "Value must be a valid URL";
    return z.string({ error: msg }).check(z.refine((v) => URL.canParse(v) && /^https?:|^[a-z][a-z0-9+.-]*:/i.test(v), { error: msg }));
  },
  /** Appwrite's Domain validator: a hostname (labels of letters, digits and inner hyphens, ≥ 2 labels), lowercased; no scheme, port or path. */
  domain(): Schema<string> {
    const msg = "Value must be a valid domain";
    const label = /^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$/;
    const valid = (v: string) => v.length <= 253 && v.split(".").length >= 2 && v.split(".").every((l) => label.test(l));
    return z.pipe(z.string({ error: msg }), z.pipe(z.transform((v: string) => v.toLowerCase()), z.string().check(z.refine(valid, { error: msg }))));
  },
  boolean(): Schema<boolean> {
    return z.pipe(z.transform(toBool), z.boolean({ error: "Value must be a valid boolean" }));
  },
  integer(opts: { min?: number; max?: number } = {}): Schema<number> {
    const { min = Number.MIN_SAFE_INTEGER, max = Number.MAX_SAFE_INTEGER } = opts;
    const msg = opts.min !== undefined || opts.max !== undefined ? `Value must be a valid range between ${min} and ${max}` : "Value must be a valid integer";
    return z.pipe(
      z.transform(toNum),
      z.number({ error: msg }).check(z.refine((n) => Number.isInteger(n) && n >= min && n <= max, { error: msg })),
    );
  },
  number(opts: { min?: number; max?: number } = {}): Schema<number> {
    const { min = -Infinity, max = Infinity } = opts;
    const msg = opts.min !== undefined || opts.max !== undefined ? `Value must be a valid range between ${min} and ${max}` : "Value must be a valid float";
    return z.pipe(z.transform(toNum), z.number({ error: msg }).check(z.refine((n) => Number.isFinite(n) && n >= min && n <= max, { error: msg })));
  },
  enum<const T extends readonly string[]>(values: T): Schema<T[number]> {
    const msg = `Value must be one of (${values.join(", ")})`;
    return z.enum(values as unknown as [T[number], ...T[number][]], { error: msg }) as unknown as Schema<T[number]>;
  },
  /** Array params: ≤ 100 items, each ≤ 4096 chars when a string; a lone value becomes a one-item array. */
  array<T>(item: Schema<T>, opts: { max?: number; itemDescription?: string } = {}): Schema<T[]> {
    const max = opts.max ?? LIMIT_ARRAY;
    const msg = `Value must a valid array no longer than ${max} items${opts.itemDescription ? ` and ${opts.itemDescription}` : ""}`;
    return z.pipe(z.transform(toArray), z.array(item, { error: msg }).check(z.maxLength(max, { error: msg })));
  },
  strings(opts: { max?: number; maxLength?: number } = {}): Schema<string[]> {
    const len = opts.maxLength ?? LIMIT_ELEMENT;
    return p.array(p.string({ max: len }), { max: opts.max, itemDescription: `Value must be a valid string and no longer than ${len} chars` });
  },
  /** A JSON object, or a JSON string that decodes to one (rows' `data`). */
  object(): Schema<Record<string, unknown>> {
    const msg = "Value must be a valid JSON object";
    return z.pipe(
      z.transform((v) => {
        if (typeof v !== "string") return v;
        try {
          return parseJson(v);
        } catch (e) {
          if (e instanceof AppwriteError) throw e;
          return v;
        }
      }),
      z.custom<Record<string, unknown>>((v) => !!v && typeof v === "object" && !Array.isArray(v), { error: msg }),
    );
  },
  /**
   * `prefs` (users, teams): a JSON object of at most 65,535 characters (Appwrite's Assoc), handed on as an
   * ordinary object: drizzle inspects prototypes, and hardened input has no prototype keys left to fear.
   */
  prefs(): Schema<Record<string, unknown>> {
    // Appwrite's Assoc: an object, never a JSON string standing for one.
    const msg = "Value must be a valid object.";
    return z.pipe(
      z.custom<Record<string, unknown>>((v) => !!v && typeof v === "object" && !Array.isArray(v), { error: msg }),
      z.pipe(z.custom<Record<string, unknown>>((v) => JSON.stringify(v).length <= 65535, { error: msg }), z.transform((v) => structuredClone(v))),
    );
  },
  file(): Schema<File> {
    return z.custom<File>((v) => v instanceof File, { error: "File is not valid" });
  },
  any(): Schema<unknown> {
    return z.unknown();
  },
  optional<T>(s: Schema<T>): Schema<T | undefined> {
    return z.optional(s);
  },
  /** Optional with a default applied when the param is absent or null. */
  default<T>(s: Schema<T>, value: T): Schema<T> {
    return z._default(s, value as never) as unknown as Schema<T>;
  },
};

type Shape = Record<string, Schema<unknown>>;
export type Parsed<S extends Shape> = { [K in keyof S]: z.infer<S[K]> };

/** Declared with p.optional / p.default (pipes with a leading transform also accept undefined, so ask the def). */
function isOptional(s: Schema<unknown>): boolean {
  const type = (s as unknown as { _zod: { def: { type: string } } })._zod.def.type;
  return type === "optional" || type === "default";
}

/** Validate params against a shape, throwing Appwrite's `general_argument_invalid` messages. */
export function validate<S extends Shape>(raw: RawParams, shape: S): Parsed<S> {
  const out: Record<string, unknown> = {}; // keyed by the route's own names only
  for (const [name, schema] of Object.entries(shape)) {
    let value = hasOwn(raw, name) ? raw[name] : undefined;
    if (value === null && isOptional(schema)) value = undefined;
    if (value === undefined && !isOptional(schema)) {
      throw new AppwriteError("general_argument_invalid", `Param "${name}" is not optional.`);
    }
    const r = schema.safeParse(value);
    if (!r.success) {
      const issue = r.error.issues[0];
      throw new AppwriteError("general_argument_invalid", `Invalid \`${name}\` param: ${issue?.message ?? "Value is invalid"}`);
    }
    out[name] = r.data;
  }
  return out as Parsed<S>;
}

/** A route's path parameter, validated as Appwrite validates route params (`Invalid \`bucketId\` param: …`, 400). */
export function pathParam<T>(c: Context, name: string, schema: Schema<T>): T {
  return validate({ [name]: c.req.param(name) }, { [name]: schema })[name] as T;
}

/** Collect and validate in one go — the call every route makes. */
export async function params<S extends Shape>(c: Context, shape: S): Promise<Parsed<S>> {
  return validate(await collectParams(c), shape);
}
