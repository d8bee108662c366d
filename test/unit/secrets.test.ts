import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { AppwriteError } from "../../src/core/errors";
import { purposeBytes, seal } from "../../src/core/secrets";
import { signJWT, verifyJWT } from "../../src/platform/caller";

const unconfigured = { ...env, ENCRYPTION_KEY: undefined, JWT_SECRET: undefined, ADMIN_KEY: "" } as unknown as Env;
const claims = { userId: "u1", sessionId: "s1", projectId: "p1" };
const hex = (b: Uint8Array) => Array.from(b, (x) => x.toString(16).padStart(2, "0")).join("");

describe("key derivation (src/core/secrets.ts)", () => {
  it("derives a distinct 256-bit key per purpose, never the root secret itself", () => {
    const jwt = purposeBytes(env, "account-jwt");
    expect(jwt.length).toBe(32);
    expect(hex(jwt)).not.toBe(hex(purposeBytes(env, "dynamic-key")));
    expect(hex(jwt)).not.toContain(hex(new TextEncoder().encode(env.JWT_SECRET!)));
  });

  it("signs and seals nothing when no root secret is configured (a server error, not a public constant)", async () => {
    expect(() => purposeBytes(unconfigured, "account-jwt")).toThrow(AppwriteError);
    await expect(signJWT(unconfigured, claims, 60)).rejects.toMatchObject({ type: "general_server_error", code: 500 });
    await expect(seal(unconfigured, "anything", "plain")).rejects.toMatchObject({ type: "general_server_error" });
  });

  it("an account JWT verifies with the server's derived key only", async () => {
    const token = await signJWT(env, claims, 60);
    expect(await verifyJWT(env, token)).toEqual(claims);
    const otherRoot = { ...env, JWT_SECRET: "another-root" } as Env;
    expect(await verifyJWT(otherRoot, token)).toBeNull();
  });
});
