import { Hono } from "hono";
import { AppwriteError } from "../../core/errors";
import { lookup } from "../../core/input";
import { p, params } from "../../core/params";
import { json, list } from "../../core/response";
import type { Project } from "../../db/schema";
import type { AppEnv } from "../../platform/context";
import { storedProvider, type StoredProvider } from "../auth/oauth2/settings";
import type { ProjectOf } from "./access";
import { limitOffset } from "./scope";
import { setSettings } from "./store";

/**
 * OAuth2 provider settings (Project service, /v1/project/oauth2): one definition per provider with Appwrite's
 * param names, all stored in `settings.oauth2[provider]` = `{appId, secret, enabled}`, the record the
 * sign-in code (src/services/auth/oauth2) reads. Providers that need more than a secret keep Appwrite's JSON
 * secret (`{"clientSecret": …, "tenantID": …}`); Apple's is `{keyID, teamID, p8}`. Secrets are write-only.
 */

type Schema = ReturnType<typeof p.string> | ReturnType<typeof p.optional>;
interface Extra {
  param: string;
  /** Its key in the stored JSON secret. */
  key: string;
  schema: Schema;
  /** Shown in reads (write-only values are never shown). */
  empty: unknown;
  writeOnly?: boolean;
  /** Utopia's URL(allowEmpty): "" or an http(s) URL. */
  url?: boolean;
}
interface Def {
  id: string;
  clientId: string;
  /** The secret's param; Apple has none of its own (its p8 key is an extra). */
  clientSecret?: string;
  /** Providers whose stored secret is JSON: the key holding the client secret (undefined for Apple). */
  extras?: Extra[];
}

const text = () => p.string({ max: 256 });
const promptOf = (values: readonly string[]) => p.array(p.enum(values as readonly [string, ...string[]]), { max: values.length });
const extra = (param: string, key: string, schema: Schema = text(), empty: unknown = ""): Extra => ({ param, key, schema, empty });
const urlExtra = (param: string, key: string): Extra => ({ ...extra(param, key, p.string({ max: 2048 })), url: true });

const plain = (id: string, clientId = "clientId", clientSecret = "clientSecret"): Def => ({ id, clientId, clientSecret });
const withJson = (id: string, extras: Extra[], clientId = "clientId", clientSecret = "clientSecret"): Def => ({ id, clientId, clientSecret, extras });

/** SDK 27's providers, in its order (Appwrite's Project/Http/Project/OAuth2/<Provider>/Update.php). */
const DEFS: Def[] = [
  plain("amazon"),
  { id: "apple", clientId: "serviceId", extras: [extra("keyId", "keyID"), extra("teamId", "teamID"), { ...extra("p8File", "p8", p.string({ max: 16384 })), writeOnly: true }] },
  plain("appwrite"),
  withJson("auth0", [extra("endpoint", "auth0Domain")]),
  withJson("authentik", [extra("endpoint", "authentikDomain")]),
  plain("autodesk"),
  plain("bitbucket", "key", "secret"),
  plain("bitly"),
  plain("box"),
  plain("dailymotion", "apiKey", "apiSecret"),
  plain("discord"),
  plain("disqus", "publicKey", "secretKey"),
  plain("dropbox", "appKey", "appSecret"),
  plain("etsy", "keyString", "sharedSecret"),
  plain("facebook", "appId", "appSecret"),
  plain("figma"),
  withJson("fusionauth", [extra("endpoint", "fusionAuthDomain")]),
  plain("github"),
  withJson("gitlab", [urlExtra("endpoint", "endpoint")], "applicationId", "secret"),
  withJson("google", [extra("prompt", "prompt", promptOf(["none", "consent", "select_account"]), ["consent"])]),
  withJson("keycloak", [extra("endpoint", "keycloakDomain"), extra("realmName", "keycloakRealm")]),
  plain("kick"),
  plain("linkedin", "clientId", "primaryClientSecret"),
  withJson("microsoft", [extra("tenant", "tenantID")], "applicationId", "applicationSecret"),
  plain("notion", "oauthClientId", "oauthClientSecret"),
  withJson("oidc", [
    urlExtra("wellKnownURL", "wellKnownEndpoint"),
    urlExtra("authorizationURL", "authorizationEndpoint"),
    urlExtra("tokenURL", "tokenEndpoint"),
    urlExtra("userInfoURL", "userInfoEndpoint"),
    extra("prompt", "prompt", promptOf(["none", "login", "consent", "select_account"]), []),
    extra("maxAge", "maxAge", p.integer({ min: 0 }), null),
  ]),
  withJson("okta", [extra("domain", "oktaDomain"), extra("authorizationServerId", "authorizationServerId")]),
  plain("paypal", "clientId", "secretKey"),
  plain("paypalSandbox", "clientId", "secretKey"),
  plain("podio"),
  plain("salesforce", "customerKey", "customerSecret"),
  plain("slack"),
  plain("spotify"),
  plain("stripe", "clientId", "apiSecretKey"),
  plain("tradeshift", "oauth2ClientId", "oauth2ClientSecret"),
  plain("tradeshiftBox", "oauth2ClientId", "oauth2ClientSecret"),
  plain("twitch"),
  plain("wordpress"),
  plain("x", "customerKey", "secretKey"),
  plain("yahoo"),
  plain("yandex"),
  plain("zoho"),
  plain("zoom"),
];
const BY_ID = lookup<Def>(Object.fromEntries(DEFS.map((d) => [d.id, d])));

