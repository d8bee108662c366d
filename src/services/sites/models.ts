import { lookup } from "../../core/input";
import { formatDate } from "../../core/time";
import type { FnVariable, Site, SiteDeployment, SiteLog } from "../../db/schema";
import { variableModel } from "../functions/models";

const date = (ms: number | null) => (ms === null || ms === undefined ? "" : formatDate(ms));

export function siteModel(s: Site, vars: FnVariable[] = []) {
  const p = s.provider ?? {};
  return {
    $id: s.id,
    $createdAt: formatDate(s.createdAt),
    $updatedAt: formatDate(s.updatedAt),
    name: s.name,
    enabled: s.enabled,
    live: true,
    logging: s.logging,
    framework: s.framework,
    deploymentRetention: s.deploymentRetention,
    deploymentId: s.deploymentId,
    deploymentCreatedAt: date(s.deploymentCreatedAt),
    deploymentScreenshotLight: "",
    deploymentScreenshotDark: "",
    latestDeploymentId: s.latestDeploymentId,
    latestDeploymentCreatedAt: date(s.latestDeploymentCreatedAt),
    latestDeploymentStatus: s.latestDeploymentStatus,
    vars: vars.map(variableModel),
    timeout: s.timeout,
    installCommand: s.installCommand,
    buildCommand: s.buildCommand,
    startCommand: s.startCommand,
    outputDirectory: s.outputDirectory,
    installationId: (p.installationId as string) ?? "",
    providerRepositoryId: (p.providerRepositoryId as string) ?? "",
    providerBranch: (p.providerBranch as string) ?? "",
    providerRootDirectory: (p.providerRootDirectory as string) ?? "",
    providerSilentMode: (p.providerSilentMode as boolean) ?? false,
    providerBranches: (p.providerBranches as string[]) ?? [],
    providerPaths: (p.providerPaths as string[]) ?? [],
    buildSpecification: s.buildSpecification,
    runtimeSpecification: s.runtimeSpecification,
    buildRuntime: s.buildRuntime,
    adapter: s.adapter,
    fallbackFile: s.fallbackFile,
  };
}

export const deploymentStatus = (d: SiteDeployment) => (d.status === "uploading" ? "waiting" : d.status);

/** Appwrite's Deployment model (the same one functions use), resourceType "sites". */
export function siteDeploymentModel(d: SiteDeployment) {
  return {
    $id: d.id,
    $createdAt: formatDate(d.createdAt),
    $updatedAt: formatDate(d.updatedAt),
    type: d.type,
    resourceId: d.siteId,
    resourceType: "sites",
    entrypoint: "",
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
    chunksTotal: d.chunksTotal,
    chunksUploaded: d.chunks.length,
  };
}

/** A site log is Appwrite's Execution model (trigger http, resourceType sites); logs/errors for keys only. */
export function logModel(l: SiteLog, withSensitive: boolean) {
  return {
    $id: l.id,
    $createdAt: formatDate(l.createdAt),
    $updatedAt: formatDate(l.updatedAt),
    $permissions: [],
    functionId: l.siteId,
    resourceId: l.siteId,
    resourceType: "sites",
    deploymentId: l.deploymentId,
    trigger: "http",
    status: l.responseStatusCode >= 500 ? "failed" : "completed",
    requestMethod: l.requestMethod,
    requestPath: l.requestPath,
    requestHeaders: l.requestHeaders,
    responseStatusCode: l.responseStatusCode,
    responseBody: "",
    responseHeaders: l.responseHeaders,
    logs: withSensitive ? l.logs : "",
    errors: withSensitive ? l.errors : "",
    duration: l.duration,
    scheduledAt: null,
  };
}

type Adapter = [key: "static" | "ssr", installCommand: string, buildCommand: string, outputDirectory: string, fallbackFile: string];
const npm = (out: string, fallback = ""): [string, string, string, string] => ["npm install", "npm run build", out, fallback];

/** Appwrite 1.9.6's frameworks (app/config/frameworks.php): key → name, build runtime, adapters. */
const FRAMEWORKS: [key: string, name: string, buildRuntime: string, adapters: Adapter[]][] = [
  ["analog", "Analog", "node-22", [["ssr", ...npm("./dist/analog")], ["static", ...npm("./dist/analog/public", "index.html")]]],
  ["angular", "Angular", "node-22", [["ssr", ...npm("./dist/angular")], ["static", ...npm("./dist/angular/browser", "index.csr.html")]]],
  ["nextjs", "Next.js", "node-22", [["ssr", ...npm("./.next")], ["static", ...npm("./out")]]],
  ["react", "React", "node-22", [["static", ...npm("./dist", "index.html")]]],
  ["nuxt", "Nuxt", "node-22", [["ssr", ...npm("./.output")], ["static", "npm install", "npm run generate", "./output/public", ""]]],
  ["vue", "Vue.js", "node-22", [["static", ...npm("./dist", "index.html")]]],
  ["sveltekit", "SvelteKit", "node-22", [["ssr", ...npm("./build")], ["static", ...npm("./build")]]],
  ["astro", "Astro", "node-22", [["ssr", ...npm("./dist")], ["static", ...npm("./dist")]]],
  ["tanstack-start", "TanStack Start", "node-22", [["ssr", ...npm("./.output")], ["static", ...npm("./dist/client")]]],
  ["remix", "Remix", "node-22", [["ssr", ...npm("./build")], ["static", ...npm("./build/client")]]],
  ["lynx", "Lynx", "node-22", [["static", ...npm("./dist", "index.html")]]],
  ["flutter", "Flutter", "flutter-3.35", [["static", "flutter pub get", "flutter build web --release -t lib/main.dart", "./build/web", "index.html"]]],
  ["react-native", "React Native", "node-22", [["static", ...npm("./dist", "index.html")]]],
  ["vite", "Vite", "node-22", [["static", ...npm("./dist")]]],
  ["other", "Other", "node-22", [["static", "", "", "./", ""]]],
];

export const FRAMEWORK_KEYS = FRAMEWORKS.map(([key]) => key);
const byKey = lookup(Object.fromEntries(FRAMEWORKS.map((f) => [f[0], f])));

export function frameworkModel(key: string) {
  const [, name, buildRuntime, adapters] = byKey[key]!;
  return {
    key,
    name,
    buildRuntime,
    runtimes: [buildRuntime],
    adapters: adapters.map(([k, installCommand, buildCommand, outputDirectory, fallbackFile]) => ({ key: k, installCommand, buildCommand, outputDirectory, fallbackFile })),
  };
}
