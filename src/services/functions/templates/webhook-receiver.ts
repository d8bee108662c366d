/** `webhook-receiver`: checks X-Appwrite-Webhook-Signature before trusting a webhook's payload. */
export const webhookReceiver = {
  "src/main.js": `// Receives Appwrite webhooks. The signature is base64(HMAC-SHA1(url + body, signature key)) over the URL the
// webhook was created with; set APPWRITE_WEBHOOK_SIGNATURE_KEY (the webhook's signatureKey) and, when the URL the
// sender uses differs from what this function sees (a proxy in front), APPWRITE_WEBHOOK_URL.
export default async ({ req, res, log, error }) => {
  const key = process.env.APPWRITE_WEBHOOK_SIGNATURE_KEY;
  if (!key) {
    error("Set the variable APPWRITE_WEBHOOK_SIGNATURE_KEY.");
    return res.json({ message: "The function is not configured." }, 500);
  }
  const url = process.env.APPWRITE_WEBHOOK_URL || req.url;
  const hmac = await crypto.subtle.importKey("raw", new TextEncoder().encode(key), { name: "HMAC", hash: "SHA-1" }, false, ["verify"]);
  let given;
  try {
    given = Uint8Array.from(atob(req.headers["x-appwrite-webhook-signature"] ?? ""), (ch) => ch.charCodeAt(0));
  } catch {
    given = new Uint8Array(0);
  }
  // verify() compares in constant time.
  if (!(await crypto.subtle.verify("HMAC", hmac, given, new TextEncoder().encode(url + req.bodyText)))) {
    error("Refused a webhook with a wrong signature.");
    return res.json({ message: "Invalid signature." }, 401);
  }
  const events = req.headers["x-appwrite-webhook-events"] ?? "";
  log("Webhook " + (req.headers["x-appwrite-webhook-id"] ?? "") + ": " + events);
  return res.json({ received: true, events: events.split(",").filter(Boolean) });
};
`,
};