function decodeSecret(secret: string | undefined): Record<string, unknown> {
  if (!secret) return {};
  try {
    const v = JSON.parse(secret) as unknown;
    return v && typeof v === "object" && !Array.isArray(v) ? (v as Record<string, unknown>) : { clientSecret: secret };
  } catch {
    return { clientSecret: secret };
  }
}

/** The provider as Appwrite reads it back: the app id, every extra, and "" for each secret. */
function readModel(def: Def, project: Project) {
  const s = storedProvider(project, def.id);
  const out: Record<string, unknown> = { $id: def.id, enabled: !!s.enabled, [def.clientId]: s.appId ?? "" };
  if (def.clientSecret) out[def.clientSecret] = "";
  const stored = def.extras ? decodeSecret(s.secret) : {};
  for (const e of def.extras ?? []) out[e.param] = e.writeOnly ? "" : (stored[e.key] ?? e.empty);
  return out;
}

const hasSecret = (def: Def, secret: string) => (def.extras ? !!(def.clientSecret ? decodeSecret(secret).clientSecret : decodeSecret(secret).p8) : !!secret);

export function oauth2Routes(projectOf: ProjectOf): Hono<AppEnv> {
  const r = new Hono<AppEnv>();

  r.get("/", async (c) => {
    const { project } = await projectOf(c, "oauth2.read");
    const all = DEFS.map((d) => readModel(d, project));
    const { page, total } = await limitOffset(c, all);
    return json(c, list("providers", page, total));
  });

  r.get("/:provider", async (c) => {
    const { project } = await projectOf(c, "oauth2.read");
    const def = BY_ID[c.req.param("provider")];
    if (!def) throw new AppwriteError("project_provider_unsupported");
    return json(c, readModel(def, project));
  });

  for (const def of DEFS) {
    r.patch(`/${def.id}`, async (c) => {
      const { project } = await projectOf(c, "oauth2.write");
      const shape: Record<string, Schema> = { [def.clientId]: p.optional(p.string({ max: 256 })) };
      if (def.clientSecret) shape[def.clientSecret] = p.optional(p.string({ max: 512 }));
      for (const e of def.extras ?? []) shape[e.param] = p.optional(e.schema);
      shape.enabled = p.optional(p.boolean());
      const a = (await params(c, shape)) as Record<string, unknown>;
      for (const e of def.extras ?? []) {
        const v = a[e.param];
        if (e.url && typeof v === "string" && v !== "" && !(URL.canParse(v) && /^https?:/i.test(v))) {
          throw new AppwriteError("general_argument_invalid", `Invalid \`${e.param}\` param: Value must be a valid URL`);
        }
      }
      if (def.id === "google" || def.id === "oidc") {
        const prompt = a.prompt as string[] | undefined;
        if (prompt && prompt.includes("none") && prompt.length > 1) throw new AppwriteError("general_argument_invalid", 'Invalid `prompt` param: "none" must be the only value.');
      }

      const current = storedProvider(project, def.id);
      const next: StoredProvider = { ...current };
      const clientId = a[def.clientId] as string | undefined;
      if (clientId !== undefined) next.appId = clientId;
      if (def.extras) {
        const stored = decodeSecret(current.secret);
        let changed = false;
        if (def.clientSecret && a[def.clientSecret] !== undefined) ((stored.clientSecret = a[def.clientSecret]), (changed = true));
        for (const e of def.extras) if (a[e.param] !== undefined) ((stored[e.key] = a[e.param]), (changed = true));
        if (changed) next.secret = JSON.stringify(stored);
      } else if (def.clientSecret && a[def.clientSecret] !== undefined) {
        next.secret = a[def.clientSecret] as string;
      }
      const enabled = a.enabled as boolean | undefined;
      if (enabled !== undefined) next.enabled = enabled;
      // Appwrite enables a provider whose credentials are complete unless told otherwise, and refuses to
      // enable one without them. (Its live credential check needs the provider's network; not done here.)
      if (enabled !== false) {
        const complete = !!next.appId && hasSecret(def, next.secret ?? "");
        if (complete) next.enabled = true;
        else if (enabled === true) throw new AppwriteError("general_argument_invalid", "Could not enable OAuth2 provider: Client ID and Client Secret are required when enabling OAuth2 provider.");
      }
      return json(c, readModel(def, await setSettings(c, project.id, [[["oauth2", def.id], next]])));
    });
  }
  return r;
}
