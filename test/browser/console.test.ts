import { execFile } from "node:child_process";
import { createHmac } from "node:crypto";
import { readdirSync, readFileSync } from "node:fs";
import { request } from "node:http";
import path from "node:path";
import { promisify } from "node:util";
import { gzipSync } from "node:zlib";
import type { Browser, Page } from "playwright-core";
import { launchChromium } from "./chromium";
import { afterAll, beforeAll, describe, expect, it, onTestFailed } from "vitest";
import { Account, AppwriteException, Client, Teams, TablesDB, Users } from "node-appwrite";
import { adminKey, consoleCall, endpoint, raw, until } from "../e2e/harness";
import { startSmtpFake } from "../e2e/fakes/smtp";

/**
 * The Edgewrite Console (console/, static assets at /console) in headless Chromium against the real server: the
 * first account made the documented way (`npm run console:user`'s script), then sign-in, projects, the usage
 * overview, Auth › Users and deleting a project — every call made by the console SDK inside the page.
 * Screenshots go to /tmp/console-*.png.
 */
const ROOT = path.join(import.meta.dirname, "../..");
const origin = endpoint.replace(/\/v1$/, "");
const TAG = Date.now().toString(36);
const EMAIL = `console-owner-${TAG}@example.com`; // one server serves every e2e file: names of our own
const PASSWORD = "console-password-1234";
const PROJECT_ID = `cons-${TAG}`;

let browser: Browser;
const errors: string[] = [];

const shot = (page: Page, name: string) => page.screenshot({ path: `/tmp/console-${name}.png`, fullPage: true });

/** A page whose console messages of level error (CSP violations among them) are collected. */
async function newPage(width = 1200, height = 800): Promise<Page> {
  const context = await browser.newContext({ viewport: { width, height } });
  const page = await context.newPage();
  page.on("console", (m) => m.type() === "error" && errors.push(m.text()));
  page.on("pageerror", (e) => errors.push(String(e)));
  return page;
}

/** Loads /console/ and returns the milliseconds from navigation start until the sign-in form was rendered (its mark). */
async function timeToSignIn(page: Page): Promise<number> {
  await page.goto(`${origin}/console/`);
  await page.getByRole("button", { name: "Sign in" }).waitFor();
  return Math.round(await page.evaluate(() => performance.getEntriesByName("console:sign-in-ready")[0]!.startTime));
}

async function signIn(page: Page) {
  await page.getByLabel("Email").fill(EMAIL);
  await page.getByLabel("Password").fill(PASSWORD);
  await page.getByRole("button", { name: "Sign in" }).click();
  await page.locator(".who").getByText("Console Owner", { exact: true }).waitFor();
}

beforeAll(async () => {
  browser = await launchChromium();
  // The first console account, exactly as the sign-in screen tells a user to make it.
  const made = await promisify(execFile)("node", [path.join(ROOT, "scripts/console-user.mjs"), EMAIL, "Console Owner"], { env: { ...process.env, ENDPOINT: endpoint, ADMIN_KEY: adminKey, CONSOLE_PASSWORD: PASSWORD } });
  expect(made.stdout).toContain("Organization");
  // A second organization the account belongs to, to switch to.
  const userId = /created \(([^)]+)\)/.exec(made.stdout)![1]!;
  const team = await consoleCall("POST", "/teams", { teamId: "unique()", name: "Second Org" });
  expect((await consoleCall("POST", `/teams/${team.json.$id}/memberships`, { userId, roles: ["owner"] })).status).toBe(201);
});

afterAll(async () => {
  await browser?.close();
});

describe("console: serving", () => {
  it("serves the console's HTML at /console with a strict CSP, deep links fall back to it, /v1 still reaches the API", async () => {
    const res = await fetch(`${origin}/console/`);
    const page = { status: res.status, headers: res.headers, text: await res.text() };
    expect(page.status).toBe(200);
    expect(page.headers.get("content-type")).toContain("text/html");
    const csp = page.headers.get("content-security-policy") ?? "";
    expect(csp).toContain("script-src 'self'");
    expect(csp).toContain("default-src 'none'");
    expect(csp).toContain("frame-ancestors 'none'");
    expect(page.text).not.toMatch(/<script>(?!<\/script>)/); // no inline script: 'self' alone holds
    const deep = await fetch(`${origin}/console/project/anything/auth`, { headers: { "sec-fetch-mode": "navigate" } });
    expect(deep.status).toBe(200);
    expect(await deep.text()).toBe(page.text);
    expect(deep.headers.get("content-security-policy")).toBe(csp);
    const api = await raw("GET", "/health/version");
    expect(api.status).toBe(200);
    expect(api.body.version).toBeTruthy();
    const root = await fetch(`${origin}/`);
    expect(root.headers.get("content-type")).toContain("application/json"); // the Worker, not the console
  });

  it("a function domain's /console path is the function's, never the console's page", async () => {
    const res = await new Promise<{ status: number; body: string }>((resolve, reject) => {
      const u = new URL(origin);
      const req = request({ host: u.hostname, port: u.port, path: "/console/", headers: { host: `nothing.functions.localhost:${u.port}` } }, (r) => {
        let body = "";
        r.on("data", (d) => (body += d));
        r.on("end", () => resolve({ status: r.statusCode ?? 0, body }));
      });
      req.on("error", reject);
      req.end();
    });
    expect(res.body).not.toContain("Edgewrite Console");
    expect(JSON.parse(res.body).type).toBe("rule_not_found");
  });
});

