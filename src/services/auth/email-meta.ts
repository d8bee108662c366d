/**
 * What Appwrite 1.9.6 records about a user's email whenever it is set (utopia-php/emails): its canonical
 * form (aliases folded away for providers known to ignore them) and whether the domain is a free, disposable or
 * corporate one. Appwrite ships lists of thousands of domains; Edgewrite knows the common ones below, so a rare
 * free or disposable domain counts as corporate here.
 */
import type { User } from "../../db/schema";

export type EmailMetadata = Pick<User, "emailCanonical" | "emailIsCanonical" | "emailIsCorporate" | "emailIsDisposable" | "emailIsFree">;

const NONE: EmailMetadata = { emailCanonical: null, emailIsCanonical: null, emailIsCorporate: null, emailIsDisposable: null, emailIsFree: null };

const FREE = new Set([
  "gmail.com", "googlemail.com", "yahoo.com", "yahoo.co.uk", "yahoo.fr", "ymail.com", "outlook.com", "hotmail.com",
  "hotmail.co.uk", "live.com", "msn.com", "icloud.com", "me.com", "mac.com", "aol.com", "proton.me", "protonmail.com",
  "pm.me", "gmx.com", "gmx.de", "gmx.net", "web.de", "mail.com", "yandex.com", "yandex.ru", "mail.ru", "zoho.com",
  "fastmail.com", "tutanota.com", "qq.com", "163.com", "126.com", "naver.com", "hey.com",
]);

const DISPOSABLE = new Set([
  "mailinator.com", "guerrillamail.com", "guerrillamail.net", "sharklasers.com", "10minutemail.com", "tempmail.com",
  "temp-mail.org", "yopmail.com", "trashmail.com", "getnada.com", "dispostable.com", "maildrop.cc", "throwawaymail.com",
  "fakeinbox.com", "mailnesia.com", "mintemail.com", "emailondeck.com", "moakt.com", "tempail.com", "mohmal.com",
]);

/** Provider rules for the canonical local part (Appwrite's Canonicals providers); others keep the address as is. */
const CANONICAL: { domains: string[]; domain?: string; fold: (local: string) => string }[] = [
  { domains: ["gmail.com", "googlemail.com"], domain: "gmail.com", fold: (l) => l.split("+")[0]!.replaceAll(".", "") },
  { domains: ["outlook.com", "hotmail.com", "live.com", "msn.com", "icloud.com", "me.com", "mac.com", "fastmail.com", "proton.me", "protonmail.com", "pm.me"], fold: (l) => l.split("+")[0]! },
  { domains: ["yahoo.com", "ymail.com"], fold: (l) => l.split("-")[0]! },
];

export function emailMetadata(email: string | null): EmailMetadata {
  if (!email) return NONE;
  const address = email.trim().toLowerCase();
  const at = address.lastIndexOf("@");
  const local = address.slice(0, at);
  const domain = address.slice(at + 1);
  const rule = CANONICAL.find((r) => r.domains.includes(domain));
  const canonical = rule ? `${rule.fold(local) || local}@${rule.domain ?? domain}` : address;
  const disposable = DISPOSABLE.has(domain);
  const free = FREE.has(domain) && !disposable;
  return { emailCanonical: canonical, emailIsCanonical: canonical === address, emailIsCorporate: !free && !disposable, emailIsDisposable: disposable, emailIsFree: free };
}
