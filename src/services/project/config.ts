/**
 * Project-level switches Appwrite keeps on the project document, under its names: `services` (optional
 * services on/off, app/config/services.php), `apis` (protocols, app/config/protocols.php) and `labels`.
 * Stored in `projects.settings.{services,apis,labels}`; unset means enabled.
 */
import { hasOwn } from "../../core/input";
import type { Project } from "../../db/schema";
import { AUTH_METHODS, authOf } from "../auth/settings";

/** Appwrite 1.9.6's optional services, in its order (the only ones `updateService` accepts). */
export const SERVICES = [
  "account", "avatars", "databases", "tablesdb", "locale", "health", "project", "storage", "teams", "users", "vcs",
  "sites", "functions", "proxy", "graphql", "migrations", "messaging", "advisor",
] as const;
export type ServiceId = (typeof SERVICES)[number];

export const PROTOCOLS = ["rest", "graphql", "websocket"] as const;
export type ProtocolId = (typeof PROTOCOLS)[number];

const flags = (p: Project, key: "services" | "apis") => {
  const v = p.settings[key];
  return (v && typeof v === "object" ? v : {}) as Record<string, unknown>;
};

export const serviceEnabled = (p: Project, id: string) => flags(p, "services")[id] !== false;

/** Websocket also answers to Appwrite's older `realtime` key. */
export function protocolEnabled(p: Project, id: ProtocolId): boolean {
  const apis = flags(p, "apis");
  if (id === "websocket" && !hasOwn(apis, "websocket")) return apis.realtime !== false;
  return apis[id] !== false;
}

/** Appwrite's mock phones (`auths.mockNumbers`): phone sign-in with a fixed code and no SMS. */
export interface MockNumber { phone: string; otp: string; $createdAt: string; $updatedAt: string }
export const mockNumbersOf = (p: Project): MockNumber[] => {
  const list = authOf(p).mockNumbers;
  return Array.isArray(list) ? (list as MockNumber[]) : [];
};

/** The fixed code of a mock number, or null (a real SMS goes out). */
export const mockOtp = (p: Project, phone: string) => mockNumbersOf(p).find((m) => m.phone === phone)?.otp ?? null;

export const labelsOf = (p: Project): string[] => (Array.isArray(p.settings.labels) ? (p.settings.labels as string[]) : []);

/** The Project model fields of Appwrite 1.9's slim model that describe these switches. */
export function projectSwitchFields(p: Project) {
  const auth = authOf(p);
  return {
    region: "default",
    labels: labelsOf(p),
    status: "active",
    authMethods: Object.entries(AUTH_METHODS).map(([id, m]) => ({ $id: id, enabled: auth[m.key] !== false })),
    services: SERVICES.map((id) => ({ $id: id, enabled: serviceEnabled(p, id) })),
    protocols: PROTOCOLS.map((id) => ({ $id: id, enabled: protocolEnabled(p, id) })),
    blocks: [],
    consoleAccessedAt: "",
    pingCount: 0,
    pingedAt: "",
  };
}
