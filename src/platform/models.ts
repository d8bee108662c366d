import { formatDate } from "../core/time";
import type { Key, Platform, Project } from "../db/schema";
import { authConsoleFields } from "../services/auth/settings";

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
    authMockNumbers: [],
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
    oAuthProviders: Object.entries(p.settings.oauth2 ?? {}).map(([key, v]) => ({ key, name: key, appId: v.appId ?? "", secret: "", enabled: !!v.enabled })),
    platforms: (extra.platforms ?? []).map(platformModel),
    webhooks: [],
    keys: (extra.keys ?? []).map((k) => keyModel(k)),
    devKeys: [],
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

export function platformModel(p: Platform) {
  return {
    $id: p.id,
    $createdAt: formatDate(p.createdAt),
    $updatedAt: formatDate(p.updatedAt),
    name: p.name,
    type: p.type,
    key: p.key,
    store: p.store,
    hostname: p.hostname,
    httpUser: "",
    httpPass: "",
  };
}