describe("console: in Chromium", () => {
  it("signs in (Appwrite's error on a wrong password), creates a project, shows usage charts, manages users, deletes the project", async () => {
    const page = await newPage();
    const local = await timeToSignIn(page);
    expect(await page.getByText(/Sign-up is closed/).count()).toBe(1);
    expect(await page.locator("pre code").textContent()).toContain("npm run console:user");
    await shot(page, "signin");

    // A wrong password: the message is Appwrite's own.
    await page.getByLabel("Email").fill(EMAIL);
    await page.getByLabel("Password").fill("wrong-password-1");
    await page.getByRole("button", { name: "Sign in" }).click();
    await page.getByRole("alert").getByText("Invalid credentials").waitFor();
    await signIn(page);

    // Organizations and projects: the organization console:user made and the second one, no project yet.
    await page.getByText("No projects in this organization").waitFor();
    const orgs = await page.getByLabel("Organization").locator("option").allTextContents();
    expect(orgs.sort()).toEqual(["Console Owner's organization", "Second Org"]);
    await page.getByLabel("Organization").selectOption({ label: "Console Owner's organization" });
    await page.waitForURL(/\/console\/organization\/[^/]+$/);
    await shot(page, "projects-empty");
    // Keyboard: Enter on the button opens the dialog with focus in its first field; Escape closes it and focus returns.
    const open = page.getByRole("button", { name: "Create project" }).first();
    await open.focus();
    await page.keyboard.press("Enter");
    const dialog = page.getByRole("dialog", { name: "Create project" });
    await dialog.waitFor();
    expect(await page.evaluate(() => (document.activeElement as HTMLInputElement | null)?.name)).toBe("name");
    await page.keyboard.press("Escape");
    await dialog.waitFor({ state: "hidden" });
    expect(await page.evaluate(() => document.activeElement?.textContent)).toBe("Create project");
    await page.keyboard.press("Enter");
    await dialog.getByLabel("Name").fill("Console Demo");
    await dialog.getByLabel("Project ID").fill("-not-an-id");
    await dialog.getByRole("button", { name: "Create" }).click();
    await dialog.getByRole("alert").getByText("Invalid `projectId` param: Parameter must contain at most 36 chars.", { exact: false }).waitFor();
    await dialog.getByLabel("Project ID").fill(PROJECT_ID);
    await dialog.getByRole("button", { name: "Create" }).click();
    await page.getByRole("heading", { name: "Overview" }).waitFor();
    expect(page.url()).toBe(`${origin}/console/project/${PROJECT_ID}`);
    const created = await consoleCall("GET", `/projects/${PROJECT_ID}`);
    expect(created.json.name).toBe("Console Demo");

    // Listed in its organization, not in the other one.
    await page.getByRole("link", { name: "Projects" }).click();
    await page.getByRole("link", { name: /Console Demo/ }).waitFor();
    await page.getByLabel("Organization").selectOption({ label: "Second Org" });
    await page.getByText("No projects in this organization").waitFor();
    expect(await page.getByRole("link", { name: /Console Demo/ }).count()).toBe(0);
    await page.getByLabel("Organization").selectOption({ label: "Console Owner's organization" });
    await page.getByRole("link", { name: /Console Demo/ }).waitFor();
    await shot(page, "projects");

    // Overview: five SVG charts; after a few requests to the project the requests chart has data points.
    for (let i = 0; i < 5; i++) await raw("GET", "/account", { headers: { "x-appwrite-project": PROJECT_ID } });
    await page.getByRole("link", { name: /Console Demo/ }).click();
    await page.getByRole("heading", { name: "Overview" }).waitFor();
    const charts = page.locator("figure.chart svg[role=img]");
    await charts.first().waitFor();
    expect(await charts.count()).toBe(5);
    expect(await page.locator("figure.chart figcaption span").allTextContents()).toEqual(["Requests", "Users", "Rows", "Storage", "Executions"]);
    const requests = page.locator("figure.chart").filter({ hasText: "Requests" });
    await until(
      "requests on the overview chart",
      async () => {
        await page.getByRole("button", { name: "24 hours" }).click();
        await page.getByRole("button", { name: "30 days" }).click();
        await requests.locator("svg").waitFor();
        await page.locator(".charts[aria-busy=false]").waitFor();
        return { points: Number(await requests.locator("svg").getAttribute("data-points")), dots: await requests.locator("circle").count(), total: Number(await requests.locator("figcaption strong").textContent()) };
      },
      (v) => v.points === 30 && v.dots > 0 && v.total >= 5, // usage is flushed from each isolate's tallies (USAGE_FLUSH_MS 200 here)
      20_000,
      500,
    );
    expect(Number(await requests.locator("svg").getAttribute("data-points"))).toBe(30);
    await shot(page, "overview");

    // Auth › Users: empty state, create, find by search, detail (block, labels), no match.
    await page.getByRole("link", { name: "Auth" }).click();
    await page.getByText("No users yet").waitFor();
    await page.getByRole("button", { name: "Create user" }).first().click();
    const userDialog = page.getByRole("dialog", { name: "Create user" });
    await userDialog.getByLabel("Name").fill("Ada Lovelace");
    await userDialog.getByLabel("Email").fill("ada@example.com");
    await userDialog.getByLabel("Password").fill("analytical-engine");
    await userDialog.getByRole("button", { name: "Create" }).click();
    await page.getByRole("heading", { name: "Ada Lovelace" }).waitFor();
    const userId = (await page.locator(".facts code").first().textContent())!;
    const asAdmin = { headers: { "x-appwrite-project": PROJECT_ID, "x-appwrite-key": adminKey } };
    // Ada signs in through the API: her session is listed, and ending it removes it.
    const signedIn = await raw("POST", "/account/sessions/email", { headers: { "x-appwrite-project": PROJECT_ID, "content-type": "application/json" }, body: JSON.stringify({ email: "ada@example.com", password: "analytical-engine" }) });
    expect(signedIn.status).toBe(201);
    await page.reload();
    const sessionList = page.getByRole("list", { name: "Sessions" });
    await sessionList.waitFor();
    expect(await sessionList.locator("li").count()).toBe(1);
    await sessionList.getByRole("button", { name: `End session ${signedIn.body.$id}` }).click();
    await page.getByText("No active sessions.").waitFor();
    expect((await raw("GET", `/users/${userId}/sessions`, asAdmin)).body.total).toBe(0);
    // Preferences: a JSON object is saved; anything else is refused before any call.
    await page.getByLabel("Preferences (JSON)").fill("[1]");
    await page.getByRole("button", { name: "Save preferences" }).click();
    await page.getByRole("alert").getByText("Preferences are a JSON object.").waitFor();
    await page.getByLabel("Preferences (JSON)").fill('{"theme":"dark"}');
    await page.getByRole("button", { name: "Save preferences" }).click();
    await until("prefs saved", () => raw("GET", `/users/${userId}/prefs`, asAdmin), (r) => r.body.theme === "dark");
    await page.getByRole("button", { name: "Block" }).click();
    await page.getByRole("button", { name: "Unblock" }).waitFor();
    await page.getByLabel("Labels (comma separated)").fill("vip, beta");
    await page.getByRole("button", { name: "Save labels" }).click();
    const saved = await until("labels saved", () => raw("GET", `/users/${userId}`, asAdmin), (r) => r.body.labels?.length === 2);
    expect(saved.body).toMatchObject({ name: "Ada Lovelace", email: "ada@example.com", status: false, labels: ["vip", "beta"] });
    await shot(page, "user");
    await page.getByRole("link", { name: "← All users" }).click();
    await page.getByRole("link", { name: "Ada Lovelace" }).waitFor();
    await page.getByLabel("Search users").fill("lovelace");
    await page.getByRole("button", { name: "Search", exact: true }).click();
    await page.getByRole("link", { name: "Ada Lovelace" }).waitFor();
    expect(await page.locator("tbody tr").count()).toBe(1);
    expect(await page.locator("tbody tr td").nth(2).textContent()).toBe("Blocked");
    await shot(page, "users");
    await page.getByLabel("Search users").fill("babbage");
    await page.getByRole("button", { name: "Search", exact: true }).click();
    await page.getByText("No user matches “babbage”").waitFor();
    // Paging: 27 users are two pages of 25.
    for (let i = 0; i < 26; i++) await raw("POST", "/users", { headers: { ...asAdmin.headers, "content-type": "application/json" }, body: JSON.stringify({ userId: `bulk-${i}`, name: `Bulk ${i}` }) });
    await page.getByLabel("Search users").fill("");
    await page.getByRole("button", { name: "Search", exact: true }).click();
    const pager = page.getByRole("navigation", { name: "Pages" });
    await pager.getByText("1–25 of 27").waitFor();
    expect(await page.locator("tbody tr").count()).toBe(25);
    await pager.getByRole("button", { name: "Next" }).click();
    await pager.getByText("26–27 of 27").waitFor();
    expect(await page.locator("tbody tr").count()).toBe(2);
    expect(await pager.getByRole("button", { name: "Next" }).isDisabled()).toBe(true);

    // A narrow window: nothing spills sideways.
    await page.setViewportSize({ width: 375, height: 740 });
    await page.getByRole("link", { name: "Overview" }).click();
    await page.locator("figure.chart svg").first().waitFor();
    expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(375);
    await shot(page, "narrow");
    await page.setViewportSize({ width: 1200, height: 800 });

    // Delete with a typed confirmation.
    await page.getByRole("link", { name: "Projects" }).click();
    await page.getByRole("button", { name: "Delete project Console Demo" }).click();
    const confirm = page.getByRole("dialog", { name: "Delete project" });
    const go = confirm.getByRole("button", { name: "Delete project" });
    expect(await go.isDisabled()).toBe(true);
    await confirm.getByLabel(`Type ${PROJECT_ID} to confirm`).fill("not-it");
    expect(await go.isDisabled()).toBe(true);
    await confirm.getByLabel(`Type ${PROJECT_ID} to confirm`).fill(PROJECT_ID);
    await go.click();
    await page.getByText("No projects in this organization").waitFor();
    expect((await consoleCall("GET", `/projects/${PROJECT_ID}`)).status).toBe(404);

    // Sign out: back to the sign-in screen, and the session is gone.
    await page.getByRole("button", { name: "Sign out" }).click();
    await page.getByRole("button", { name: "Sign in" }).waitFor();
    await page.reload();
    await page.getByRole("button", { name: "Sign in" }).waitFor();

    expect(errors.filter((e) => /Content Security Policy|Refused to/i.test(e))).toEqual([]);

    // Figures: the first screen in fresh contexts (empty cache), on loopback and on a slow connection (1.6 Mbit/s
    // down, 150 ms round trips); the median of three each. Printed, never asserted (timings are not pass/fail).
    const median = (xs: number[]) => xs.sort((a, b) => a - b)[1]!;
    const fresh = async (throttle: boolean) => {
      const p = await newPage();
      if (throttle) {
        const cdp = await p.context().newCDPSession(p);
        await cdp.send("Network.enable");
        await cdp.send("Network.emulateNetworkConditions", { offline: false, latency: 150, downloadThroughput: 200_000, uploadThroughput: 93_750 });
      }
      const ms = await timeToSignIn(p);
      await p.context().close();
      return ms;
    };
    const loopback = [await fresh(false), await fresh(false), await fresh(false)];
    const throttled = [await fresh(true), await fresh(true), await fresh(true)];
    const assets = path.join(ROOT, "console/dist/console/assets");
    const sizes = Object.fromEntries(readdirSync(assets).map((f) => [f, gzipSync(readFileSync(path.join(assets, f)), { level: 9 }).length]));
    console.log(`console: first screen (sign-in form) ${local} ms cold, median ${median(loopback)} ms on loopback ${JSON.stringify(loopback)}, ${median(throttled)} ms at 1.6 Mbit/s + 150 ms RTT ${JSON.stringify(throttled)}; gzipped assets ${JSON.stringify(sizes)}`);
  });
  it("an invited person accepts the e-mailed link in the console, sets a password and signs in with it", async () => {
    const json = { "content-type": "application/json", "x-appwrite-project": "console" };
    const owner = await raw("POST", "/account/sessions/email", { headers: json, body: JSON.stringify({ email: EMAIL, password: PASSWORD }) });
    const session = /(?:^|, )a_session_console=([^;]+)/.exec(owner.headers.get("set-cookie") ?? "")![1]!;
    const asOwner = { ...json, "x-appwrite-session": session };
    const org = (await raw("GET", "/teams", { headers: asOwner })).body.teams.find((t: { name: string }) => t.name === "Console Owner's organization");
    const invitee = `console-invitee-${TAG}@example.com`;
    const invited = await raw("POST", `/teams/${org.$id}/memberships`, { headers: asOwner, body: JSON.stringify({ email: invitee, roles: ["developer"], url: `${origin}/console/invite` }) });
    expect(invited.status, invited.text).toBe(201);
    const mail = await consoleCall("GET", `/projects/console/outbox?to=${encodeURIComponent(invitee)}`);
    const link = /https?:\/\/[^\s"<]+\/console\/invite\?[^\s"<]+/.exec(mail.json.messages[0].text)![0].replace(/&amp;/g, "&");

    const page = await newPage();
    await page.goto(link);
    await page.getByRole("button", { name: "Accept invitation" }).click();
    await page.getByLabel("New password").fill("invitee-password-1");
    await page.getByRole("button", { name: "Set password and continue" }).click();
    await page.locator(".who").getByText(invitee).waitFor();
    await page.getByLabel("Organization").waitFor();
    expect(await page.getByLabel("Organization").locator("option").allTextContents()).toEqual(["Console Owner's organization"]);
    expect(page.url()).not.toContain("secret"); // the one-time secret leaves the address bar
    await shot(page, "invited");
    await page.getByRole("button", { name: "Sign out" }).click();
    await page.getByLabel("Email").fill(invitee);
    await page.getByLabel("Password").fill("invitee-password-1");
    await page.getByRole("button", { name: "Sign in" }).click();
    await page.locator(".who").getByText(invitee).waitFor();
    // Accepting the same link again is refused with Appwrite's message.
    await page.goto(link);
    await page.getByRole("button", { name: "Accept invitation" }).click();
    await page.getByRole("alert").waitFor();
    expect(await page.getByRole("alert").textContent()).toMatch(/^(Membership is already confirmed\.|The team invitation secret is invalid\. Please request a new invitation and try again\.)$/);
    await page.context().close();
  });
});

