import { AppwriteError } from "../../core/errors";
import { lookup } from "../../core/input";

/**
 * Runtimes. Every JavaScript runtime name Appwrite knows (node-*, bun-*, deno-*) is accepted and runs
 * the same way: ESM in a Dynamic Worker with the open-runtimes Node context. Appwrite's other runtimes
 * (python, dart …) are known names that this server does not run: `function_runtime_unsupported`.
 */
const JS = [
  "node-14.5", "node-16.0", "node-18.0", "node-19.0", "node-20.0", "node-21.0", "node-22", "node-23", "node-24", "node-25",
  "deno-1.40", "deno-1.46", "deno-2.0", "deno-2.5", "deno-2.6",
  "bun-1.0", "bun-1.1", "bun-1.2", "bun-1.3",
] as const;

const OTHER = [
  "php-8.0", "php-8.1", "php-8.2", "php-8.3", "php-8.4", "ruby-3.0", "ruby-3.1", "ruby-3.2", "ruby-3.3", "ruby-3.4", "ruby-4.0",
  "python-3.8", "python-3.9", "python-3.10", "python-3.11", "python-3.12", "python-3.13", "python-3.14", "python-ml-3.11",
  "python-ml-3.12", "python-ml-3.13", "dart-2.15", "dart-2.16", "dart-2.17", "dart-2.18", "dart-2.19", "dart-3.0", "dart-3.1",
  "dart-3.3", "dart-3.5", "dart-3.8", "dart-3.9", "dart-3.10", "dart-3.11", "dart-3.12", "dotnet-6.0", "dotnet-7.0", "dotnet-8.0",
  "dotnet-10", "java-8.0", "java-11.0", "java-17.0", "java-18.0", "java-21.0", "java-22", "java-25", "swift-5.5", "swift-5.8",
  "swift-5.9", "swift-5.10", "swift-6.2", "kotlin-1.6", "kotlin-1.8", "kotlin-1.9", "kotlin-2.0", "kotlin-2.3", "cpp-17", "cpp-20",
  "go-1.23", "go-1.24", "go-1.25", "go-1.26", "rust-1.83", "static-1", "flutter-3.24", "flutter-3.27", "flutter-3.29",
  "flutter-3.32", "flutter-3.35", "flutter-3.38", "flutter-3.41", "flutter-3.44",
] as const;

export const JS_RUNTIMES: readonly string[] = JS;
export const ALL_RUNTIMES: readonly string[] = [...JS, ...OTHER];

const NAMES = lookup<string>({ node: "Node.js", deno: "Deno", bun: "Bun" });

export function runtimeInfo(id: string) {
  const dash = id.indexOf("-");
  const key = id.slice(0, dash);
  const version = id.slice(dash + 1);
  return { key, name: NAMES[key] ?? key, version };
}

/** Appwrite's Runtime model for GET /v1/functions/runtimes. */
export function runtimeModel(id: string) {
  const { key, name, version } = runtimeInfo(id);
  return {
    $id: id,
    key,
    name,
    version,
    base: `${key}:${version}`,
    image: `openruntimes/${key}:v5-${version}`,
    logo: `${key}.png`,
    supports: ["amd64", "arm64"],
  };
}

/** Validate a `runtime` param: Appwrite's whitelist text for unknown names, unsupported for non-JS ones. */
export function checkRuntime(runtime: string): string {
  if (JS_RUNTIMES.includes(runtime)) return runtime;
  if (ALL_RUNTIMES.includes(runtime)) throw new AppwriteError("function_runtime_unsupported", `Runtime "${runtime}" is not supported`);
  throw new AppwriteError("general_argument_invalid", `Invalid \`runtime\` param: Value must be one of (${ALL_RUNTIMES.join(", ")})`);
}
