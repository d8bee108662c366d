// Secrets (set with `wrangler secret put`, or .dev.vars locally) are not in wrangler.toml, so declare them here.
declare namespace Cloudflare {
  interface Env {
    /** The deployment's admin key: with `X-Appwrite-Project: console` it authorises the console API. */
    ADMIN_KEY: string;
    /** The root secret when ENCRYPTION_KEY is unset (keys derive from it; it never signs anything itself). */
    JWT_SECRET?: string;
    /** The root secret every signing and sealing key derives from (src/core/secrets.ts); else JWT_SECRET, else ADMIN_KEY. */
    ENCRYPTION_KEY?: string;
    /** How often (ms) an isolate writes its usage counters to D1 (src/services/usage/recorder.ts); default 60000. */
    USAGE_FLUSH_MS?: string;
    /** Appwrite's usage switch: "disabled" records no requests, bandwidth, executions or realtime connections. */
    _APP_USAGE_STATS?: string;
    /**
     * Messaging provider API base URLs (tests point them at loopback fakes; unset: the provider's real API):
     * MESSAGING_<PROVIDER>_URL for MAILGUN, SENDGRID, RESEND, SES, TWILIO, VONAGE, TEXTMAGIC, TELESIGN, MSG91, FCM
     * (its OAuth token endpoint too, at <url>/token), APNS.
     */
    [key: `MESSAGING_${string}_URL`]: string | undefined;
    /** Base delay (ms) of the provider retries' exponential backoff; default 1000. */
    MESSAGING_RETRY_DELAY_MS?: string;
    /** "enabled" lets getImage/getFavicon fetch loopback addresses (the e2e fakes); never in production. */
    AVATARS_ALLOW_LOOPBACK?: string;
  }
}
