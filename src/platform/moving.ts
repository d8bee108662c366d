import { AppwriteError } from "../core/errors";
import type { Ctx } from "./context";

/**
 * While a project moves to another data database (src/services/shards/move.ts) its rows are being copied: a
 * write accepted now could land on the source after its table was copied and be lost. So every write request
 * of the project is refused with Appwrite's `general_service_disabled` (403) until the move ends; reads keep
 * being served from the source. The flag comes from the project row the access middleware read fresh (or, on
 * the skip-read path, from a remembered row whose signature every batch re-checks: access.ts).
 */
const READS = new Set(["GET", "HEAD", "OPTIONS"]);
export const MOVING_MESSAGE = "This project is being moved to another database: writes are paused for the move (usually seconds to minutes). Reads keep working; retry the write later.";

export function refuseWritesWhileMoving(c: Ctx): void {
  if (c.var.project.moving && !READS.has(c.req.method)) throw new AppwriteError("general_service_disabled", MOVING_MESSAGE);
}
