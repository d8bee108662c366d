// Sites: requests/s of a static site page (GET / on `<siteId>.sites.localhost`: the host's rule, the site and its
// manifest — cached per isolate — one R2 read, and the site log written after the answer) beside a bare R2 read of
// the same bytes in the floor worker (bench/floor/src/sites.ts).
import { Client, Sites } from "node-appwrite";
import { InputFile } from "node-appwrite/file";
import { createTarGzip } from "nanotar";

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const PAGE = `<!doctype html><html><head><title>bench</title></head><body>${"<p>Edgewrite site bench.</p>".repeat(40)}</body></html>`;

export default async function (ctx) {
  const { projectId, key } = ctx.project;
  const sites = new Sites(new Client().setEndpoint(ctx.api).setProject(projectId).setKey(key));
  const siteId = `bench${Date.now().toString(36)}`;
  await sites.create({ siteId, name: "bench", framework: "other", buildRuntime: "node-22" });
  const code = Buffer.from(await createTarGzip([{ name: "index.html", data: PAGE }]));
  const d = await sites.createDeployment({ siteId, code: InputFile.fromBuffer(code, "site.tar.gz"), activate: true });
  for (let i = 0; ; i++) {
    const s = await sites.get({ siteId });
    if (s.deploymentId === d.$id) break;
    if (s.latestDeploymentStatus === "failed" || i > 240) throw new Error("bench site was not deployed");
    await sleep(250);
  }
  const host = `${siteId}.sites.localhost`;
  await (await fetch(`${ctx.floor}/storage/object?key=site-page`, { method: "PUT", body: PAGE })).arrayBuffer();

  await ctx.load("static page GET / (site host) vs bare R2 read", { origin: ctx.apiOrigin, path: "/", headers: { host } }, { path: "/sites/page?key=site-page" });
  await sleep(500); // the site logs are written after each answer
  ctx.row("site logs written during the runs", { logs: (await sites.listLogs({ siteId })).total });
  await sites.delete({ siteId });
}
