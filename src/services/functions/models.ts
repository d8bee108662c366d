import { formatDate } from "../../core/time";
import type { Fn, FnDeployment, FnExecution, FnVariable, Rule } from "../../db/schema";

/** Marks a `waiting` row's stashed queue message (src/services/functions/execute.ts), never shown. */
export const QUEUED_MARK = "\u0000edgewrite-queued:";

const date = (ms: number | null) => (ms === null || ms === undefined ? "" : formatDate(ms));

/** Variable model: a secret's value is never returned, to anyone. */
export function variableModel(v: FnVariable) {
  return {
    $id: v.id,
    $createdAt: formatDate(v.createdAt),
    $updatedAt: formatDate(v.updatedAt),
    key: v.key,
    value: v.secret ? "" : v.value,
    secret: v.secret,
    resourceType: v.resourceType,
    resourceId: v.resourceId,
  };
}

export function functionModel(f: Fn, vars: FnVariable[] = []) {
  const p = f.provider ?? {};
  return {
    $id: f.id,
    $createdAt: formatDate(f.createdAt),
    $updatedAt: formatDate(f.updatedAt),
    execute: f.execute,
    name: f.name,
    enabled: f.enabled,
    live: true,
    logging: f.logging,
    runtime: f.runtime,
    deploymentRetention: f.deploymentRetention,
    deploymentId: f.deploymentId,
    deploymentCreatedAt: date(f.deploymentCreatedAt),
    latestDeploymentId: f.latestDeploymentId,
    latestDeploymentCreatedAt: date(f.latestDeploymentCreatedAt),
    latestDeploymentStatus: f.latestDeploymentStatus,
    scopes: f.scopes,
    vars: vars.map(variableModel),
    events: f.events,
    schedule: f.schedule,
    timeout: f.timeout,
    entrypoint: f.entrypoint,
    commands: f.commands,
    version: "v5",
    installationId: (p.installationId as string) ?? "",
    providerRepositoryId: (p.providerRepositoryId as string) ?? "",
    providerBranch: (p.providerBranch as string) ?? "",
    providerRootDirectory: (p.providerRootDirectory as string) ?? "",
    providerSilentMode: (p.providerSilentMode as boolean) ?? false,
    providerBranches: (p.providerBranches as string[]) ?? [],
    providerPaths: (p.providerPaths as string[]) ?? [],
    buildSpecification: f.buildSpecification,
    runtimeSpecification: f.runtimeSpecification,
  };
}

/** Deployment status as Appwrite reports it (chunks still arriving count as `waiting`). */
export function deploymentStatus(d: FnDeployment): string {
  return d.status === "uploading" ? "waiting" : d.status;
}

export function deploymentModel(d: FnDeployment) {
  return {
    $id: d.id,
    $createdAt: formatDate(d.createdAt),
    $updatedAt: formatDate(d.updatedAt),
    type: d.type,
    resourceId: d.functionId,
    resourceType: "functions",
    entrypoint: d.entrypoint,
    sourceSize: d.sourceSize,
    buildSize: d.buildSize,
    totalSize: d.sourceSize + d.buildSize,
    buildId: d.id,
    activate: d.activate,
    screenshotLight: "",
    screenshotDark: "",
    status: deploymentStatus(d),
    buildLogs: d.buildLogs,
    buildDuration: d.buildDuration,
    providerRepositoryName: "",
    providerRepositoryOwner: "",
    providerRepositoryUrl: "",
    providerCommitHash: "",
    providerCommitAuthorUrl: "",
    providerCommitAuthor: "",
    providerCommitMessage: "",
    providerCommitUrl: "",
    providerBranch: "",
    providerBranchUrl: "",
    // Chunked upload progress (the SDK reads these to know when the upload is complete).
    chunksTotal: d.chunksTotal,
    chunksUploaded: d.chunks.length,
  };
}

/**
 * Execution model: a superset of response formats 1.9.5 (functionId) and 2.0.0 (resourceId + resourceType).
 * `logs` and `errors` are Appwrite's sensitive fields (a function may log anything, secrets included):
 * only API keys and the deployment admin (`caller.privileged`) see them; users, guests and event payloads
 * (realtime reaches end users) get "".
 */
export function executionModel(e: FnExecution, withSensitive: boolean) {
  return {
    $id: e.id,
    $createdAt: formatDate(e.createdAt),
    $updatedAt: formatDate(e.updatedAt),
    $permissions: e.userId ? [`read("user:${e.userId}")`] : [],
    functionId: e.functionId,
    resourceId: e.functionId,
    resourceType: "functions",
    deploymentId: e.deploymentId,
    trigger: e.trigger,
    status: e.status,
    requestMethod: e.requestMethod,
    requestPath: e.requestPath,
    requestHeaders: e.requestHeaders,
    responseStatusCode: e.responseStatusCode,
    responseBody: e.responseBody.startsWith(QUEUED_MARK) ? "" : e.responseBody,
    responseHeaders: e.responseHeaders,
    logs: withSensitive ? e.logs : "",
    errors: withSensitive ? e.errors : "",
    duration: e.duration,
    scheduledAt: e.scheduledAt === null ? null : formatDate(e.scheduledAt),
  };
}

/** Rule model (Appwrite's Proxy rules); a function rule follows the function's active deployment. */
export function ruleModel(r: Rule, deploymentId: string) {
  return {
    $id: r.id,
    $createdAt: formatDate(r.createdAt),
    $updatedAt: formatDate(r.updatedAt),
    domain: r.domain,
    type: r.type,
    trigger: r.trigger,
    redirectUrl: "",
    redirectStatusCode: 301,
    deploymentId,
    deploymentResourceType: r.deploymentResourceType,
    deploymentResourceId: r.deploymentResourceId,
    deploymentVcsProviderBranch: r.branch,
    status: r.status,
    logs: r.logs,
    renewAt: "",
  };
}
