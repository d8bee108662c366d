import { lookup } from "../core/input";
import { formatDate } from "../core/time";
import { platformType } from "./origin";
import type { Key, Platform, Project } from "../db/schema";
import { authConsoleFields } from "../services/auth/settings";
import { smtpFields } from "../services/project/smtp";
import { mockNumbersOf, projectSwitchFields } from "../services/project/config";

/** Auth settings with Appwrite's defaults; the Auth service reads and updates them. */
export function authSettings(p: Project) {
  const a = (p.settings.auth ?? {}) as Record<string, unknown>;
  return {
    authDuration: (a.duration as number) ?? 31536000,
    authLimit: (a.limit as number) ?? 0,
    authSessionsLimit: (a.sessionsLimit as number) ?? 10,
    authPasswordHistory: (a.passwordHistory as number) ?? 0,
    authPasswordDictionary: (a.passwordDictionary as boolean) ?? false,
    authPersonalDataCheck: (a.personalDataCheck as boolean) ?? false,
    authMockNumbers: mockNumbersOf(p).map((m) => ({ phone: m.phone, otp: m.otp })),
    ...authConsoleFields(p),
  };
}

export function projectModel(p: Project, extra: { platforms?: Platform[]; keys?: Key[] } = {}) {
  return {
    $id: p.id,
    $createdAt: formatDate(p.createdAt),
    $updatedAt: formatDate(p.updatedAt),
    name: p.name,
    description: p.description,
    teamId: p.teamId,
    logo: "",
    url: "",
    ...authSettings(p),
    ...projectSwitchFields(p),
    oAuthProviders: Object.entries(p.settings.oauth2 ?? {}).map(([key, v]) => ({ key, name: key, appId: v.appId ?? "", secret: "", enabled: !!v.enabled })),
    platforms: (extra.platforms ?? []).map(platformModel),
    webhooks: [],
    keys: (extra.keys ?? []).map((k) => keyModel(k)),
    devKeys: [],
    ...smtpFields(p),
  };
}

/** The secret exists in clear only in the response that creates the key; afterwards it is "" (stored hashed). */
export function keyModel(k: Key, secret = "") {
  return {
    $id: k.id,
    $createdAt: formatDate(k.createdAt),
    $updatedAt: formatDate(k.updatedAt),
    name: k.name,
    expire: k.expire === null ? null : formatDate(k.expire),
    scopes: k.scopes,
    secret,
    accessedAt: k.accessedAt === null ? "" : formatDate(k.accessedAt),
    sdks: k.sdks,
  };
}

/** 1.9's native platform types and the field that shows (and on their routes sets) the stored `key`. */
export const NATIVE_KEY_FIELDS = lookup({ apple: "bundleIdentifier", android: "applicationId", windows: "packageIdentifierName", linux: "packageName" });

/** PlatformWeb: also what the legacy console create answers for every type (hostname and the deprecated key). */
export function webPlatformModel(p: Platform, type = p.type) {
  return { ...platformBase(p, type), hostname: p.hostname, key: p.key };
}

/** The model of the platform's 1.9 type (Get, List): deprecated types are shown as their 1.9 type. */
export function platformModel(p: Platform) {
  const type = platformType(p.type);
  const field = NATIVE_KEY_FIELDS[type];
  return field ? { ...platformBase(p, type), [field]: p.key } : webPlatformModel(p, type);
}

function platformBase(p: Platform, type: string) {
  return { $id: p.id, $createdAt: formatDate(p.createdAt), $updatedAt: formatDate(p.updatedAt), name: p.name, type };
}
