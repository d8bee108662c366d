import { decodeJwt, importPKCS8, SignJWT } from "jose";
import { isPrivateUrl } from "../../../core/addresses";
import { lookup } from "../../../core/input";

/**
 * A generic OAuth2 authorization-code provider: authorize URL, code exchange, user info mapping.
 * Endpoints and user-info shapes follow Appwrite's src/Appwrite/Auth/OAuth2/*.php. Every endpoint can be
 * overridden per project (`settings.oauth2[provider].endpoints`, console admin only) so tests can run
 * against a fake provider on loopback; `mock` defaults to Appwrite's own test endpoint.
 */
export interface Endpoints {
  authorize: string;
  token: string;
  user: string;
}

export interface ProviderConfig {
  appId: string;
  /** As stored: a plain secret, or JSON for providers that need more (Microsoft tenant, Apple key). */
  secret: string;
  callback: string;
  endpoints: Endpoints;
}

export interface Tokens {
  accessToken: string;
  refreshToken: string;
  /** Seconds. */
  expiresIn: number;
  /** OpenID id_token when the provider returns one. */
  idToken?: string;
}

export interface ProviderUser {
  id: string;
  email: string;
  verified: boolean;
  name: string;
}

export class OAuth2Error extends Error {
  constructor(readonly error: string, message?: string) {
    super(message ?? error);
  }
}

interface Provider {
  name: string;
  scopes: string[];
  defaults: (cfg: { secret: string }) => Endpoints;
  /** An OpenID discovery document that supplies the endpoints left empty (OIDC's `wellKnownEndpoint`). */
  wellKnown?: (cfg: { secret: string }) => string;
  authorizeParams?: Record<string, string>;
  /** How the code is exchanged: a form POST (default) or a GET with query params. */
  tokenMethod?: "post" | "get";
  clientSecret?: (cfg: ProviderConfig) => Promise<string> | string;
  user: (cfg: ProviderConfig, tokens: Tokens) => Promise<ProviderUser>;
}

const jsonSecret = (secret: string): Record<string, string> => {
  try {
    const v = JSON.parse(secret) as unknown;
    return v && typeof v === "object" ? (v as Record<string, string>) : {};
  } catch {
    return {};
  }
};

/**
 * Every request to a provider. Endpoints are configured per project and an OpenID discovery document names
 * more of them, so private and link-local addresses are refused as webhooks refuse them (core/addresses.ts),
 * on every redirect of a GET too (a POST is not redirected).
 */
async function providerFetch(url: string, init: RequestInit = {}): Promise<Response> {
  for (let hops = 0; ; hops++) {
    if (isPrivateUrl(url)) throw new OAuth2Error("endpoint_not_allowed", "Private and link-local addresses are not allowed as provider endpoints.");
    const res = await fetch(url, { ...init, redirect: "manual" });
    const location = res.headers.get("location");
    if (init.method || res.status < 300 || res.status > 399 || !location || hops === 5) return res;
    url = new URL(location, url).toString();
  }
}

async function getJson(url: string, headers: Record<string, string> = {}): Promise<Record<string, unknown>> {
  const res = await providerFetch(url, { headers: { accept: "application/json", "user-agent": "Edgewrite", ...headers } });
  const text = await res.text();
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    throw new OAuth2Error("invalid_response", `Unexpected response from the provider (HTTP ${res.status}).`);
  }
  if (!res.ok) throw new OAuth2Error(String((body as Record<string, unknown>)?.error ?? `HTTP ${res.status}`), String((body as Record<string, unknown>)?.error_description ?? ""));
  return (body ?? {}) as Record<string, unknown>;
}

const str = (v: unknown) => (typeof v === "string" ? v : typeof v === "number" ? String(v) : "");
const bearer = (t: Tokens) => ({ authorization: `Bearer ${t.accessToken}` });

