import { JS_RUNTIMES } from "../runtimes";
import { restApi } from "./rest-api";
import { starter } from "./starter";
import { webhookReceiver } from "./webhook-receiver";

/**
 * Edgewrite's first-party function templates (Appwrite's TemplateFunction model). Appwrite's own catalogue is
 * GitHub repositories built with `npm install`; these are written here for the runtime Edgewrite has (every
 * JavaScript runtime runs the same ESM), ship inside the Worker and need no network, so
 * `createTemplateDeployment` with `owner: "edgewrite"`, `repository: "templates"` and a runtime's
 * `providerRootDirectory` deploys them as it would a checkout.
 */
export const TEMPLATE_OWNER = "edgewrite";
export const TEMPLATE_REPOSITORY = "templates";
const VERSION = "1.0.0";

type Variable = { name: string; description: string; value: string; placeholder: string; required: boolean; type: "text" | "password" | "number" | "email" | "url" };

interface Template {
  id: string;
  icon: string;
  name: string;
  score: number;
  tagline: string;
  permissions: string[];
  events: string[];
  cron: string;
  timeout: number;
  useCases: string[];
  instructions: string;
  variables: Variable[];
  scopes: string[];
  files: Record<string, string>;
}

const TEMPLATES: readonly Template[] = [
  {
    id: "starter", icon: "icon-lightning-bolt", name: "Starter function", score: 5,
    tagline: "A simple function to get started. Edit this function to explore endless possibilities with Appwrite Functions.",
    permissions: ["any"], events: [], cron: "", timeout: 15, useCases: ["starter"], variables: [], scopes: ["users.read"],
    instructions: "Answers <code>/ping</code> with Pong and anything else with a few links; logs the project's user count.",
    files: starter,
  },
  {
    id: "rest-api", icon: "icon-table", name: "REST API", score: 4,
    tagline: "A JSON API over one table: list, read, create, update and delete its rows at /items.",
    permissions: ["any"], events: [], cron: "", timeout: 15, useCases: ["databases"], scopes: ["rows.read", "rows.write"],
    instructions: "Create a table, then set APPWRITE_DATABASE_ID and APPWRITE_TABLE_ID. Routes: <code>GET /items</code>, <code>GET /items/:id</code>, <code>POST /items</code>, <code>PATCH /items/:id</code>, <code>DELETE /items/:id</code>.",
    variables: [
      { name: "APPWRITE_DATABASE_ID", description: "The ID of the database that holds the table.", value: "", placeholder: "main", required: true, type: "text" },
      { name: "APPWRITE_TABLE_ID", description: "The ID of the table served at /items.", value: "", placeholder: "items", required: true, type: "text" },
    ],
    files: restApi,
  },
  {
    id: "webhook-receiver", icon: "icon-bell", name: "Webhook receiver", score: 3,
    tagline: "Receives Appwrite webhooks and checks their signature before trusting the payload.",
    permissions: ["any"], events: [], cron: "", timeout: 15, useCases: ["dev-tools"], scopes: [],
    instructions: "Point a webhook at this function's domain and set APPWRITE_WEBHOOK_SIGNATURE_KEY to the webhook's signature key.",
    variables: [
      { name: "APPWRITE_WEBHOOK_SIGNATURE_KEY", description: "The webhook's signatureKey.", value: "", placeholder: "d1efb…a1f9", required: true, type: "password" },
      { name: "APPWRITE_WEBHOOK_URL", description: "The URL the webhook calls, when it differs from the one this function sees (a proxy in front).", value: "", placeholder: "https://hooks.example.com/", required: false, type: "url" },
    ],
    files: webhookReceiver,
  },
];

const ENTRYPOINT = "src/main.js";
const rootDirectory = (t: Template) => `node/${t.id}`;

/** The TemplateFunction model. */
export function templateModel(t: Template) {
  const { files: _files, score: _score, variables, ...rest } = t;
  return {
    ...rest,
    runtimes: JS_RUNTIMES.map((name) => ({ name, commands: "", entrypoint: ENTRYPOINT, providerRootDirectory: rootDirectory(t) })),
    vcsProvider: "edgewrite",
    providerRepositoryId: TEMPLATE_REPOSITORY,
    providerOwner: TEMPLATE_OWNER,
    providerVersion: VERSION,
    variables: variables.map((v) => ({ ...v, secret: v.type === "password" })),
  };
}

/** The catalogue as served, best first (Appwrite sorts by score); built once per isolate. */
export const TEMPLATE_MODELS = [...TEMPLATES].sort((a, b) => b.score - a.score).map(templateModel);

export const findTemplate = (id: string) => TEMPLATES.find((t) => t.id === id);

/** The template behind createTemplateDeployment's owner/repository/rootDirectory, with its entrypoint. */
export function templateSource(owner: string, repository: string, root: string) {
  if (owner !== TEMPLATE_OWNER || repository !== TEMPLATE_REPOSITORY) return undefined;
  const t = TEMPLATES.find((x) => rootDirectory(x) === root.replace(/^\.?\/+|\/+$/g, ""));
  return t && { files: t.files, entrypoint: ENTRYPOINT };
}
