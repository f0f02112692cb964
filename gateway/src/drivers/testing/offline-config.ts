// Tests that start a real `suyuan gateway start` process: a fresh key and a config whose core
// is down (nothing listens on 127.0.0.1:1, so the uplink keeps retrying), with the caller's
// gateway id, devices, read points and any other keys.
import { writeFile } from "node:fs/promises";
import { join } from "node:path";
import { exportKey, generateGatewayKey } from "@suyuan/proto";

/** Writes `gateway.key` and `gateway.json` into `dir`; returns the config's path. */
export async function writeOfflineGatewayConfig(dir: string, fields: Record<string, unknown>): Promise<string> {
  await writeFile(join(dir, "gateway.key"), exportKey(generateGatewayKey().privateKey, "pem"));
  const file = join(dir, "gateway.json");
  await writeFile(
    file,
    JSON.stringify({
      party: "urn:epc:id:pgln:4012345.00000",
      core: { address: "127.0.0.1:1" },
      keyFile: "gateway.key",
      outbox: { path: "outbox", quotaBytes: "512MiB", peakEventsPerSecond: 1 },
      ...fields,
    }),
  );
  return file;
}