const PROVIDERS = lookup<Provider>({
  mock: {
    name: "Mock",
    scopes: ["email"],
    defaults: () => ({
      authorize: "http://localhost/v1/mock/tests/general/oauth2",
      token: "http://localhost/v1/mock/tests/general/oauth2/token",
      user: "http://localhost/v1/mock/tests/general/oauth2/user",
    }),
    tokenMethod: "get",
    async user(cfg, t) {
      const u = await getJson(`${cfg.endpoints.user}?token=${encodeURIComponent(t.accessToken)}`);
      return { id: str(u.id), email: str(u.email), verified: u.verified === undefined ? true : !!u.verified, name: str(u.name) };
    },
  },
  github: {
    name: "GitHub",
    scopes: ["user:email"],
    defaults: () => ({ authorize: "https://github.com/login/oauth/authorize", token: "https://github.com/login/oauth/access_token", user: "https://api.github.com/user" }),
    async user(cfg, t) {
      const auth = { authorization: `token ${t.accessToken}` };
      const u = await getJson(cfg.endpoints.user, auth);
      let email = str(u.email);
      let verified = false;
      try {
        const emails = (await getJson(`${cfg.endpoints.user}/emails`, auth)) as unknown as { email: string; primary?: boolean; verified?: boolean }[];
        if (Array.isArray(emails)) {
          const pick = emails.find((e) => e.primary && e.verified) ?? emails.find((e) => e.verified);
          if (pick) [email, verified] = [pick.email, true];
        }
      } catch {
        /* no email scope: keep the public email, unverified */
      }
      return { id: str(u.id), email, verified, name: str(u.name) || str(u.login) };
    },
  },
  google: {
    name: "Google",
    scopes: ["https://www.googleapis.com/auth/userinfo.email", "https://www.googleapis.com/auth/userinfo.profile", "openid"],
    defaults: () => ({ authorize: "https://accounts.google.com/o/oauth2/v2/auth", token: "https://oauth2.googleapis.com/token", user: "https://www.googleapis.com/oauth2/v3/userinfo" }),
    authorizeParams: { response_type: "code", access_type: "offline", prompt: "consent" },
    clientSecret: (cfg) => jsonSecret(cfg.secret).clientSecret ?? cfg.secret,
    async user(cfg, t) {
      const u = await getJson(cfg.endpoints.user, bearer(t));
      return { id: str(u.sub), email: str(u.email), verified: !!u.email_verified, name: str(u.name) };
    },
  },
  discord: {
    name: "Discord",
    scopes: ["identify", "email"],
    defaults: () => ({ authorize: "https://discord.com/api/oauth2/authorize", token: "https://discord.com/api/oauth2/token", user: "https://discord.com/api/users/@me" }),
    authorizeParams: { response_type: "code" },
    async user(cfg, t) {
      const u = await getJson(cfg.endpoints.user, bearer(t));
      return { id: str(u.id), email: str(u.email), verified: !!u.verified, name: str(u.username) };
    },
  },
  microsoft: {
    name: "Microsoft",
    scopes: ["offline_access", "user.read"],
    defaults: ({ secret }) => {
      const tenant = encodeURIComponent(jsonSecret(secret).tenantID || "common");
      return {
        authorize: `https://login.microsoftonline.com/${tenant}/oauth2/v2.0/authorize`,
        token: `https://login.microsoftonline.com/${tenant}/oauth2/v2.0/token`,
        user: "https://graph.microsoft.com/v1.0/me",
      };
    },
    authorizeParams: { response_type: "code", response_mode: "query" },
    clientSecret: (cfg) => jsonSecret(cfg.secret).clientSecret ?? cfg.secret,
    async user(cfg, t) {
      const u = await getJson(cfg.endpoints.user, bearer(t));
      // Graph does not say whether the address is verified; Appwrite treats it as unverified.
      return { id: str(u.id), email: str(u.userPrincipalName), verified: false, name: str(u.displayName) };
    },
  },
  apple: {
    name: "Apple",
    scopes: ["name", "email"],
    defaults: () => ({ authorize: "https://appleid.apple.com/auth/authorize", token: "https://appleid.apple.com/auth/token", user: "" }),
    authorizeParams: { response_type: "code", response_mode: "form_post" },
    // Apple's client secret is an ES256 JWT signed with the developer's .p8 key: secret = {keyID, teamID, p8}.
    async clientSecret(cfg) {
      const s = jsonSecret(cfg.secret);
      if (!s.keyID || !s.teamID || !s.p8) return cfg.secret;
      const key = await importPKCS8(s.p8, "ES256");
      const now = Math.floor(Date.now() / 1000);
      return new SignJWT({}).setProtectedHeader({ alg: "ES256", kid: s.keyID }).setIssuer(s.teamID).setIssuedAt(now).setExpirationTime(now + 86400 * 180).setAudience("https://appleid.apple.com").setSubject(cfg.appId).sign(key);
    },
    async user(_cfg, t) {
      // The id_token came straight from Apple's token endpoint over TLS, as in Appwrite.
      const claims = t.idToken ? decodeJwt(t.idToken) : {};
      const verified = claims.email_verified === true || claims.email_verified === "true";
      return { id: str(claims.sub), email: str(claims.email), verified, name: "" };
    },
  },
  // A generic OpenID Connect provider; the secret is JSON {clientSecret, wellKnownEndpoint, authorizationEndpoint,
  // tokenEndpoint, userInfoEndpoint (1.9.6 and older: userinfoEndpoint)}: explicit endpoints win, the discovery document fills the rest (Appwrite's Oidc).
  oidc: {
    name: "OpenID Connect",
    scopes: ["openid", "profile", "email"],
    defaults: ({ secret }) => {
      const s = jsonSecret(secret);
      return { authorize: s.authorizationEndpoint ?? "", token: s.tokenEndpoint ?? "", user: s.userInfoEndpoint ?? s.userinfoEndpoint ?? "" };
    },
    wellKnown: ({ secret }) => jsonSecret(secret).wellKnownEndpoint ?? "",
    authorizeParams: { response_type: "code" },
    clientSecret: (cfg) => jsonSecret(cfg.secret).clientSecret ?? cfg.secret,
    async user(cfg, t) {
      const u = await getJson(cfg.endpoints.user, bearer(t));
      return { id: str(u.sub), email: str(u.email), verified: u.email_verified === true, name: str(u.name) };
    },
  },
});

