import { formatDate } from "../../core/time";
import type { ResourceToken } from "../../db/schema";

/** Appwrite's ResourceToken model; `secret` is the JWT to pass as `?token=`. */
export function resourceTokenModel(t: ResourceToken, secret: string) {
  return {
    $id: t.id,
    $createdAt: formatDate(t.createdAt),
    resourceId: t.resourceId,
    resourceType: t.resourceType,
    expire: t.expire === null ? "" : formatDate(t.expire),
    secret,
    accessedAt: t.accessedAt === null ? "" : formatDate(t.accessedAt),
  };
}
