// The composition root end to end: a mock scanner → pipeline → batcher → outbox → uplink to a
// real grpc-js fake core, recall notices from the core → alert on the injected publisher,
// /healthz and /metrics over HTTP, then `suyuan gateway status` reading the outbox from disk.
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { createServer, type Server as NetServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Server, ServerCredentials } from "@grpc/grpc-js";
import { exportKey, generateGatewayKey, isSuyuanError } from "@suyuan/proto";
import {
  type AdminServiceServer,
  AdminServiceService,
  type EnrollGatewayRequest,
} from "@suyuan/proto/gen/suyuan/v1/admin.ts";
import { RecallClass } from "@suyuan/proto/gen/suyuan/v1/recall.ts";
import { afterEach, describe, expect, it } from "vitest";
import { gatewayCommand, gatewayEnroll, gatewayKeygen, gatewayStatus } from "./cli.ts";
import { loadConfig } from "./config/config.ts";
import { MockDeviceRegistry } from "./drivers/index.ts";
import { writeOfflineGatewayConfig } from "./drivers/testing/offline-config.ts";
import { startGateway } from "./main.ts";
import { Outbox } from "./outbox/outbox.ts";
import { type FakeCore, startFakeCore } from "./uplink/testing/fake-core.ts";
import { waitFor } from "./uplink/testing/wait.ts";

const GW = "store-0042-gw";
const GS = "\x1d";