/** RFC 6238 with node:crypto, as an authenticator app computes the code. */
function totp(secret: string, at = Date.now()): string {
  const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
  let bits = "";
  for (const ch of secret.replace(/=+$/, "")) bits += alphabet.indexOf(ch).toString(2).padStart(5, "0");
  const key = Buffer.from(bits.match(/.{8}/g)!.map((b) => parseInt(b, 2)));
  const counter = Buffer.alloc(8);
  counter.writeBigUInt64BE(BigInt(Math.floor(at / 30_000)));
  const mac = createHmac("sha1", key).update(counter).digest();
  const o = mac[mac.length - 1]! & 15;
  return String((mac.readUInt32BE(o) & 0x7fffffff) % 1_000_000).padStart(6, "0");
}

const failed = (p: Promise<unknown>) => p.then(() => null, (e: AppwriteException) => e);

describe("console: auth, teams and settings (third slice)", () => {
  it("an MFA account passes the challenge at sign-in, creates its organization, manages teams, users and the project's auth settings", async () => {
    // A console account of its own, in no organization, with an authenticator app and recovery codes.
    const email = `console-mfa-${TAG}@example.com`;
    const password = "console-mfa-password-1";
    const made = await consoleCall("POST", "/users", { userId: "unique()", email, password, name: "Mfa Owner" });
    expect(made.status).toBe(201);
    const json = { "content-type": "application/json", "x-appwrite-project": "console" };
    const signedIn = await raw("POST", "/account/sessions/email", { headers: json, body: JSON.stringify({ email, password }) });
    const asMe = { ...json, "x-appwrite-session": /(?:^|, )a_session_console=([^;]+)/.exec(signedIn.headers.get("set-cookie") ?? "")![1]! };
    const { secret } = (await raw("POST", "/account/mfa/authenticators/totp", { headers: asMe })).body;
    expect((await raw("PUT", "/account/mfa/authenticators/totp", { headers: asMe, body: JSON.stringify({ otp: totp(secret) }) })).status).toBe(200);
    const { recoveryCodes } = (await raw("POST", "/account/mfa/recovery-codes", { headers: asMe })).body;
    expect(recoveryCodes).toHaveLength(6);
    expect((await raw("PATCH", "/account/mfa", { headers: asMe, body: JSON.stringify({ mfa: true }) })).body.mfa).toBe(true);

    // Sign-in owes a second factor: the challenge screen, a wrong code refused with Appwrite's message, then TOTP.
    const page = await newPage();
    onTestFailed(() => shot(page, "auth-failure"));
    await page.goto(`${origin}/console/`);
    await page.getByLabel("Email").fill(email);
    await page.getByLabel("Password").fill(password);
    await page.getByRole("button", { name: "Sign in" }).click();
    await page.getByRole("heading", { name: "Two-step verification" }).waitFor();
    await page.getByRole("radio", { name: "Authenticator app", checked: true }).waitFor();
    expect(await page.getByRole("radio").evaluateAll((r) => r.map((x) => (x as HTMLInputElement).value))).toEqual(["totp", "recoveryCode"]);
    // A reload keeps the half-signed-in session on the challenge, never on a blank or error screen.
    await page.reload();
    await page.getByRole("heading", { name: "Two-step verification" }).waitFor();
    await page.getByRole("textbox", { name: "Code" }).waitFor();
    await shot(page, "mfa");
    await page.getByRole("textbox", { name: "Code" }).fill(String((Number(totp(secret)) + 500_000) % 1_000_000).padStart(6, "0"));
    await page.keyboard.press("Enter");
    await page.getByRole("alert").getByText("Invalid token passed in the request.").waitFor();
    await page.getByRole("textbox", { name: "Code" }).fill(totp(secret));
    await page.getByRole("button", { name: "Verify" }).click();
    await page.locator(".who").getByText("Mfa Owner", { exact: true }).waitFor();

    // No organization yet: the empty state creates one, by keyboard; Appwrite's refusal of a bad name is shown.
    await page.getByText("You are in no organization yet").waitFor();
    await shot(page, "no-organization");
    await page.getByRole("button", { name: "Create organization" }).focus();
    await page.keyboard.press("Enter");
    const orgDialog = page.getByRole("dialog", { name: "Create organization" });
    await orgDialog.waitFor();
    expect(await page.evaluate(() => (document.activeElement as HTMLInputElement | null)?.name)).toBe("orgName");
    await page.keyboard.type("Mfa Org");
    await page.keyboard.press("Enter");
    await page.getByText("No projects in this organization").waitFor();
    expect(await page.getByLabel("Organization").locator("option").allTextContents()).toEqual(["Mfa Org"]);
    const orgId = page.url().split("/organization/")[1]!;
    const members = await consoleCall("GET", `/teams/${orgId}/memberships`);
    expect(members.json.memberships.map((m: { userEmail: string; roles: string[]; confirm: boolean }) => [m.userEmail, m.roles, m.confirm])).toEqual([[email, ["owner"], true]]);
    // A second one from the switcher.
    await page.getByRole("button", { name: "Create organization" }).click();
    await orgDialog.getByLabel("Organization name").fill("Mfa Second");
    await orgDialog.getByRole("button", { name: "Create" }).click();
    await page.getByLabel("Organization").locator("option", { hasText: "Mfa Second" }).waitFor({ state: "attached" });
    expect((await page.getByLabel("Organization").locator("option").allTextContents()).sort()).toEqual(["Mfa Org", "Mfa Second"]);
    expect(await page.getByLabel("Organization").inputValue()).not.toBe(orgId);
    await page.getByLabel("Organization").selectOption({ label: "Mfa Org" });

    // A project in it (the owner may: the organization is theirs).
    const projectId = `auth-${TAG}`;
    await page.getByRole("button", { name: "Create project" }).first().click();
    const projectDialog = page.getByRole("dialog", { name: "Create project" });
    await projectDialog.getByLabel("Name").fill("Auth Demo");
    await projectDialog.getByLabel("Project ID").fill(projectId);
    await projectDialog.getByRole("button", { name: "Create" }).click();
    await page.getByRole("heading", { name: "Overview" }).waitFor();
    const admin = new Client().setEndpoint(endpoint).setProject(projectId).setKey(adminKey);
    const teams = new Teams(admin);
    const users = new Users(admin);

    // Auth › Teams: empty, create, add a member by e-mail (a new user), roles, prefs, rename, search, delete.
    await page.getByRole("link", { name: "Auth" }).click();
    const authNav = page.getByRole("navigation", { name: "Auth" });
    await authNav.getByRole("link", { name: "Teams" }).click();
    await page.getByText("No teams yet").waitFor();
    await page.getByRole("button", { name: "Create team" }).first().click();
    const teamDialog = page.getByRole("dialog", { name: "Create team" });
    await teamDialog.getByLabel("Name").fill("Engineers");
    await teamDialog.getByRole("button", { name: "Create" }).click();
    await page.getByRole("heading", { name: "Engineers" }).waitFor();
    const teamId = (await page.locator(".facts code").first().textContent())!;
    await page.getByRole("button", { name: "Add member" }).first().click();
    const addDialog = page.getByRole("dialog", { name: "Add member" });
    await addDialog.getByLabel("Email").fill("grace@example.com");
    await addDialog.getByLabel("Name").fill("Grace Hopper");
    await addDialog.getByLabel("Roles (comma separated)").fill("admin, member");
    await addDialog.getByRole("button", { name: "Add member" }).click();
    const memberTable = page.getByRole("table", { name: "Members" });
    await memberTable.getByRole("link", { name: "Grace Hopper" }).waitFor();
    const onServer = await teams.listMemberships({ teamId });
    expect(onServer.memberships.map((m) => [m.userEmail, m.roles, m.confirm])).toEqual([["grace@example.com", ["admin", "member"], true]]);
    const graceId = onServer.memberships[0]!.userId;
    // Appwrite's message for an invalid role name, kept in the dialog.
    await page.getByRole("button", { name: "Edit roles of Grace Hopper" }).click();
    const rolesDialog = page.getByRole("dialog", { name: "Edit roles" });
    await rolesDialog.getByLabel("Roles (comma separated)").fill("bad role!");
    await rolesDialog.getByRole("button", { name: "Save roles" }).click();
    await rolesDialog.getByRole("alert").waitFor();
    expect(await rolesDialog.getByRole("alert").textContent()).toContain("roles");
    await rolesDialog.getByLabel("Roles (comma separated)").fill("owner");
    await rolesDialog.getByRole("button", { name: "Save roles" }).click();
    await rolesDialog.waitFor({ state: "hidden" });
    await until("roles saved", () => teams.listMemberships({ teamId }), (r) => r.memberships[0]?.roles.join() === "owner");
    await page.getByLabel("Team preferences (JSON)").fill('{"tier":"gold"}');
    await page.getByRole("button", { name: "Save preferences" }).click();
    await until("team prefs", () => teams.getPrefs({ teamId }), (p) => (p as { tier?: string }).tier === "gold");
    await page.getByLabel("Team name").fill("Engineering");
    await page.getByRole("button", { name: "Save name" }).click();
    await page.getByRole("heading", { name: "Engineering" }).waitFor();
    expect((await teams.get({ teamId })).name).toBe("Engineering");
    await shot(page, "team");
    await page.setViewportSize({ width: 375, height: 740 });
    expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(375);
    await shot(page, "team-narrow");
    await page.setViewportSize({ width: 1200, height: 800 });

    // The member's page: memberships, then name/email/phone/password, verification, MFA, recovery codes, logs.
    await memberTable.getByRole("link", { name: "Grace Hopper" }).click();
    await page.getByRole("heading", { name: "Grace Hopper" }).waitFor();
    const memberships = page.getByRole("list", { name: "Memberships" });
    await memberships.getByRole("link", { name: "Engineering" }).waitFor();
    expect(await memberships.locator(".chip").allTextContents()).toEqual(["owner"]);
    await page.getByLabel("Name", { exact: true }).fill("Grace B. Hopper");
    await page.getByRole("button", { name: "Save name" }).click();
    await page.getByRole("heading", { name: "Grace B. Hopper" }).waitFor();
    await page.getByLabel("Phone").fill("12345");
    await page.getByRole("button", { name: "Save phone" }).click();
    await page.getByRole("alert").getByText(/phone/i).first().waitFor();
    await page.getByLabel("Phone").fill("+14155550100");
    await page.getByRole("button", { name: "Save phone" }).click();
    await until("phone saved", () => users.get({ userId: graceId }), (u) => u.phone === "+14155550100");
    await page.getByLabel("Email", { exact: true }).fill("grace.hopper@example.com");
    await page.getByRole("button", { name: "Save email" }).click();
    await until("email saved", () => users.get({ userId: graceId }), (u) => u.email === "grace.hopper@example.com");
    await page.getByLabel("New password").fill("cobol-forever-1959");
    await page.getByRole("button", { name: "Set password" }).click();
    await page.locator("form.one-field").filter({ has: page.getByLabel("New password") }).getByRole("status").getByText("Saved.").waitFor();
    expect(await page.getByLabel("New password").inputValue()).toBe(""); // not left on screen
    // The password works: Grace signs in with it (a log entry for the user's page).
    const grace = new Account(new Client().setEndpoint(endpoint).setProject(projectId));
    expect((await grace.createEmailPasswordSession({ email: "grace.hopper@example.com", password: "cobol-forever-1959" })).userId).toBe(graceId);
    const emailVerified = page.getByRole("switch", { name: "Email verified" });
    expect(await emailVerified.getAttribute("aria-checked")).toBe("false");
    await emailVerified.focus();
    await page.keyboard.press("Space");
    await page.getByRole("switch", { name: "Email verified", checked: true }).waitFor();
    await page.getByRole("switch", { name: "Phone verified" }).click();
    await page.getByRole("switch", { name: "Phone verified", checked: true }).waitFor();
    expect(await users.get({ userId: graceId })).toMatchObject({ emailVerification: true, phoneVerification: true });
    await page.getByRole("switch", { name: "Require a second factor at sign-in" }).click();
    await page.getByRole("switch", { name: "Require a second factor at sign-in", checked: true }).waitFor();
    expect((await users.get({ userId: graceId })).mfa).toBe(true);
    await page.getByRole("button", { name: "Generate recovery codes" }).click();
    const codes = page.getByRole("list", { name: "Recovery codes" });
    await codes.locator("li").first().waitFor();
    const shown = await codes.locator("li").allTextContents();
    expect(shown).toHaveLength(6);
    expect((await users.getMFARecoveryCodes({ userId: graceId })).recoveryCodes).toEqual(shown);
    await page.getByRole("button", { name: "Regenerate recovery codes" }).click();
    await until("codes regenerated", async () => codes.locator("li").allTextContents(), (c) => c.length === 6 && c[0] !== shown[0]);
    expect((await users.getMFARecoveryCodes({ userId: graceId })).recoveryCodes).toEqual(await codes.locator("li").allTextContents());
    expect(await page.getByRole("list", { name: "Factors" }).textContent()).toContain("Email: yes");
    await page.reload();
    const logs = page.getByRole("table", { name: "Logs" });
    await logs.waitFor();
    expect(await logs.locator("tbody tr").first().locator("td").first().textContent()).toBe("session.create");
    await shot(page, "user-detail");
    await page.setViewportSize({ width: 375, height: 740 });
    expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(375);
    await shot(page, "user-detail-narrow");
    await page.setViewportSize({ width: 1200, height: 800 });

    // Back on the team: search, remove the member, delete the team.
    await authNav.getByRole("link", { name: "Teams" }).click();
    await teams.create({ teamId: `designers-${TAG}`, name: "Designers" });
    await page.getByLabel("Search teams").fill("engin");
    await page.getByRole("button", { name: "Search", exact: true }).click();
    await page.getByRole("link", { name: "Engineering" }).waitFor();
    await until("search applied", async () => page.locator("tbody tr").count(), (n) => n === 1);
    await page.getByLabel("Search teams").fill("nobody-here");
    await page.getByRole("button", { name: "Search", exact: true }).click();
    await page.getByText("No team matches “nobody-here”").waitFor();
    await page.getByLabel("Search teams").fill("");
    await page.getByRole("button", { name: "Search", exact: true }).click();
    await page.getByRole("link", { name: "Engineering" }).click();
    await page.getByRole("button", { name: "Remove Grace B. Hopper" }).click();
    const removeDialog = page.getByRole("dialog", { name: "Remove member" });
    await removeDialog.waitFor();
    expect(await page.evaluate(() => document.activeElement?.textContent)).toBe("Cancel");
    await removeDialog.getByRole("button", { name: "Remove" }).click();
    await page.getByText("No members").waitFor();
    expect((await teams.listMemberships({ teamId })).total).toBe(0);
    await page.getByRole("button", { name: "Delete team" }).click();
    await page.getByRole("dialog", { name: "Delete team" }).getByRole("button", { name: "Delete team" }).click();
    await page.getByRole("link", { name: "Designers" }).waitFor();
    expect((await failed(teams.get({ teamId })))?.code).toBe(404);

    // Auth › Settings: every change checked on the server by its effect.
    const smtp = await startSmtpFake({ user: "console-smtp", pass: "console-smtp-pass" });
    try {
      await authNav.getByRole("link", { name: "Settings" }).click();
      await page.getByRole("heading", { name: "Auth settings" }).waitFor();
      const project = async () => (await consoleCall("GET", `/projects/${projectId}`)).json;
      const anonymous = page.getByRole("switch", { name: "Anonymous" });
      expect(await anonymous.getAttribute("aria-checked")).toBe("true");
      await anonymous.click();
      await page.getByRole("switch", { name: "Anonymous", checked: false }).waitFor();
      const refused = await failed(new Account(new Client().setEndpoint(endpoint).setProject(projectId)).createAnonymousSession());
      expect([refused?.code, refused?.type]).toEqual([501, "user_auth_method_unsupported"]);
      // Password history out of range: Appwrite's message; then in range.
      await page.getByRole("spinbutton", { name: "Password history" }).fill("50");
      await page.getByRole("button", { name: "Save password history" }).click();
      await page.getByRole("alert").getByText(/Invalid `limit` param/).waitFor();
      await page.getByRole("spinbutton", { name: "Password history" }).fill("5");
      await page.getByRole("button", { name: "Save password history" }).click();
      await until("history", project, (p) => p.authPasswordHistory === 5);
      await page.getByRole("switch", { name: "Refuse common passwords (dictionary)" }).click();
      await page.getByRole("switch", { name: "Refuse passwords containing personal data" }).click();
      await until("dictionary + personal data", project, (p) => p.authPasswordDictionary === true && p.authPersonalDataCheck === true);
      // The dictionary in effect: a sign-up with a common password is refused.
      const weak = await failed(new Account(new Client().setEndpoint(endpoint).setProject(projectId)).create({ userId: "unique()", email: "weak@example.com", password: "password123" }));
      expect([weak?.code, weak?.type]).toEqual([400, "general_argument_invalid"]);
      expect(weak?.message).toContain("commonly used password");
      await page.getByRole("spinbutton", { name: "Session length" }).fill("2");
      await page.getByLabel("Unit").selectOption("hours");
      await page.getByRole("button", { name: "Save session length" }).click();
      await until("duration", project, (p) => p.authDuration === 7200);
      await page.getByRole("spinbutton", { name: "Sessions per user" }).fill("3");
      await page.getByRole("button", { name: "Save sessions per user" }).click();
      await page.getByRole("spinbutton", { name: "Users limit" }).fill("100");
      await page.getByRole("button", { name: "Save users limit" }).click();
      await until("limits", project, (p) => p.authSessionsLimit === 3 && p.authLimit === 100);
      // Memberships privacy: members stop seeing each other's e-mail addresses (the others stay on).
      await page.getByRole("switch", { name: "E-mail addresses" }).click();
      await until("privacy", project, (p) => p.authMembershipsUserEmail === false && p.authMembershipsUserName === true && p.authMembershipsMfa === true);
      await page.getByRole("button", { name: "Add number" }).click();
      await page.getByLabel("Phone 1").fill("+15555550100");
      await page.getByLabel("Code 1").fill("123456");
      await page.getByRole("button", { name: "Save numbers" }).click();
      await until("mock numbers", project, (p) => JSON.stringify(p.authMockNumbers) === JSON.stringify([{ phone: "+15555550100", otp: "123456" }]));
      // OAuth2: GitHub's app ID and secret; the secret never comes back.
      await page.getByRole("button", { name: "Configure github" }).click();
      const oauth = page.getByRole("dialog", { name: "OAuth2: github" });
      await oauth.getByLabel("App ID").fill("gh-app-id");
      await oauth.getByLabel("App secret").fill("gh-app-secret");
      await oauth.getByRole("button", { name: "Save provider" }).click();
      await oauth.waitFor({ state: "hidden" });
      const gh = (await until("github", project, (p) => p.oAuthProviders.some((o: { key: string }) => o.key === "github"))).oAuthProviders.find((o: { key: string }) => o.key === "github");
      expect(gh).toMatchObject({ appId: "gh-app-id", enabled: true, secret: "" });
      await page.locator(".providers li", { hasText: "github" }).getByText("enabled").waitFor();
      // SMTP through the fake server on loopback (saving connects and signs in), then a custom template.
      await page.getByLabel("Use custom SMTP").check();
      await page.getByLabel("Sender name", { exact: true }).fill("Auth Demo");
      await page.getByLabel("Sender email", { exact: true }).fill("noreply@example.com");
      await page.getByLabel("Host", { exact: true }).fill("127.0.0.1");
      await page.getByLabel("Port", { exact: true }).fill(String(smtp.port));
      await page.getByLabel("Username", { exact: true }).fill("console-smtp");
      await page.getByLabel("SMTP password").fill("wrong-pass");
      await page.getByRole("button", { name: "Save SMTP" }).click();
      await page.getByRole("alert").first().waitFor();
      expect((await project()).smtpEnabled).toBe(false);
      await page.getByLabel("SMTP password").fill("console-smtp-pass");
      await page.getByRole("button", { name: "Save SMTP" }).click();
      await until("smtp", project, (p) => p.smtpEnabled === true && p.smtpHost === "127.0.0.1" && p.smtpPort === smtp.port && p.smtpPassword === "");
      await page.getByLabel("Send a test e-mail to").fill("smtp-check@example.com");
      await page.getByRole("button", { name: "Send test e-mail" }).click();
      await until("test mail", async () => smtp.mails, (m) => m.some((x) => x.to.includes("smtp-check@example.com") && x.auth === "console-smtp"));
      await page.getByLabel("Template", { exact: true }).selectOption("recovery");
      await until("recovery template shown", () => page.getByLabel("Subject").inputValue(), (v) => v.startsWith("Password Reset"));
      await page.getByLabel("Subject").fill("Reset your {{project}} password");
      await page.getByRole("button", { name: "Save template" }).click();
      await until("template", () => consoleCall("GET", `/projects/${projectId}/templates/email/recovery/en`), (r) => r.json.subject === "Reset your {{project}} password");
      await shot(page, "auth-settings");
      await page.getByRole("button", { name: "Reset to default" }).click();
      await page.getByRole("dialog", { name: "Reset template" }).getByRole("button", { name: "Reset" }).click();
      await until("template reset", () => consoleCall("GET", `/projects/${projectId}/templates/email/recovery/en`), (r) => r.status === 200 && r.json.subject !== "Reset your {{project}} password");
      await page.setViewportSize({ width: 375, height: 740 });
      expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(375);
      await shot(page, "auth-settings-narrow");
      await page.setViewportSize({ width: 1200, height: 800 });
    } finally {
      smtp.server.close();
    }

    // Columns of the text types (varchar with its size, longtext) through the columns dialog.
    const tables = new TablesDB(admin);
    await tables.create({ databaseId: "main", name: "Main" });
    await tables.createTable({ databaseId: "main", tableId: "notes", name: "Notes" });
    await page.goto(`${origin}/console/project/${projectId}/databases/main/table/notes/columns`);
    for (const [type, key] of [["varchar", "title"], ["longtext", "body"]] as const) {
      await page.getByRole("button", { name: "Create column" }).first().click();
      const dialog = page.getByRole("dialog", { name: "Create column" });
      await dialog.getByLabel("Type").selectOption(type);
      await dialog.getByLabel("Key").fill(key);
      if (type === "varchar") await dialog.getByLabel("Size").fill("120");
      await dialog.getByRole("button", { name: "Create column" }).click();
      await dialog.waitFor({ state: "hidden" });
    }
    const cols = await until("text columns", () => tables.listColumns({ databaseId: "main", tableId: "notes" }), (r) => r.total === 2);
    expect(cols.columns.map((c) => [c.key, c.type])).toEqual([["title", "varchar"], ["body", "longtext"]]);
    expect((cols.columns[0] as { size?: number }).size).toBe(120);
    await page.getByRole("cell", { name: "varchar (120)" }).waitFor();

    // Sign out, and back in with a recovery code; then the e-mail factor once the address is verified.
    await page.goto(`${origin}/console/`);
    for (const factor of ["recoveryCode", "email"] as const) {
      await page.getByRole("button", { name: "Sign out" }).click();
      await page.getByLabel("Email").fill(email);
      await page.getByLabel("Password").fill(password);
      await page.getByRole("button", { name: "Sign in" }).click();
      await page.getByRole("heading", { name: "Two-step verification" }).waitFor();
      await page.getByRole("radio", { name: factor === "email" ? "Email" : "Recovery code" }).check();
      if (factor === "recoveryCode") {
        await page.getByRole("textbox", { name: "Recovery code" }).fill(recoveryCodes[0]);
      } else {
        await page.getByRole("button", { name: "Send code" }).click();
        const mail = await until("mfa mail", () => consoleCall("GET", `/projects/console/outbox?to=${encodeURIComponent(email)}`), (r) => r.json.messages?.length > 0);
        await page.getByRole("textbox", { name: "Code" }).fill(/\b(\d{6})\b/.exec(mail.json.messages.at(-1).text)![1]!);
      }
      await page.getByRole("button", { name: "Verify" }).click();
      await page.locator(".who").getByText("Mfa Owner", { exact: true }).waitFor();
      if (factor === "recoveryCode") expect((await consoleCall("PATCH", `/users/${made.json.$id}/verification`, { emailVerification: true })).status).toBe(200);
    }
    expect(errors.filter((e) => /Content Security Policy|Refused to/i.test(e))).toEqual([]);
    await page.context().close();
  });
});
