import type { Project } from "../../../db/schema";
import { defaultEndpoints, type Endpoints, type ProviderConfig } from "./providers";

/** What the console stores per provider in `projects.settings.oauth2[provider]`. */
export interface StoredProvider {
  enabled?: boolean;
  appId?: string;
  secret?: string;
  /** Edgewrite extension (console admin only): replace the provider's endpoints, e.g. a fake server in tests. */
  endpoints?: Partial<Endpoints>;
}

export function storedProvider(project: Project, provider: string): StoredProvider {
  const all = (project.settings.oauth2 ?? {}) as Record<string, StoredProvider>;
  return all[provider] ?? {};
}

export function providerConfig(project: Project, provider: string, callback: string): ProviderConfig & { enabled: boolean } {
  const s = storedProvider(project, provider);
  const secret = s.secret ?? "";
  const defaults = defaultEndpoints(provider, secret);
  const e = s.endpoints ?? {};
  return {
    enabled: !!s.enabled,
    appId: s.appId ?? "",
    secret,
    callback,
    endpoints: { authorize: e.authorize || defaults.authorize, token: e.token || defaults.token, user: e.user || defaults.user },
  };
}