describe("startGateway", () => {
  let dir: string | undefined;
  let core: FakeCore | undefined;
  afterEach(async () => {
    await core?.close();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it("delivers scanned events to the core, raises recall alerts, serves health and metrics", async () => {
    dir = await mkdtemp(join(tmpdir(), "suyuan-gw-"));
    const key = generateGatewayKey();
    await writeFile(join(dir, "gateway.key"), exportKey(key.privateKey, "pem"));
    await writeFile(join(dir, "gateway.token"), "s3cret\n");
    core = await startFakeCore({
      keys: new Map([[GW, key]]),
      recalls: [
        {
          recallId: "R-2024-7",
          recallClass: RecallClass.II,
          reason: "undeclared peanut",
          lots: ["urn:epc:class:lgtin:0614141.107346.LOT42"],
          holder: undefined,
          issuedAt: "2024-06-01T00:00:00Z",
        },
      ],
    });
    const configFile = join(dir, "gateway.json");
    await writeFile(
      configFile,
      JSON.stringify({
        gatewayId: GW,
        party: "urn:epc:id:pgln:4012345.00000",
        timezoneOffset: "+08:00",
        core: { address: core.address, tokenFile: "gateway.token" },
        keyFile: "gateway.key",
        batching: { maxEvents: 10, maxDelayMs: 50 },
        outbox: { path: "outbox", quotaBytes: "1GiB", peakEventsPerSecond: 5 },
        uplink: { backoff: { initialMs: 20, maxMs: 100 } },
        http: { listen: "127.0.0.1:0" },
        devices: [{ id: "rx-scanner", kind: "mock" }],
        readPoints: [
          {
            id: "receiving-bay",
            rule: "receiving",
            readPoint: "urn:epc:id:sgln:4012345.00042.1",
            devices: [{ deviceId: "rx-scanner" }],
          },
        ],
      }),
    );
    const config = await loadConfig(configFile);
    const registry = new MockDeviceRegistry();
    const scanner = registry.createDevice("rx-scanner", "barcode");
    const published: Array<[string, string]> = [];
    const gw = await startGateway(config, {
      driverDeps: { mockRegistry: registry },
      publish: (t, p) => void published.push([t, p]),
    });
    try {
      await waitFor(() => gw.status().activeRecalls === 1, "recall backlog");
      await waitFor(
        () => scanner.emitRead({ data: `]d20110614141073464${"10LOT43"}${GS}211001`, kind: "barcode" }),
        "driver open",
      );
      // A unit of the recalled lot (GS1 DataMatrix, FNC1 as GS).
      scanner.emitRead({ data: `]d20110614141073464${"10LOT42"}${GS}211002`, kind: "barcode" });
      await waitFor(() => core!.stored.length === 2, "two events stored by the core");
      expect(core.tokens[0]).toBe("Bearer s3cret");

      expect(published).toHaveLength(1);
      expect(published[0]![0]).toBe(`suyuan/${GW}/receiving-bay/alert`);
      expect(JSON.parse(published[0]![1])).toMatchObject({
        unit: "https://id.gs1.org/01/10614141073464/21/1002",
        recallId: "R-2024-7",
        reason: "undeclared peanut",
      });

      const st = gw.status();
      await waitFor(() => gw.status().outbox.batches === 0, "outbox drained");
      expect(st.health.reasons.filter((r) => !r.startsWith("core"))).toEqual([]);
      const base = `http://127.0.0.1:${st.http!.port}`;
      const health = await (await fetch(`${base}/healthz`)).json();
      expect(health).toMatchObject({
        status: "ok",
        core: { connected: true },
        devices: [{ id: "rx-scanner", connected: true }],
      });
      const metrics = await (await fetch(`${base}/metrics`)).text();
      expect(metrics).toMatch(/^suyuan_gateway_reads_total\{driver="mock"\} 2$/m);
      expect(metrics).toMatch(/^suyuan_gateway_events_total 2$/m);
      expect(metrics).toMatch(/^suyuan_gateway_alerts_total 1$/m);
      expect(metrics).toMatch(/^suyuan_gateway_batches_acked_total [1-9]\d*$/m);
      expect(metrics).toMatch(/^suyuan_gateway_outbox_batches 0$/m);

      // `gateway status` while running: from /healthz (the outbox DB is locked).
      const out: string[] = [];
      const io = { stdout: (t: string) => void out.push(t), stderr: (t: string) => void out.push(t) };
      expect(await gatewayStatus(["--config", configFile, "--url", base], io)).toBe(0);
      expect(out.join("")).toMatch(/running: +yes — ok/);
      expect(out.join("")).toMatch(/device: +rx-scanner \(mock\) connected, 2 reads/);
    } finally {
      await gw.stop();
    }
    // The core's copies are the events the gateway built and signed (hashes match).
    expect(new Set(core.stored.map((s) => s.hash)).size).toBe(2);
    expect(core.batches[0]!.firstSeq).toBe(0n);

    // After stop: status reads the outbox from disk.
    const out: string[] = [];
    const io = { stdout: (t: string) => void out.push(t), stderr: (t: string) => void out.push(t) };
    expect(await gatewayCommand(["status", "--config", configFile, "--url", "http://127.0.0.1:9"], io)).toBe(0);
    const text = out.join("");
    expect(text).toMatch(/outbox \(disk\): 0 batches \/ 0 events unacked/);
    expect(text).toMatch(/last ack: +\d{4}-\d\d-\d\dT/);
    expect(text).toMatch(/dead letters: +0/);
  });
});

describe("startGateway lifecycle: nothing left running after stop or a failed start", () => {
  let dir: string | undefined;
  let held: NetServer | undefined;
  afterEach(async () => {
    await new Promise((r) => (held ? held.close(r) : r(undefined)));
    held = undefined;
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  /**
   * Records the timers created while `body` runs and returns those still pending and holding the
   * process open (ref'd, neither fired nor cleared) when it is done: what keeps a process alive.
   */
  async function timersLeftBy(body: () => Promise<void>): Promise<string[]> {
    const live = new Map<unknown, string>();
    const realTimeout = globalThis.setTimeout;
    const realInterval = globalThis.setInterval;
    const realClear = globalThis.clearTimeout;
    const realClearInterval = globalThis.clearInterval;
    const record = (real: typeof setTimeout, kind: string) =>
      ((fn: (...a: unknown[]) => void, ms?: number, ...args: unknown[]) => {
        const h: NodeJS.Timeout = real(
          (...a: unknown[]) => {
            if (kind === "timeout") live.delete(h);
            fn(...a);
          },
          ms,
          ...args,
        );
        live.set(h, `${kind} ${ms ?? 0} ms`);
        return h;
      }) as typeof setTimeout;
    const clear = (h: unknown) => {
      live.delete(h);
      realClear(h as NodeJS.Timeout);
    };
    globalThis.setTimeout = record(realTimeout, "timeout");
    globalThis.setInterval = record(realInterval as typeof setTimeout, "interval") as unknown as typeof setInterval;
    globalThis.clearTimeout = clear as typeof clearTimeout;
    globalThis.clearInterval = clear as typeof clearInterval;
    try {
      await body();
    } finally {
      globalThis.setTimeout = realTimeout;
      globalThis.setInterval = realInterval;
      globalThis.clearTimeout = realClear;
      globalThis.clearInterval = realClearInterval;
    }
    return [...live].filter(([h]) => (h as NodeJS.Timeout).hasRef()).map(([, what]) => what);
  }

  async function minimalConfig(extra: Record<string, unknown> = {}) {
    dir = await mkdtemp(join(tmpdir(), "suyuan-gw-life-"));
    const file = await writeOfflineGatewayConfig(dir, {
      gatewayId: GW,
      devices: [{ id: "rx-scanner", kind: "mock" }],
      readPoints: [
        {
          id: "rx",
          rule: "receiving",
          readPoint: "urn:epc:id:sgln:4012345.00042.1",
          devices: [{ deviceId: "rx-scanner" }],
        },
      ],
      ...extra,
    });
    return loadConfig(file);
  }

  it("stop() resolves and leaves no timer behind (the flush deadline is cleared)", async () => {
    const config = await minimalConfig();
    let running = 0;
    const left = await timersLeftBy(async () => {
      const gw = await startGateway(config, { driverDeps: { mockRegistry: new MockDeviceRegistry() } });
      await new Promise((r) => setTimeout(r, 100));
      running = gw.status().devices.length;
      await gw.stop();
    });
    expect(running).toBe(1);
    expect(left).toEqual([]);
  });

  it("a start that fails (HTTP port in use) throws a coded error and closes what it had opened", async () => {
    const server = createServer();
    held = server;
    const port = await new Promise<number>((resolve) =>
      server.listen(0, "127.0.0.1", () => resolve((server.address() as { port: number }).port)),
    );
    const config = await minimalConfig({ http: { listen: `127.0.0.1:${port}` } });
    let err: unknown;
    const left = await timersLeftBy(async () => {
      err = await startGateway(config, { driverDeps: { mockRegistry: new MockDeviceRegistry() } }).then(
        () => undefined,
        (e: unknown) => e,
      );
    });
    expect(isSuyuanError(err) && err.code).toBe("GATEWAY_HTTP_LISTEN_FAILED");
    expect(isSuyuanError(err) && err.field).toBe("http.listen");
    expect(String((err as Error).message)).toContain(`127.0.0.1:${port}`);
    expect(String((err as Error).message)).toContain("EADDRINUSE");
    // No uplink retries, ticks or samplers left running…
    expect(left).toEqual([]);
    // …and the outbox is closed: another process (here: this one) can open it (LevelDB lock).
    const again = await Outbox.open(config.outbox.path, { quotaBytes: 1 << 20 });
    await again.close();
  });
});

describe("gateway CLI", () => {
  let dir: string | undefined;
  afterEach(async () => {
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it("keygen writes a private key once and prints the public key and key id", async () => {
    dir = await mkdtemp(join(tmpdir(), "suyuan-keygen-"));
    const out: string[] = [];
    const err: string[] = [];
    const io = { stdout: (t: string) => void out.push(t), stderr: (t: string) => void err.push(t) };
    const file = join(dir, "gw.key");
    expect(await gatewayKeygen(["--out", file], io)).toBe(0);
    const text = out.join("");
    const keyId = /key id: +([0-9a-f]{16})/.exec(text)?.[1];
    const pub = /public key: +([A-Za-z0-9+/=]{44})/.exec(text)?.[1];
    expect(keyId).toBeDefined();
    expect(pub).toBeDefined();
    const { loadGatewayKey } = await import("./main.ts");
    const key = await loadGatewayKey(file);
    expect(key.keyId).toBe(keyId);
    expect(Buffer.from(key.publicKeyRaw).toString("base64")).toBe(pub);
    // Never overwrites a key by accident.
    expect(await gatewayKeygen(["--out", file], io)).toBe(1);
    expect(err.join("")).toMatch(/exists/);
    expect(await gatewayCommand(["keygen"], io)).toBe(2);
    expect(await gatewayCommand(["frobnicate"], io)).toBe(2);
  });

  it("enroll sends the gateway id, party, read points and public key with the bearer token", async () => {
    dir = await mkdtemp(join(tmpdir(), "suyuan-enroll-"));
    const requests: Array<{ req: EnrollGatewayRequest; auth: unknown }> = [];
    const impl: Partial<AdminServiceServer> = {
      enrollGateway: (call, cb) => {
        requests.push({ req: call.request, auth: call.metadata.get("authorization")[0] });
        cb(null, {
          gateway: {
            id: call.request.gatewayId,
            partyId: call.request.partyId,
            allowedReadPoints: call.request.allowedReadPoints,
            keys: [],
          },
        });
      },
    };
    const server = new Server();
    server.addService(AdminServiceService, impl as AdminServiceServer);
    const port = await new Promise<number>((res, rej) =>
      server.bindAsync("127.0.0.1:0", ServerCredentials.createInsecure(), (e, p) => (e ? rej(e) : res(p))),
    );
    try {
      const io = { stdout: (t: string) => void out.push(t), stderr: (t: string) => void out.push(t) };
      const out: string[] = [];
      expect(await gatewayKeygen(["--out", join(dir, "gateway.key")], io)).toBe(0);
      const configFile = join(dir, "gw.yaml");
      await writeFile(
        configFile,
        [
          "gatewayId: pharmacy-0007-gw",
          "party: urn:epc:id:pgln:4012345.00007",
          "core: { address: 127.0.0.1:1 }",
          "keyFile: gateway.key",
          "outbox: { path: outbox, quotaBytes: 512MiB, peakEventsPerSecond: 2 }",
          "devices: [{ id: counter, kind: mock }]",
          "readPoints:",
          "  - { id: counter, rule: dispensing, readPoint: urn:epc:id:sgln:4012345.00007.2, devices: [{ deviceId: counter }] }",
          "",
        ].join("\n"),
      );
      const code = await gatewayEnroll(["--core", `127.0.0.1:${port}`, "--token", "adm1n", "--config", configFile], io);
      expect(out.join("")).toMatch(/enrolled pharmacy-0007-gw/);
      expect(code).toBe(0);
      const keyId = /key id: +([0-9a-f]{16})/.exec(out.join(""))?.[1];
      expect(requests).toHaveLength(1);
      expect(requests[0]!.auth).toBe("Bearer adm1n");
      expect(requests[0]!.req).toMatchObject({
        gatewayId: "pharmacy-0007-gw",
        partyId: "urn:epc:id:pgln:4012345.00007",
        allowedReadPoints: ["urn:epc:id:sgln:4012345.00007.2"],
        keyId,
        algorithm: "ed25519",
      });
      expect(requests[0]!.req.publicKey).toHaveLength(32);
    } finally {
      server.forceShutdown();
    }
  });
});
