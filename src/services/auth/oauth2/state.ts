import { hmac } from "@noble/hashes/hmac.js";
import { sha256 } from "@noble/hashes/sha2.js";
import { bytesToHex, utf8ToBytes } from "@noble/hashes/utils.js";
import { safeEqual } from "../../../core/crypto";
import type { Project } from "../../../db/schema";

/**
 * The OAuth2 `state` round-tripped through the provider: Appwrite's JSON `{success, failure, token}`, plus
 * an HMAC (`sig`) over the project, provider and those fields so a callback cannot be replayed into another
 * project or have its redirect targets or mode swapped (Appwrite does not sign it; the fields are the same).
 */
export interface OAuthState {
  success: string;
  failure: string;
  token: boolean;
}

const key = (env: Env) => utf8ToBytes(`oauth2-state:${env.JWT_SECRET || env.ADMIN_KEY || "edgewrite-dev"}`);
const mac = (env: Env, projectId: string, provider: string, s: OAuthState) =>
  bytesToHex(hmac(sha256, key(env), utf8ToBytes(JSON.stringify([projectId, provider, s.success, s.failure, s.token]))));

export function encodeState(env: Env, project: Project, provider: string, s: OAuthState): string {
  return JSON.stringify({ success: s.success, failure: s.failure, token: s.token, sig: mac(env, project.id, provider, s) });
}

/** The verified state, or null when it is malformed or was not issued for this project and provider. */
export function decodeState(env: Env, project: Project, provider: string, raw: string): OAuthState | null {
  try {
    const o = JSON.parse(raw) as Record<string, unknown>;
    const s: OAuthState = { success: String(o.success ?? ""), failure: String(o.failure ?? ""), token: o.token === true };
    if (typeof o.sig !== "string" || !safeEqual(o.sig, mac(env, project.id, provider, s))) return null;
    return s;
  } catch {
    return null;
  }
}
