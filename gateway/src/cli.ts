// `suyuan gateway …` command handlers (issue 4 §5). The lead registers them in the suyuan
// CLI; each takes its arguments and standard streams and returns the exit code
// (0 ok, 1 failure, 2 usage error).
import { writeFile } from "node:fs/promises";
import { Metadata } from "@grpc/grpc-js";
import { exportKey, generateGatewayKey, isSuyuanError } from "@suyuan/proto";
import { AdminServiceClient, type EnrollGatewayResponse } from "@suyuan/proto/gen/suyuan/v1/admin.ts";
import { loadConfig } from "./config/config.ts";
import { channelFor, loadGatewayKey, type RunningGateway, startGateway } from "./main.ts";
import type { HealthReport } from "./ops/health.ts";
import { Outbox } from "./outbox/outbox.ts";

export interface GatewayCliIo {
  stdout: (text: string) => void;
  stderr: (text: string) => void;
  /**
   * `gateway start` stops when this resolves. Default: on SIGINT or SIGTERM of the process (a
   * worker thread gets no signals: gateway/launch.mjs hands them over as messages).
   */
  stopRequested?: Promise<unknown>;
}

export type GatewayCommandHandler = (args: string[], io: GatewayCliIo) => Promise<number>;

export const GATEWAY_USAGE = `usage:
  suyuan gateway start  --config FILE
  suyuan gateway keygen --out FILE [--force]
  suyuan gateway enroll --core ADDR --token TOKEN --config FILE
  suyuan gateway status --config FILE [--url http://HOST:PORT]`;

class Usage extends Error {}

function flags(args: string[], spec: Record<string, "string" | "boolean">): Record<string, string | boolean> {
  const out: Record<string, string | boolean> = {};
  for (let i = 0; i < args.length; i++) {
    const a = args[i]!;
    if (!a.startsWith("--")) throw new Usage(`unexpected argument ${JSON.stringify(a)}`);
    const eq = a.indexOf("=");
    const name = eq === -1 ? a.slice(2) : a.slice(2, eq);
    const kind = spec[name];
    if (kind === undefined) throw new Usage(`unknown option --${name}`);
    if (kind === "boolean") {
      out[name] = true;
      continue;
    }
    const v = eq === -1 ? args[++i] : a.slice(eq + 1);
    if (v === undefined || v === "") throw new Usage(`--${name} needs a value`);
    out[name] = v;
  }
  return out;
}

function need(f: Record<string, string | boolean>, name: string): string {
  const v = f[name];
  if (typeof v !== "string") throw new Usage(`--${name} is required`);
  return v;
}

/** Runs a handler body with the common error handling: usage → 2, SuyuanError → 1. */
async function guarded(io: GatewayCliIo, name: string, body: () => Promise<number>): Promise<number> {
  try {
    return await body();
  } catch (e) {
    if (e instanceof Usage) {
      io.stderr(`suyuan gateway ${name}: ${e.message}\n${GATEWAY_USAGE}\n`);
      return 2;
    }
    if (isSuyuanError(e)) {
      io.stderr(`suyuan gateway ${name}: ${e.message}\n`);
      return 1;
    }
    const err = e as NodeJS.ErrnoException & { details?: string };
    io.stderr(`suyuan gateway ${name}: ${err.details ?? err.message ?? String(e)}\n`);
    return 1;
  }
}

/** `gateway keygen --out FILE`: a new Ed25519 key (PKCS#8 PEM, mode 0600); prints its public half. */
export const gatewayKeygen: GatewayCommandHandler = (args, io) =>
  guarded(io, "keygen", async () => {
    const f = flags(args, { out: "string", force: "boolean" });
    const out = need(f, "out");
    const key = generateGatewayKey("ed25519");
    try {
      await writeFile(out, exportKey(key.privateKey, "pem"), { mode: 0o600, flag: f.force ? "w" : "wx" });
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === "EEXIST") {
        io.stderr(`suyuan gateway keygen: ${out} exists; refusing to overwrite a key (use --force)\n`);
        return 1;
      }
      throw e;
    }
    io.stdout(
      `wrote ${out}\nalgorithm:  ${key.algorithm}\nkey id:     ${key.keyId}\npublic key: ${exportKey(key.publicKey, "raw")}\n`,
    );
    return 0;
  });