export const providerNames = () => Object.keys(PROVIDERS);
export const isProvider = (name: string) => Object.hasOwn(PROVIDERS, name);
export const providerLabel = (name: string) => PROVIDERS[name]?.name ?? name;
export const defaultEndpoints = (name: string, secret: string) => PROVIDERS[name]!.defaults({ secret });

/** The configuration with endpoints left empty filled from the provider's discovery document, if it has one. */
export async function discover(name: string, cfg: ProviderConfig): Promise<ProviderConfig> {
  const url = PROVIDERS[name]!.wellKnown?.(cfg) ?? "";
  const e = cfg.endpoints;
  if (!url || (e.authorize && e.token && e.user)) return cfg;
  const doc = await getJson(url);
  return { ...cfg, endpoints: { authorize: e.authorize || str(doc.authorization_endpoint), token: e.token || str(doc.token_endpoint), user: e.user || str(doc.userinfo_endpoint) } };
}

/** The provider's authorize URL the user is sent to (state echoed back on the callback). */
export function loginUrl(name: string, cfg: ProviderConfig, state: string, scopes: readonly string[]): string {
  const p = PROVIDERS[name]!;
  const u = new URL(cfg.endpoints.authorize);
  const all = [...new Set([...p.scopes, ...scopes])];
  const params: Record<string, string> = { client_id: cfg.appId, redirect_uri: cfg.callback, scope: all.join(" "), state, ...(p.authorizeParams ?? {}) };
  for (const [k, v] of Object.entries(params)) u.searchParams.set(k, v);
  return u.toString();
}

/** Exchange the authorization code for tokens. */
export async function exchangeCode(name: string, cfg: ProviderConfig, code: string): Promise<Tokens> {
  const p = PROVIDERS[name]!;
  const secret = p.clientSecret ? await p.clientSecret(cfg) : cfg.secret;
  const params = { client_id: cfg.appId, client_secret: secret, redirect_uri: cfg.callback, code, grant_type: "authorization_code" };
  let body: Record<string, unknown>;
  if (p.tokenMethod === "get") {
    const u = new URL(cfg.endpoints.token);
    for (const [k, v] of Object.entries(params)) u.searchParams.set(k, v);
    body = await getJson(u.toString());
  } else {
    const res = await providerFetch(cfg.endpoints.token, {
      method: "POST",
      headers: { accept: "application/json", "content-type": "application/x-www-form-urlencoded", "user-agent": "Edgewrite" },
      body: new URLSearchParams(params).toString(),
    });
    const text = await res.text();
    try {
      body = JSON.parse(text) as Record<string, unknown>;
    } catch {
      body = Object.fromEntries(new URLSearchParams(text));
    }
    if (!res.ok && !body.error) body.error = `HTTP ${res.status}`;
  }
  if (body.error) throw new OAuth2Error(str(body.error), str(body.error_description) || str(body.error));
  const accessToken = str(body.access_token);
  if (!accessToken) throw new OAuth2Error("access_token_missing", "The provider did not return an access token.");
  return { accessToken, refreshToken: str(body.refresh_token), expiresIn: Number(body.expires_in ?? 0) || 0, idToken: str(body.id_token) || undefined };
}

export async function fetchUser(name: string, cfg: ProviderConfig, tokens: Tokens): Promise<ProviderUser> {
  return PROVIDERS[name]!.user(cfg, tokens);
}
