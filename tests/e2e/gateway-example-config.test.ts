// Issue 4 "done when": a gateway started from an example config (deploy/gateway/store-pos.yaml)
// reads from a scanner on a real pseudo-terminal and from an MQTT handheld, and delivers signed
// batches to a core. Only the machine-specific parts of the example are replaced: the serial
// paths (socat ptys), the broker port (a free one), the core address, key, token and outbox.
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { encodeEpc, exportKey, formatUnbracketed, generateGatewayKey, gs1CheckDigit, parseCode } from "@suyuan/proto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parse as parseYaml, stringify } from "yaml";
import { type RunningCore, startCore } from "../../core/src/server.ts";
import { BarcodeScanner, createPtyPair, MqttReader, PtySerialTransport } from "../../firmware-sim/src/devices/index.ts";
import { validateConfig } from "../../gateway/src/config/config.ts";
import { type RunningGateway, startGateway } from "../../gateway/src/main.ts";
import { freePort, REPO_ROOT } from "../shared.ts";

async function until(
  cond: () => boolean | Promise<boolean>,
  what: string,
  state: () => unknown = () => "",
  ms = 30_000,
): Promise<void> {
  const end = Date.now() + ms;
  while (!(await cond())) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}: ${JSON.stringify(state())}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

// GS1 example prefix 4012345, item 00001; the SGTIN-96 below (4012345.000001) is the same GTIN.
const GTIN = `0401234500001${gs1CheckDigit("0401234500001")}`;
const sgtin = (serial: string) => parseCode(`(01)${GTIN}(21)${serial}`).canonical;

let dir: string;
let core: RunningCore;
let gateway: RunningGateway;
const cleanups: Array<() => Promise<void>> = [];

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "suyuan-gw-example-"));
  core = await startCore({ checkpointIntervalMs: 100 });
  const example = parseYaml(await readFile(join(REPO_ROOT, "deploy", "gateway", "store-pos.yaml"), "utf8"));
  // Master data: the store's party owns the store and its read points.
  await core.master.importMasterData(
    JSON.stringify({
      parties: [{ id: example.party, name: "Store 0042 operator" }],
      locations: [{ id: "urn:epc:id:sgln:4012345.00042.0", name: "Store 0042", party: example.party }],
    }),
    "json",
  );
  const key = generateGatewayKey();
  await core.master.enrollGateway({
    gatewayId: example.gatewayId,
    party: parseCode(example.party).canonical,
    allowedReadPoints: [],
    keys: [{ keyId: key.keyId, algorithm: "ed25519", publicKey: exportKey(key.publicKey, "raw") }],
  });
  const { token } = await core.auth.issueToken({
    role: "gateway",
    party: parseCode(example.party).canonical,
    gatewayId: example.gatewayId,
    label: example.gatewayId,
  });
  await writeFile(join(dir, "gateway.token"), `${token}\n`, { mode: 0o600 });
  await writeFile(join(dir, "gateway.key"), exportKey(key.privateKey, "pem"), { mode: 0o600 });

  // Real pseudo-terminals for the two scanners; a free port for the embedded broker.
  const receiving = await createPtyPair({ dir, name: "receiving" });
  const pos = await createPtyPair({ dir, name: "pos" });
  const brokerPort = await freePort();
  const cfg = structuredClone(example);
  cfg.core = { address: core.grpcAddress, tokenFile: join(dir, "gateway.token") };
  cfg.keyFile = join(dir, "gateway.key");
  cfg.outbox = { ...cfg.outbox, path: join(dir, "outbox") };
  cfg.http = { listen: "127.0.0.1:0" };
  for (const d of cfg.devices) {
    if (d.id === "receiving-scanner") d.path = receiving.hostPath;
    if (d.id === "pos-lane-1") d.path = pos.hostPath;
    if (d.kind === "mqtt") d.broker.embedded.port = brokerPort;
  }
  await writeFile(join(dir, "gateway.yaml"), stringify(cfg));
  const config = validateConfig(cfg, { baseDir: dir });
  gateway = await startGateway(config, {});
  cleanups.push(() => gateway.stop());

  const scan = (pair: typeof receiving, suffix: "CR" | "CRLF") =>
    new BarcodeScanner({ id: "s", transport: new PtySerialTransport({ pair }), suffix, pace: "fast" });
  const receivingScanner = scan(receiving, "CRLF");
  const posScanner = scan(pos, "CR");
  const handheld = new MqttReader({
    id: "rfd40-handheld-01",
    url: `mqtt://127.0.0.1:${brokerPort}`,
    format: "zebra",
    roundMs: 0,
    heartbeatMs: 0,
  });
  for (const d of [receivingScanner, posScanner, handheld]) {
    await d.start();
    cleanups.push(() => d.stop());
  }
  await until(() => gateway.status().devices.every((d) => d.connected), "devices connected");

  // Receiving: three cases of GS1 DataMatrix data; POS: one of them sold; handheld: an RFID audit.
  const dm = (serial: string) =>
    `]d2${formatUnbracketed([
      { ai: "01", value: GTIN },
      { ai: "21", value: serial },
    ])}`;
  await receivingScanner.scanAll([dm("A1"), dm("A2"), dm("A3")]);
  // Goods are on the shelf before they are sold: wait for the receiving event to be logged.
  await until(() => core.ledger.size() >= 1, "the receiving event");
  await posScanner.scanAll([dm("A2")]);
  // SGTIN-96 of the same GTIN, serial 7 (TDS 2.1 §14.5.1), in the handheld's field.
  handheld.setTagsInField([encodeEpc("urn:epc:id:sgtin:4012345.000001.7", { filter: 1 })]);
  await handheld.triggerInventory();

  // Everything the gateway sealed reaches the core and is acknowledged.
  await until(
    async () => {
      const s = gateway.status();
      const steps = new Set(
        (await core.ledger.getEvents([...Array(core.ledger.size()).keys()])).map((e) => e.event.bizStep),
      );
      return steps.size === 3 && s.outbox.batches === 0;
    },
    "events acknowledged by the core",
    () => {
      const st = gateway.status();
      return {
        size: core.ledger.size(),
        outbox: st.outbox,
        uplink: st.uplink,
        pipeline: st.pipeline,
        devices: st.devices,
      };
    },
  );
  await core.ledger.signCheckpointNow();
}, 120_000);

