import { hmac } from "@noble/hashes/hmac.js";
import { sha1 } from "@noble/hashes/legacy.js";

/**
 * TOTP (RFC 6238: HMAC-SHA1, 6 digits, 30-second steps — the authenticator-app defaults Appwrite's otphp uses),
 * on the @noble/hashes already in the bundle. Secrets are base32 (RFC 4648, no padding).
 */
const ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
export const TOTP_PERIOD = 30;
export const TOTP_DIGITS = 6;

export function base32Encode(bytes: Uint8Array): string {
  let bits = 0;
  let value = 0;
  let out = "";
  for (const b of bytes) {
    value = (value << 8) | b;
    bits += 8;
    while (bits >= 5) {
      out += ALPHABET[(value >>> (bits - 5)) & 31];
      bits -= 5;
    }
  }
  if (bits > 0) out += ALPHABET[(value << (5 - bits)) & 31];
  return out;
}

export function base32Decode(text: string): Uint8Array {
  const clean = text.toUpperCase().replace(/=+$/, "");
  const out: number[] = [];
  let bits = 0;
  let value = 0;
  for (const ch of clean) {
    const i = ALPHABET.indexOf(ch);
    if (i < 0) throw new Error("invalid base32");
    value = (value << 5) | i;
    bits += 5;
    if (bits >= 8) {
      out.push((value >>> (bits - 8)) & 255);
      bits -= 8;
    }
  }
  return new Uint8Array(out);
}

/** A new 160-bit secret (RFC 4226's recommended length). */
export function newTotpSecret(): string {
  return base32Encode(crypto.getRandomValues(new Uint8Array(20)));
}

/** The code for one time step (HOTP, RFC 4226 §5.3). */
export function hotp(secret: string, counter: number): string {
  const msg = new Uint8Array(8);
  new DataView(msg.buffer).setBigUint64(0, BigInt(counter));
  const mac = hmac(sha1, base32Decode(secret), msg);
  const offset = mac[mac.length - 1]! & 15;
  const bin = ((mac[offset]! & 0x7f) << 24) | (mac[offset + 1]! << 16) | (mac[offset + 2]! << 8) | mac[offset + 3]!;
  return String(bin % 10 ** TOTP_DIGITS).padStart(TOTP_DIGITS, "0");
}

export const totpAt = (secret: string, ms: number) => hotp(secret, Math.floor(ms / 1000 / TOTP_PERIOD));

/**
 * Appwrite accepts only the current step; Edgewrite also accepts the previous one, so a code typed just
 * before a step boundary still works. Every candidate is compared in full (no early exit on a match).
 */
export function verifyTotp(secret: string, otp: string, now = Date.now()): boolean {
  if (!/^\d{6}$/.test(otp)) return false;
  let ok = 0;
  for (const step of [0, -1]) {
    const expected = totpAt(secret, now + step * TOTP_PERIOD * 1000);
    let diff = 0;
    for (let i = 0; i < TOTP_DIGITS; i++) diff |= expected.charCodeAt(i) ^ otp.charCodeAt(i);
    ok |= diff === 0 ? 1 : 0;
  }
  return ok === 1;
}

/** otphp's provisioning URI: `otpauth://totp/<issuer>:<label>?issuer=<issuer>&secret=<secret>`. */
export function provisioningUri(secret: string, label: string, issuer: string): string {
  const enc = encodeURIComponent;
  return `otpauth://totp/${enc(issuer)}%3A${enc(label)}?issuer=${enc(issuer)}&secret=${secret}`;
}
