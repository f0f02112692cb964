// Test fixture: a real core (memory store) behind a real HTTP server on 127.0.0.1:0, with one
// token per role and a controllable clock.
import type { Role } from "../model.ts";
import { type RunningCore, startCore } from "../server.ts";
import { type RunningHttp, startHttp } from "./server.ts";

export interface HttpFixture {
  core: RunningCore;
  http: RunningHttp;
  url: string;
  tokens: Record<Exclude<Role, "public" | "gateway">, string>;
  /** The clock both core and HTTP read; set `clock.ms` to move it. */
  clock: { ms: number };
  /** fetch relative to the server, with an optional role's token. */
  call(path: string, init?: RequestInit & { as?: keyof HttpFixture["tokens"] }): Promise<Response>;
  close(): Promise<void>;
}

export const PARTY_A = "urn:epc:id:pgln:4012345.00001";

export async function httpFixture(opts: { captureWaitMs?: number; start?: string } = {}): Promise<HttpFixture> {
  const clock = { ms: Date.parse(opts.start ?? "2025-03-01T00:00:00.000Z") };
  const now = () => new Date(clock.ms);
  const core = await startCore({ now, checkpointIntervalMs: 60_000 });
  await core.master.putParty({ id: PARTY_A, name: "Party A" });
  const issue = async (role: Role, party?: string) =>
    (await core.auth.issueToken({ role, label: `test ${role}`, ...(party === undefined ? {} : { party }) })).token;
  const tokens = {
    admin: await issue("admin"),
    inspector: await issue("inspector"),
    recall_officer: await issue("recall_officer"),
    partner: await issue("partner", PARTY_A),
  };
  const http = await startHttp({
    core,
    now,
    ...(opts.captureWaitMs === undefined ? {} : { captureWaitMs: opts.captureWaitMs }),
  });
  return {
    core,
    http,
    url: http.url,
    tokens,
    clock,
    call(path, init = {}) {
      const { as, headers, ...rest } = init;
      const h = new Headers(headers);
      if (as !== undefined) h.set("authorization", `Bearer ${tokens[as]}`);
      return fetch(`${http.url}${path}`, { ...rest, headers: h });
    },
    async close() {
      await http.close();
      await core.stop();
    },
  };
}

/** Polls a capture job until it is no longer running. */
export async function waitForJob(f: HttpFixture, location: string, as: keyof HttpFixture["tokens"] = "admin") {
  for (let i = 0; i < 200; i++) {
    const r = await f.call(location, { as });
    const job = (await r.json()) as {
      running: boolean;
      success: boolean;
      errors: Array<{ code: string; field?: string }>;
    };
    if (!job.running) return job;
    await new Promise((res) => setTimeout(res, 10));
  }
  throw new Error(`capture job ${location} still running`);
}
