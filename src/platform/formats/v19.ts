import { parseJson } from "../../core/input";
import type { RawParams } from "../../core/params";
import { drop, type Format } from "./format";

/** Queries naming a field by its 1.6 name → its 1.7 name. */
function renameQueryAttribute(p: RawParams, from: string, to: string): void {
  if (!Array.isArray(p.queries)) return;
  p.queries = p.queries.map((q) => {
    let o: unknown;
    try {
      o = parseJson(String(q));
    } catch {
      return q; // the list route reports the malformed query
    }
    return o && typeof o === "object" && (o as Record<string, unknown>).attribute === from ? JSON.stringify({ ...o, attribute: to }) : q;
  });
}

const plainVariable = (p: RawParams) => void (p.secret = false);

/** 1.6 clients (format < 1.7.0). */
export const V19: Format = {
  before: "1.7.0",
  request: {
    "functions.list": (p) => renameQueryAttribute(p, "deployment", "deploymentId"),
    "functions.listDeployments": (p) => renameQueryAttribute(p, "size", "deploymentSize"),
    "proxy.listRules": (p) => {
      renameQueryAttribute(p, "resourceType", "deploymentResourceType");
      renameQueryAttribute(p, "resourceId", "deploymentResourceId");
    },
    "functions.create": (p) => drop(p, "templateRepository", "templateOwner", "templateRootDirectory", "templateVersion"),
    "functions.listExecutions": (p) => drop(p, "search"),
    // Variables had no `secret` flag before 1.7: they stay readable.
    "project.createVariable": plainVariable,
    "project.listVariables": plainVariable,
    "functions.createVariable": plainVariable,
    "functions.updateVariable": plainVariable,
    // Before 1.7 the download route served the build output.
    "functions.getDeploymentDownload": (p) => void (p.type = "output"),
  },
  response: {
    function: (m) => {
      m.deployment = m.deploymentId ?? "";
      drop(m, "deploymentId", "deploymentCreatedAt", "latestDeploymentId", "latestDeploymentCreatedAt", "latestDeploymentStatus");
    },
    deployment: (m) => {
      m.size = m.sourceSize ?? "";
      m.buildTime = m.buildDuration ?? "";
      drop(m, "sourceSize", "buildDuration", "totalSize", "screenshotLight", "screenshotDark");
    },
    proxyRule: (m) => {
      m.resourceType = m.deploymentResourceType ?? "";
      m.resourceId = m.deploymentResourceId ?? "";
      drop(m, "deploymentResourceType", "deploymentResourceId", "type", "trigger", "triggerData", "redirectStatusCode", "deploymentId", "deploymentVcsProviderBranch");
    },
    project: (m) => drop(m, "devKeys"),
    variable: (m) => drop(m, "secret"),
    usageFunction: (m) => drop(m, "buildsSuccessTotal", "buildsFailedTotal", "buildsTimeAverage", "buildsSuccess", "buildsFailed"),
    usageFunctions: (m) => drop(m, "buildsSuccessTotal", "buildsFailedTotal", "buildsSuccess", "buildsFailed"),
  },
};
