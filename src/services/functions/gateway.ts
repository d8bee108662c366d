import { WorkerEntrypoint } from "cloudflare:workers";
import { app } from "../../app";
import { markGatewayCall } from "../../platform/client";
import { INTERNAL_API_HOST } from "./runtime";

/**
 * The only network a function's Dynamic Worker has (its `globalOutbound`). Requests to
 * APPWRITE_FUNCTION_API_ENDPOINT go straight into this app, in process, with whatever key the function
 * sends (normally its dynamic key from `x-appwrite-key`), and marked as this function's call so abuse
 * limits see a fixed identity, never an IP header the function set. Any other host is refused with
 * workerd's own message unless the function opted in to outbound traffic.
 */
export const BLOCKED_MESSAGE =
  "This worker is not permitted to access the internet via global functions like fetch(). It must use capabilities (such as bindings in 'env') to talk to the outside world.";

export class FunctionGateway extends WorkerEntrypoint<Env, { projectId: string; functionId: string; outbound: boolean }> {
  override async fetch(request: Request): Promise<Response> {
    const url = new URL(request.url);
    if (url.hostname === INTERNAL_API_HOST) {
      const { projectId, functionId } = this.ctx.props;
      return app.fetch(markGatewayCall(request, projectId, functionId), this.env, this.ctx);
    }
    if (this.ctx.props.outbound) return fetch(request);
    throw new Error(BLOCKED_MESSAGE);
  }
}
