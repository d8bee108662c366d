import { Hono } from "hono";
import type { AppEnv } from "../../platform/context";
import { bucketRoutes } from "./buckets";
import { download, view } from "./download";
import { fileRoutes } from "./files";
import { preview } from "./preview";
import "./cleanup"; // registers the abandoned-upload sweep (cron) and project-delete cleanup

/** `/v1/storage`: buckets, files, uploads, downloads, previews. */
export const storageRoutes = new Hono<AppEnv>();

storageRoutes.get("/buckets/:bucketId/files/:fileId/download", download);
storageRoutes.get("/buckets/:bucketId/files/:fileId/view", view);
storageRoutes.get("/buckets/:bucketId/files/:fileId/preview", preview);
storageRoutes.route("/buckets", fileRoutes);
storageRoutes.route("/buckets", bucketRoutes);
