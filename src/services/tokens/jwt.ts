import { jwtVerify, SignJWT } from "jose";
import { sha256 } from "@noble/hashes/sha2.js";
import { purposeBytes } from "../../core/secrets";
import { and, eq } from "drizzle-orm";
import type { DB } from "../../db/client";
import { resourceTokens, type ResourceToken } from "../../db/schema";

/**
 * A resource token's `secret` is a JWT (HS256) naming the token and its resource, as in Appwrite. It is
 * signed with a key derived from the deployment's root secret (src/core/secrets.ts), so
 * the database holds nothing secret; a request using it is checked against the token row every time,
 * so deleting a token or moving its expiry takes effect at once.
 */
const signingKey = (env: Env) => sha256(purposeBytes(env, "resource-tokens"));

export async function tokenSecret(env: Env, t: ResourceToken): Promise<string> {
  const jwt = new SignJWT({ tokenId: t.id, projectId: t.projectId, resourceId: t.resourceId, resourceType: t.resourceType, resourceInternalId: t.resourceInternalId })
    .setProtectedHeader({ alg: "HS256", typ: "JWT" })
    .setIssuedAt(Math.floor(t.createdAt / 1000));
  if (t.expire !== null) jwt.setExpirationTime(Math.floor(t.expire / 1000));
  return jwt.sign(signingKey(env));
}

export interface FileGrant {
  bucketSeq: number;
  fileSeq: number;
}

/** The token id a `?token=` JWT names, if its signature holds and it is for this project (CPU only, no D1). */
export async function tokenIdFromJwt(env: Env, projectId: string, token: string | undefined): Promise<string | null> {
  if (!token || token.length > 2048) return null;
  try {
    const { payload } = await jwtVerify(token, signingKey(env), { algorithms: ["HS256"] });
    return payload.projectId === projectId && typeof payload.tokenId === "string" ? payload.tokenId : null;
  } catch {
    return null;
  }
}

export const selectToken = (db: DB, projectId: string, tokenId: string) =>
  db.select().from(resourceTokens).where(and(eq(resourceTokens.projectId, projectId), eq(resourceTokens.id, tokenId))).limit(1);

/**
 * What a loaded token row grants: read of one file (by internal ids), or null when it is missing,
 * expired or not a file token — then ordinary permissions apply, as in Appwrite.
 */
export function fileGrant(db: DB, row: ResourceToken | undefined, waitUntil: (p: Promise<unknown>) => void): FileGrant | null {
  if (!row || row.resourceType !== "files") return null;
  if (row.expire !== null && row.expire < Date.now()) return null;
  const [b, f] = row.resourceInternalId.split(":").map(Number);
  if (!Number.isInteger(b) || !Number.isInteger(f)) return null;
  // Appwrite refreshes accessedAt at most once per APP_RESOURCE_TOKEN_ACCESS (1 h).
  if (row.accessedAt === null || row.accessedAt < Date.now() - 3_600_000) {
    waitUntil(db.update(resourceTokens).set({ accessedAt: Date.now() }).where(eq(resourceTokens.seq, row.seq)).then(() => undefined));
  }
  return { bucketSeq: b!, fileSeq: f! };
}