/** `gateway enroll`: AdminService.EnrollGateway with the config's id, party and read points. */
export const gatewayEnroll: GatewayCommandHandler = (args, io) =>
  guarded(io, "enroll", async () => {
    const f = flags(args, { core: "string", token: "string", config: "string" });
    const core = need(f, "core");
    const token = need(f, "token");
    const config = await loadConfig(need(f, "config"));
    const key = await loadGatewayKey(config.keyFile);
    const channel = await channelFor(config);
    const client = new AdminServiceClient(core, channel.credentials, channel.options);
    const md = new Metadata();
    md.set("authorization", `Bearer ${token}`);
    try {
      const res = await new Promise<EnrollGatewayResponse>((resolve, reject) =>
        client.enrollGateway(
          {
            gatewayId: config.gatewayId,
            partyId: config.party,
            allowedReadPoints: config.readPointLocations,
            keyId: key.keyId,
            publicKey: Buffer.from(key.publicKeyRaw),
            algorithm: key.algorithm,
          },
          md,
          { deadline: Date.now() + 15_000 },
          (e, r) => (e ? reject(e) : resolve(r)),
        ),
      );
      const gw = res.gateway;
      io.stdout(
        `enrolled ${gw?.id ?? config.gatewayId} for party ${gw?.partyId ?? config.party}\n` +
          `key id:      ${key.keyId}\nread points: ${(gw?.allowedReadPoints ?? config.readPointLocations).join(", ")}\n`,
      );
      return 0;
    } finally {
      client.close();
    }
  });

/** `gateway start --config FILE`: runs until SIGINT/SIGTERM; logs JSON lines on stderr. */
export const gatewayStart: GatewayCommandHandler = (args, io) =>
  guarded(io, "start", async () => {
    const f = flags(args, { config: "string" });
    const config = await loadConfig(need(f, "config"));
    const log = (msg: string, fields?: object) =>
      io.stderr(`${JSON.stringify({ t: new Date().toISOString(), msg, ...(fields ?? {}) }, bigintJson)}\n`);
    const gw: RunningGateway = await startGateway(config, { log });
    await (io.stopRequested ??
      new Promise<void>((resolve) => {
        const done = () => {
          process.off("SIGINT", done);
          process.off("SIGTERM", done);
          resolve();
        };
        process.on("SIGINT", done);
        process.on("SIGTERM", done);
      }));
    await gw.stop();
    return 0;
  });

function bigintJson(_k: string, v: unknown): unknown {
  return typeof v === "bigint" ? v.toString(10) : v;
}

/** classic-level: LEVEL_DATABASE_NOT_OPEN caused by LEVEL_LOCKED (another process holds it). */
function isLocked(e: unknown): boolean {
  for (let c: unknown = e; c instanceof Error; c = c.cause) {
    if ((c as NodeJS.ErrnoException).code === "LEVEL_LOCKED") return true;
  }
  return false;
}

function age(seconds: number): string {
  if (seconds < 120) return `${Math.round(seconds)} s`;
  if (seconds < 7200) return `${Math.round(seconds / 60)} min`;
  return `${(seconds / 3600).toFixed(1)} h`;
}

/**
 * `gateway status --config FILE`: the running gateway's /healthz (devices, reads/s, outbox,
 * last ack), and — when the gateway is not running (LevelDB allows one process) — the outbox
 * read directly: depth, oldest unacked batch, dead letters, last ack.
 */
