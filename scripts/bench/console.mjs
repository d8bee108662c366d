// The console (static assets at /console, served through the Worker's ASSETS hand-off): its gzipped sizes, how fast
// the Worker serves its page and scripts, and the time to its first screen (the sign-in form's
// `console:sign-in-ready` mark) in fresh headless-Chromium contexts on loopback and on a slow link.
import { existsSync, readFileSync, readdirSync } from "node:fs";
import path from "node:path";
import { gzipSync } from "node:zlib";
import autocannon from "autocannon";
import { ROOT } from "../lib/server.mjs";

const CHROMIUM = process.env.CHROMIUM_PATH ?? "/usr/bin/chromium";
const SECONDS = Number(process.env.BENCH_SECONDS ?? 5);
const LOADS = 5;

export default async function consoleBench(ctx) {
  const origin = ctx.api.replace(/\/v1$/, "");
  const assets = path.join(ROOT, "console/dist/console/assets");
  const files = readdirSync(assets);
  for (const f of files) ctx.row(`gzip ${f.replace(/-[\w-]{8}\./, ".")}`, { kB: gzipSync(readFileSync(path.join(assets, f)), { level: 9 }).length / 1000 });

  const js = files.find((f) => f.startsWith("index-") && f.endsWith(".js"));
  for (const p of ["/console/", `/console/assets/${js}`]) {
    // As a browser asks: compressed (the JS is 48 KB gzipped, 266 KB plain).
    const r = await autocannon({ url: origin + p, connections: 10, duration: SECONDS, headers: { "accept-encoding": "gzip" } });
    ctx.row(`GET ${p.replace(/-[\w-]{8}\./, ".")}`, { rps: r.requests.average, p50: r.latency.p50, p99: r.latency.p99, errors: r.errors + r.non2xx });
  }

  if (!existsSync(CHROMIUM)) return console.log(`  first screen: skipped (no Chromium at ${CHROMIUM})`);
  const { chromium } = await import("playwright-core");
  const browser = await chromium.launch({ executablePath: CHROMIUM, args: ["--headless", "--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync"] });
  try {
    for (const [label, throttle] of [["loopback", null], ["1.6 Mbit/s, 150 ms RTT", { offline: false, latency: 150, downloadThroughput: 200_000, uploadThroughput: 93_750 }]]) {
      const times = [];
      for (let i = 0; i < LOADS; i++) {
        const context = await browser.newContext();
        const page = await context.newPage();
        if (throttle) {
          const cdp = await context.newCDPSession(page);
          await cdp.send("Network.enable");
          await cdp.send("Network.emulateNetworkConditions", throttle);
        }
        await page.goto(`${origin}/console/`);
        await page.getByRole("button", { name: "Sign in" }).waitFor();
        times.push(await page.evaluate(() => performance.getEntriesByName("console:sign-in-ready")[0].startTime));
        await context.close();
      }
      times.sort((a, b) => a - b);
      ctx.row(`first screen, ${label} (${LOADS} fresh loads)`, { medianMs: times[LOADS >> 1], minMs: times[0], maxMs: times[LOADS - 1] });
    }
  } finally {
    await browser.close();
  }
}
