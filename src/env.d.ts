// Secrets (set with `wrangler secret put`, or .dev.vars locally) are not in wrangler.toml, so declare them here.
declare namespace Cloudflare {
  interface Env {
    /** The deployment's admin key: with `X-Appwrite-Project: console` it authorises the console API. */
    ADMIN_KEY: string;
    /** Signs account JWTs; falls back to a digest of ADMIN_KEY when unset. */
    JWT_SECRET?: string;
    /** Storage: encrypts files at rest (AES-256-GCM, files ≤ 20 MB) and signs file tokens. Falls back to a dev key when unset. */
    ENCRYPTION_KEY?: string;
  }
}
