import { AppwriteError } from "./errors";

/** Appwrite's `ID.unique()`: a uniqid()-style 13-hex timestamp + 7 random hex = 20 chars. */
export function uniqueId(): string {
  const now = Date.now();
  const sec = Math.floor(now / 1000).toString(16);
  const usec = ((now % 1000) * 1000).toString(16).padStart(5, "0");
  const rand = crypto.getRandomValues(new Uint8Array(4));
  const tail = Array.from(rand, (b) => b.toString(16).padStart(2, "0")).join("").slice(0, 7);
  return sec + usec + tail;
}

const KEY = /^[A-Za-z0-9][A-Za-z0-9._-]{0,35}$/;
export const KEY_DESCRIPTION =
  "Parameter must contain at most 36 chars. Valid chars are a-z, A-Z, 0-9, period, hyphen, and underscore. Can't start with a special char";

/** utopia `Key`/`UID` validator: 1–36 of [A-Za-z0-9._-], not starting with a special char. */
export function isValidId(id: unknown): id is string {
  return typeof id === "string" && KEY.test(id);
}

/** Resolve a CustomId param: `unique()` means "generate one". */
export function resolveId(param: string, value: string): string {
  if (value === "unique()") return uniqueId();
  if (!isValidId(value)) throw new AppwriteError("general_argument_invalid", `Invalid \`${param}\` param: ${KEY_DESCRIPTION}`);
  return value;
}
