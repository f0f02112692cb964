import { createHash } from "node:crypto";
import { Metadata } from "@grpc/grpc-js";
import { generateGatewayKey, isSuyuanError } from "@suyuan/proto";
import { describe, expect, it } from "vitest";
import { MasterData } from "../master/master-data.ts";
import { MemoryStore } from "../store/memory/memory-store.ts";
import { AuthService } from "./auth.ts";
import { PUBLIC_PRINCIPAL, requireRole } from "./roles.ts";

const PARTY = "https://id.gs1.org/417/0614141000005";

async function setup(now = () => new Date("2024-05-01T00:00:00Z")) {
  const store = new MemoryStore();
  await store.open();
  const md = new MasterData({ store, now });
  await md.open();
  await md.putParty({ id: PARTY, name: "A" });
  const auth = new AuthService({ store, master: md, now });
  await auth.open();
  return { store, md, auth };
}

function codeOf(fn: () => unknown): string {
  try {
    fn();
  } catch (e) {
    if (isSuyuanError(e)) return e.code;
    throw e;
  }
  return "none";
}

async function codeOfAsync(p: Promise<unknown>): Promise<string> {
  try {
    await p;
  } catch (e) {
    if (isSuyuanError(e)) return e.code;
    throw e;
  }
  return "none";
}

describe("tokens", () => {
  it("issues sy_<id>.<secret> tokens that authenticate to their principal", async () => {
    const { auth } = await setup();
    const { id, token } = await auth.issueToken({
      role: "partner",
      party: "urn:epc:id:pgln:0614141.00000",
      label: "ERP",
    });
    // 16 hex id; 32 random bytes = 43 base64url characters (RFC 4648 §5, no padding).
    expect(token).toMatch(/^sy_[0-9a-f]{16}\.[A-Za-z0-9_-]{43}$/);
    expect(token.startsWith(`sy_${id}.`)).toBe(true);
    expect(auth.authenticate(token)).toEqual({ id, role: "partner", party: PARTY });
  });

  it("stores only the SHA-256 of the secret", async () => {
    const { store, auth } = await setup();
    const { token } = await auth.issueToken({ role: "inspector", label: "SAMR inspector" });
    const secret = token.split(".")[1]!;
    const stored = (await store.getMeta("md:tokens")) as string;
    expect(stored).not.toContain(secret);
    expect(stored).toContain(createHash("sha256").update(secret).digest("hex"));
  });

  it("refuses malformed, unknown, wrong-secret, revoked and expired tokens", async () => {
    let t = Date.parse("2024-05-01T00:00:00Z");
    const { auth } = await setup(() => new Date(t));
    const { id, token } = await auth.issueToken({ role: "inspector", label: "x", expiresAt: "2024-05-02T00:00:00Z" });
    const wrong = `${token.slice(0, -1)}${token.endsWith("A") ? "B" : "A"}`;
    expect(codeOf(() => auth.authenticate("Bearer nonsense"))).toBe("AUTH_BAD_TOKEN");
    expect(codeOf(() => auth.authenticate(wrong))).toBe("AUTH_BAD_TOKEN");
    expect(codeOf(() => auth.authenticate(`sy_0000000000000000.${token.split(".")[1]}`))).toBe("AUTH_BAD_TOKEN");
    expect(auth.authenticate(token).role).toBe("inspector");
    t = Date.parse("2024-05-02T00:00:00Z");
    expect(codeOf(() => auth.authenticate(token))).toBe("AUTH_BAD_TOKEN");
    t = Date.parse("2024-05-01T12:00:00Z");
    await auth.revokeToken(id);
    expect(() => auth.authenticate(token)).toThrow(/revoked/);
    expect(auth.getToken(id)?.revokedAt).toBe("2024-05-01T12:00:00.000Z");
    expect(await codeOfAsync(auth.revokeToken("ffffffffffffffff"))).toBe("AUTH_TOKEN_NOT_FOUND");
  });

  it("binds gateway tokens to an enrolled gateway and its party; partner tokens need a party", async () => {
    const { md, auth } = await setup();
    expect(await codeOfAsync(auth.issueToken({ role: "gateway", gatewayId: "gw-1", label: "gw" }))).toBe(
      "AUTH_BAD_REQUEST",
    );
    await md.enrollGateway({
      gatewayId: "gw-1",
      party: PARTY,
      keys: [{ publicKey: Buffer.from(generateGatewayKey().publicKeyRaw).toString("base64") }],
    });
    const { token } = await auth.issueToken({ role: "gateway", gatewayId: "gw-1", label: "gw" });
    expect(auth.authenticate(token)).toMatchObject({ role: "gateway", gatewayId: "gw-1", party: PARTY });
    expect(await codeOfAsync(auth.issueToken({ role: "partner", label: "p" }))).toBe("AUTH_BAD_REQUEST");
    expect(
      await codeOfAsync(auth.issueToken({ role: "partner", party: "urn:epc:id:pgln:0614141.99999", label: "p" })),
    ).toBe("AUTH_BAD_REQUEST");
    expect(await codeOfAsync(auth.issueToken({ role: "public", label: "p" }))).toBe("AUTH_BAD_REQUEST");
  });

  it("survives a new AuthService over the same store", async () => {
    const { store, md, auth } = await setup();
    const { token } = await auth.issueToken({ role: "recall_officer", label: "officer" });
    const again = new AuthService({ store, master: md });
    await again.open();
    expect(again.authenticate(token).role).toBe("recall_officer");
  });

  it("creates the bootstrap admin token only when no usable admin token exists", async () => {
    const { auth } = await setup();
    const first = await auth.ensureAdminToken();
    expect(first).toBeDefined();
    expect(auth.authenticate(first!.token).role).toBe("admin");
    expect(await auth.ensureAdminToken()).toBeUndefined();
    await auth.revokeToken(first!.id);
    const second = await auth.ensureAdminToken();
    expect(second?.id).not.toBe(first!.id);
  });
});

