import { execFile } from "node:child_process";
import { readdirSync, readFileSync } from "node:fs";
import { request } from "node:http";
import path from "node:path";
import { promisify } from "node:util";
import { gzipSync } from "node:zlib";
import { chromium, type Browser, type Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { adminKey, consoleCall, endpoint, raw, until } from "../e2e/harness";

/**
 * The Edgewrite Console (console/, static assets at /console) in headless Chromium against the real server: the
 * first account made the documented way (`npm run console:user`'s script), then sign-in, projects, the usage
 * overview, Auth › Users and deleting a project — every call made by the console SDK inside the page.
 * Screenshots go to /tmp/console-*.png.
 */
const CHROMIUM = process.env.CHROMIUM_PATH ?? "/usr/bin/chromium";
const ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync"];
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
  browser = await chromium.launch({ executablePath: CHROMIUM, args: ARGS });
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
