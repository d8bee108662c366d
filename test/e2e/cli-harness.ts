import { expect } from "vitest";
import { execFile } from "node:child_process";
import path from "node:path";

/** appwrite-cli@12.0.1, run as a user would. */
const CLI = path.resolve("node_modules/appwrite-cli/index.js");

/** Run the CLI in `dir`, with a HOME of its own (`dir/home`) so the real ~/.appwrite is never touched. */
export function runCli(dir: string, ...args: string[]): Promise<{ code: number; out: string }> {
  return new Promise((resolve) => {
    const env = { ...process.env, HOME: path.join(dir, "home"), NO_COLOR: "1", FORCE_COLOR: "0" };
    execFile(process.execPath, [CLI, ...args], { cwd: dir, env, timeout: 150_000 }, (e, stdout, stderr) => {
      resolve({ code: e ? (typeof e.code === "number" ? e.code : 1) : 0, out: `${stdout}${stderr}` });
    });
  });
}

export const errorLines = (out: string) => out.split("\n").filter((l) => /error/i.test(l));

/** A CLI step that must exit 0 with no error line. */
export async function cliStep(dir: string, ...args: string[]): Promise<string> {
  const { code, out } = await runCli(dir, ...args);
  expect({ code, errors: errorLines(out) }, out).toEqual({ code: 0, errors: [] });
  return out;
}
