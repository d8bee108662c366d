import { and, eq } from "drizzle-orm";
import { AppwriteError } from "../../core/errors";
import type { DB } from "../../db/client";
import { siteDeployments, sites, type Site, type SiteDeployment } from "../../db/schema";

/** R2 layout of a site deployment: the uploaded archive, its files as served, and (SSR) the Worker build. */
export const r2 = {
  prefix: (projectId: string, siteId: string) => `sites/${projectId}/${siteId}/`,
  deployment: (projectId: string, siteId: string, deploymentId: string) => `sites/${projectId}/${siteId}/${deploymentId}/`,
  source: (projectId: string, siteId: string, deploymentId: string) => `sites/${projectId}/${siteId}/${deploymentId}/source.tar.gz`,
  chunk: (projectId: string, siteId: string, deploymentId: string, n: number) => `sites/${projectId}/${siteId}/${deploymentId}/chunks/${n}`,
  manifest: (projectId: string, siteId: string, deploymentId: string) => `sites/${projectId}/${siteId}/${deploymentId}/manifest.json`,
  build: (projectId: string, siteId: string, deploymentId: string) => `sites/${projectId}/${siteId}/${deploymentId}/build.json`,
  file: (projectId: string, siteId: string, deploymentId: string, path: string) => `sites/${projectId}/${siteId}/${deploymentId}/files/${path}`,
};

export async function loadSite(db: DB, projectId: string, siteId: string): Promise<Site> {
  const [row] = await db.select().from(sites).where(and(eq(sites.projectId, projectId), eq(sites.id, siteId))).limit(1);
  if (!row) throw new AppwriteError("site_not_found");
  return row;
}

export async function loadSiteDeployment(db: DB, projectId: string, siteId: string, deploymentId: string): Promise<SiteDeployment> {
  const [row] = await db.select().from(siteDeployments).where(and(eq(siteDeployments.projectId, projectId), eq(siteDeployments.id, deploymentId))).limit(1);
  if (!row || row.siteId !== siteId) throw new AppwriteError("deployment_not_found");
  return row;
}

/** Delete every R2 object under a prefix. */
export async function deletePrefix(bucket: R2Bucket, prefix: string): Promise<void> {
  for (let cursor: string | undefined; ; ) {
    const page = await bucket.list({ prefix, cursor });
    if (page.objects.length) await bucket.delete(page.objects.map((o) => o.key));
    if (!page.truncated) break;
    cursor = page.cursor;
  }
}
