import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { UnpluggableMockBinding, waitFor } from "../testing/pty.ts";
import { SerialLink } from "./serial-link.ts";

describe("SerialLink device presence", () => {
  const binding = new UnpluggableMockBinding();
  const dirs: string[] = [];
  afterEach(() => {
    binding.reset();
    for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
  });

  it("treats a device node that disappears as an unplug, even with no hang-up on the port", async () => {
    // A real file stands for the device node (a udev symlink); the mock port itself never fails.
    const dir = mkdtempSync(join(tmpdir(), "suyuan-presence-"));
    dirs.push(dir);
    const path = join(dir, "ttyUSB0");
    writeFileSync(path, "");
    binding.createPort(path);
    const logs: string[] = [];
    let downs = 0;
    const link = new SerialLink({
      deviceId: "scanner",
      path,
      baudRate: 9600,
      binding,
      presenceCheckMs: 20,
      backoff: { initialMs: 10_000, maxMs: 10_000, factor: 1 },
      log: (m) => logs.push(m),
      onData: () => {},
      onDown: () => downs++,
    });
    await link.open();
    await new Promise((r) => setTimeout(r, 80));
    expect(link.connected).toBe(true); // still there: several checks passed
    rmSync(path);
    await waitFor(() => !link.connected, "the link to notice the missing node");
    expect(downs).toBe(1);
    expect(logs).toContain("serial device gone");
    expect(logs).toContain("serial port lost");
    await link.close();
  });
});
