import { parseJson } from "../core/input";

/**
 * The opaque session string clients hold (cookie, X-Appwrite-Session, X-Fallback-Cookies, realtime):
 * base64(JSON {id: userId, secret}), as Appwrite encodes it. Only a hash of `secret` is stored.
 */
export function encodeSessionSecret(userId: string, secret: string): string {
  return btoa(JSON.stringify({ id: userId, secret }));
}

export function decodeSessionSecret(value: string): { userId: string; secret: string } | null {
  if (!value || value.length > 1024) return null;
  try {
    const o = parseJson(atob(value)) as { id?: unknown; secret?: unknown };
    if (typeof o.id === "string" && typeof o.secret === "string" && o.id && o.secret) return { userId: o.id, secret: o.secret };
  } catch {
    /* not ours */
  }
  return null;
}

export const sessionCookieName = (projectId: string) => `a_session_${projectId}`;