afterAll(async () => {
  for (const c of cleanups.reverse()) await c().catch(() => {});
  await core?.stop();
  if (dir) await rm(dir, { recursive: true, force: true });
});

describe("a gateway from deploy/gateway/store-pos.yaml", () => {
  it("delivers receiving, POS and handheld events as signed batches", async () => {
    const events = await core.ledger.getEvents([...Array(core.ledger.size()).keys()]);
    expect(events.every((e) => e.provenance.kind === "gateway" && e.provenance.gatewayId === "store-0042-gw")).toBe(
      true,
    );
    const byStep = (step: string) => events.filter((e) => e.event.bizStep === step);
    const received = byStep("receiving").flatMap((e) => e.event.epcList ?? []);
    expect(received.sort()).toEqual([sgtin("A1"), sgtin("A2"), sgtin("A3")].sort());
    const sold = byStep("retail_selling");
    expect(sold.flatMap((e) => e.event.epcList ?? [])).toEqual([sgtin("A2")]);
    expect(sold[0]?.event.disposition).toBe("retail_sold");
    const audit = byStep("inspecting");
    expect(audit.flatMap((e) => e.event.epcList ?? [])).toEqual([sgtin("7")]);
  });

  it("answers the sold unit's chain with the gateway's signature on every step", async () => {
    const chain = await core.query.getChain(sgtin("A2"));
    expect(chain.steps.map((s) => s.bizStep)).toEqual(["receiving", "retail_selling"]);
    for (const s of chain.steps) expect(s.proof).toMatchObject({ kind: "gateway", gatewayId: "store-0042-gw" });
  });
});
