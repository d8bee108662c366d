import { AppwriteError } from "./errors";

/**
 * Objects built from client input. Every one is null-prototype, so no name a client sends (`__proto__`,
 * `constructor`, `toString` …) can reach `Object.prototype` or resolve to an inherited member, and the
 * three names that steer JavaScript's object machinery are refused outright at every depth.
 */
export type Input = Record<string, unknown>;

const FORBIDDEN = new Set(["__proto__", "constructor", "prototype"]);
/** PHP's json_decode default depth, which is what Appwrite accepts. */
export const MAX_DEPTH = 512;

export const isForbiddenKey = (key: string): boolean => FORBIDDEN.has(key);

export function forbiddenKey(key: string): AppwriteError {
  return new AppwriteError("general_argument_invalid", `Invalid param: the key "${key}" is not allowed.`);
}

/** A fresh null-prototype object. */
export const inputObject = (): Input => Object.create(null) as Input;

/** Does `obj` itself (not its prototype chain) have `key`? The only way to look a client's name up in an object. */
export const hasOwn = (obj: object, key: string): boolean => Object.prototype.hasOwnProperty.call(obj, key);

/** Deep copy of parsed input into null-prototype objects; throws on a forbidden key or nesting past MAX_DEPTH. */
export function harden(value: unknown, depth = 0): unknown {
  if (value === null || typeof value !== "object" || value instanceof Blob) return value;
  if (depth >= MAX_DEPTH) throw new AppwriteError("general_argument_invalid", `Invalid param: input is nested deeper than ${MAX_DEPTH} levels.`);
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) value[i] = harden(value[i], depth + 1);
    return value;
  }
  const out = inputObject();
  for (const key of Object.keys(value)) {
    if (FORBIDDEN.has(key)) throw forbiddenKey(key);
    out[key] = harden((value as Input)[key], depth + 1);
  }
  return out;
}

/**
 * `JSON.parse` for anything a client sent (bodies, `data`, queries, headers, cookies, socket frames).
 * Throws SyntaxError on bad JSON, as JSON.parse does, and AppwriteError on forbidden keys.
 */
export function parseJson(text: string): unknown {
  return harden(JSON.parse(text));
}

/**
 * A constant name → value table that is safe to index with a client's name: null-prototype, so
 * `TABLE["constructor"]` or `TABLE["toString"]` is undefined rather than an inherited function.
 */
export function lookup<T>(entries: Record<string, T>): Readonly<Record<string, T | undefined>> {
  return Object.freeze(Object.assign(Object.create(null) as Record<string, T>, entries));
}
