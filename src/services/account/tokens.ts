/**
 * One-time secrets (tokens table): magic URL, email OTP, phone OTP, recovery, verification, generic
 * (users.createToken) and OAuth2 tokens. Secrets are random, stored as sha256, compared in constant time;
 * an expired, wrong or already-used secret is `401 user_invalid_token`.
 */
import { and, desc, eq, lt, or } from "drizzle-orm";
import { AppwriteError } from "../../core/errors";
import { hashSecret, randomHex, safeEqual } from "../../core/crypto";
import { uniqueId } from "../../core/ids";
import type { DB } from "../../db/client";
import { tokens, type Token } from "../../db/schema";

export const TOKEN_TTL = {
  magicUrl: 3600,
  otp: 900,
  recovery: 3600,
  verification: 3600,
} as const;

export type TokenType = "magic-url" | "email" | "phone" | "recovery" | "verification" | "phone-verification" | "generic" | "oauth2";

/** 6 random digits (uniform). */
export function otpCode(): string {
  const buf = new Uint32Array(1);
  let n: number;
  do {
    crypto.getRandomValues(buf);
    n = buf[0]!;
  } while (n >= 4_294_000_000); // reject the tail so n % 1e6 stays uniform
  return String(n % 1_000_000).padStart(6, "0");
}

/** Appwrite's secret lengths in hex characters (app/init/constants.php TOKEN_LENGTH_*). */
export const TOKEN_LENGTH = { magicUrl: 64, verification: 256, recovery: 256, oauth2: 64, session: 256 } as const;

/** A hex secret of `length` characters, as Appwrite's Token proof generates them. */
export const hexSecret = (length: number) => randomHex(Math.ceil(length / 2)).slice(0, length);

export function newToken(projectId: string, userId: string, type: TokenType, secret: string, ttlSeconds: number, phrase = ""): Token {
  const now = Date.now();
  return { projectId, id: uniqueId(), userId, type, secretHash: hashSecret(secret), phrase, expire: now + ttlSeconds * 1000, createdAt: now };
}

/** Find the live token of one of `types` matching `secret` (constant-time over every candidate). */
export async function findToken(db: DB, projectId: string, userId: string, types: readonly TokenType[], secret: string): Promise<Token> {
  const rows = await db
    .select()
    .from(tokens)
    .where(and(eq(tokens.projectId, projectId), eq(tokens.userId, userId)))
    .orderBy(desc(tokens.createdAt))
    .limit(200);
  const digest = hashSecret(secret);
  const now = Date.now();
  let hit: Token | undefined;
  for (const t of rows) {
    if (safeEqual(t.secretHash, digest) && types.includes(t.type as TokenType) && t.expire > now) hit = t;
  }
  if (!hit) throw new AppwriteError("user_invalid_token");
  return hit;
}

export const deleteToken = (db: DB, t: Token) => db.delete(tokens).where(and(eq(tokens.projectId, t.projectId), eq(tokens.id, t.id)));

/**
 * Run alongside a new token's insert: a new secret of a kind revokes the user's older ones of that kind
 * (one live email code, phone code, magic URL, recovery or verification link at a time; Appwrite keeps
 * them all until they expire), and expired tokens of any kind go too.
 */
export const supersedeTokens = (db: DB, projectId: string, userId: string, type: TokenType) =>
  db.delete(tokens).where(and(eq(tokens.projectId, projectId), eq(tokens.userId, userId), or(eq(tokens.type, type), lt(tokens.expire, Date.now()))));

const ADJECTIVES = ["Brave", "Calm", "Clever", "Eager", "Fancy", "Gentle", "Happy", "Jolly", "Kind", "Lively", "Mighty", "Nimble", "Proud", "Quick", "Silly", "Witty"];
const NOUNS = ["Badger", "Comet", "Dolphin", "Falcon", "Gecko", "Harbor", "Island", "Jaguar", "Koala", "Lantern", "Meadow", "Otter", "Panda", "River", "Tiger", "Walrus"];
/** Appwrite's security phrase: shown in the response and repeated in the email so users can match them. */
export function phrase(): string {
  const b = crypto.getRandomValues(new Uint8Array(2));
  return `${ADJECTIVES[b[0]! % ADJECTIVES.length]} ${NOUNS[b[1]! % NOUNS.length]}`;
}