describe("principals from gRPC metadata and role checks", () => {
  it("reads Authorization: Bearer (RFC 6750 §2.1); no header is the public principal", async () => {
    const { auth } = await setup();
    const { token } = await auth.issueToken({ role: "inspector", label: "x" });
    const md = new Metadata();
    expect(auth.principalFromMetadata(md)).toEqual(PUBLIC_PRINCIPAL);
    md.set("authorization", `Bearer ${token}`);
    expect(auth.principalFromMetadata(md).role).toBe("inspector");
    const basic = new Metadata();
    basic.set("authorization", "Basic dXNlcjpwYXNz");
    expect(codeOf(() => auth.principalFromMetadata(basic))).toBe("AUTH_BAD_TOKEN");
  });

  it("requireRole names the role needed", () => {
    expect(() => requireRole({ id: "t", role: "partner", party: PARTY }, ["admin"], "AdminService.PutParty")).toThrow(
      "AUTH_FORBIDDEN: AdminService.PutParty needs role admin; the caller's token has role partner",
    );
    expect(() => requireRole(PUBLIC_PRINCIPAL, ["recall_officer", "admin"], "IssueRecall")).toThrow(
      "AUTH_MISSING_TOKEN: IssueRecall needs a bearer token with role recall_officer or admin",
    );
    expect(() => requireRole({ id: "t", role: "admin" }, ["admin"])).not.toThrow();
  });
});

describe("access records", () => {
  it("records who, what and when, and lists them by time range", async () => {
    let t = Date.parse("2024-05-01T10:00:00Z");
    const { auth } = await setup(() => new Date(t));
    const who = { id: "abc", role: "inspector" as const };
    await auth.recordAccess({
      principal: who,
      action: "QueryService.GetChain",
      target: "urn:epc:id:sgtin:0614141.107346.1",
    });
    t += 1000;
    // Several at once share one store write; all are recorded in order.
    void auth.recordAccess({ principal: PUBLIC_PRINCIPAL, action: "QueryService.GetChain", target: "a" });
    void auth.recordAccess({ principal: PUBLIC_PRINCIPAL, action: "QueryService.GetChain", target: "b" });
    t += 1000;
    await auth.recordAccess({ principal: who, action: "QueryService.Recall" });
    const all = await auth.listAccess();
    expect(all.map((r) => [r.at, r.principal, r.action, r.target])).toEqual([
      ["2024-05-01T10:00:00.000Z", "abc", "QueryService.GetChain", "urn:epc:id:sgtin:0614141.107346.1"],
      ["2024-05-01T10:00:01.000Z", "public", "QueryService.GetChain", "a"],
      ["2024-05-01T10:00:01.000Z", "public", "QueryService.GetChain", "b"],
      ["2024-05-01T10:00:02.000Z", "abc", "QueryService.Recall", undefined],
    ]);
    const window = await auth.listAccess({ from: "2024-05-01T10:00:01Z", to: "2024-05-01T10:00:02Z" });
    expect(window.map((r) => r.target)).toEqual(["a", "b"]);
    const last = await auth.listAccess({ limit: 1, newestFirst: true });
    expect(last[0]?.action).toBe("QueryService.Recall");
  });

  it("a failed audit write is logged, not thrown", async () => {
    const { store, auth } = await setup();
    const logged: string[] = [];
    const a2 = new AuthService({ store, log: (m) => logged.push(m) });
    await a2.open();
    await store.close();
    await expect(a2.recordAccess({ principal: PUBLIC_PRINCIPAL, action: "x" })).resolves.toBeUndefined();
    expect(logged).toContain("audit write failed");
    expect(auth).toBeDefined();
  });
});