export const gatewayStatus: GatewayCommandHandler = (args, io) =>
  guarded(io, "status", async () => {
    const f = flags(args, { config: "string", url: "string" });
    const config = await loadConfig(need(f, "config"));
    let url = typeof f.url === "string" ? f.url : undefined;
    if (url === undefined && config.http) {
      const host = config.http.host === "0.0.0.0" || config.http.host === "::" ? "127.0.0.1" : config.http.host;
      url = `http://${host.includes(":") ? `[${host}]` : host}:${config.http.port}`;
    }
    const lines: string[] = [`gateway ${config.gatewayId}`];
    let health: HealthReport | undefined;
    if (url !== undefined) {
      try {
        const r = await fetch(`${url.replace(/\/$/, "")}/healthz`, { signal: AbortSignal.timeout(3000) });
        health = (await r.json()) as HealthReport;
      } catch (e) {
        lines.push(`running:       no answer from ${url}/healthz (${(e as Error).message})`);
      }
    }
    if (health) {
      lines.push(
        `running:       yes — ${health.status}${health.reasons.length ? `: ${health.reasons.join("; ")}` : ""}`,
      );
      lines.push(`core:          ${health.core.connected ? "connected" : "not connected"}`);
      lines.push(`reads/s:       ${(health.readsPerSecond ?? 0).toFixed(1)}`);
      for (const d of health.devices) {
        lines.push(
          `device:        ${d.id} (${d.kind}) ${d.connected ? "connected" : "NOT connected"}, ${d.reads} reads, ${d.errors} errors`,
        );
      }
      lines.push(
        `outbox:        ${health.outbox.batches} batches, ${health.outbox.bytes} bytes of ${health.outbox.quotaBytes}`,
      );
      lines.push(`oldest unacked: ${health.outbox.batches ? age(health.outbox.oldestUnackedSeconds) : "-"}`);
      lines.push(`dead letters:  ${health.outbox.deadLetters}`);
      lines.push(`last ack:      ${health.core.lastAckAt ?? "-"}`);
    }
    // The outbox itself, when no running gateway holds its lock.
    let outbox: Outbox | undefined;
    try {
      outbox = await Outbox.open(config.outbox.path, { quotaBytes: config.outbox.quotaBytes });
    } catch (e) {
      const locked = isLocked(e);
      if (!health) lines.push(`outbox:        ${locked ? "locked by a running gateway" : (e as Error).message}`);
    }
    if (outbox) {
      try {
        const s = outbox.stats();
        lines.push(
          `outbox (disk): ${s.batches} batches / ${s.events} events unacked, ${s.bytes} bytes of ${s.quotaBytes}`,
        );
        lines.push(`oldest unacked batch: ${s.oldestCreatedAt ?? "-"}`);
        lines.push(`last ack:      ${s.lastAck ? `${s.lastAck.at} (batch ${s.lastAck.firstSeq})` : "-"}`);
        lines.push(`dead letters:  ${s.deadLetters}`);
        for (const d of await outbox.deadLetters(20)) {
          lines.push(`  seq ${d.seq}: ${d.code} ${d.field ? `[${d.field}] ` : ""}${d.message}`);
        }
      } finally {
        await outbox.close();
      }
    }
    io.stdout(`${lines.join("\n")}\n`);
    return 0;
  });

/** `suyuan gateway <subcommand> …`. */
export const gatewayCommand: GatewayCommandHandler = async (args, io) => {
  const [sub, ...rest] = args;
  const handlers: Record<string, GatewayCommandHandler> = {
    start: gatewayStart,
    keygen: gatewayKeygen,
    enroll: gatewayEnroll,
    status: gatewayStatus,
  };
  const h = sub === undefined ? undefined : handlers[sub];
  if (h === undefined) {
    io.stderr(
      `${sub === undefined ? "" : `suyuan gateway: unknown subcommand ${JSON.stringify(sub)}\n`}${GATEWAY_USAGE}\n`,
    );
    return 2;
  }
  return h(rest, io);
};
