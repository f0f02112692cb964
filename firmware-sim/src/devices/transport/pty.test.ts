import { existsSync } from "node:fs";
import { afterEach, describe, expect, it } from "vitest";
import { createPtyPair, type PtyPair } from "./pty.ts";

let pair: PtyPair | undefined;
afterEach(async () => {
  await pair?.close();
  pair = undefined;
});

describe("createPtyPair", () => {
  it("gives stable host/device link paths that survive an unplug and restart; close removes them", async () => {
    pair = await createPtyPair({ name: "scanner" });
    const { hostPath, devicePath } = pair;
    expect(hostPath).toMatch(/scanner-host$/);
    expect(devicePath).toMatch(/scanner-device$/);
    expect(pair.running).toBe(true);
    expect(pair.pts[0]).toMatch(/^\/dev\/pts\/\d+$/);
    await pair.unplug();
    expect(pair.running).toBe(false);
    await pair.restart();
    expect(pair.running).toBe(true);
    expect(pair.hostPath).toBe(hostPath);
    expect(existsSync(hostPath) && existsSync(devicePath)).toBe(true);
    await pair.close();
    expect(pair.running).toBe(false);
    expect(existsSync(hostPath)).toBe(false);
    await expect(pair.restart()).rejects.toThrow(/closed/);
  });

  it("fails clearly when socat cannot start", async () => {
    await expect(createPtyPair({ socat: "/nonexistent/socat" })).rejects.toThrow(/cannot start socat/);
  });
});
