// AdminService over a real grpc-js server on 127.0.0.1:0 with bearer tokens.
import {
  type CallOptions,
  credentials,
  Metadata,
  Server,
  ServerCredentials,
  type ServiceError,
  status,
} from "@grpc/grpc-js";
import { generateGatewayKey } from "@suyuan/proto";
import {
  AdminServiceClient,
  AdminServiceService,
  KeyStatus,
  ProductCategory,
  Role,
} from "@suyuan/proto/gen/suyuan/v1/admin.ts";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { AuthService } from "../auth/auth.ts";
import { suyuanCodeOf } from "../grpc/errors.ts";
import { MemoryStore } from "../store/memory/memory-store.ts";
import { adminServiceHandlers } from "./admin-service.ts";
import { MasterData } from "./master-data.ts";

const PARTY = "https://id.gs1.org/417/0614141000005";

// The generated client's last overload (request, metadata, options, callback) is the one
// TypeScript infers Req and Res from.
type Unary<Req, Res> = (
  req: Req,
  md: Metadata,
  opts: Partial<CallOptions>,
  cb: (e: ServiceError | null, r: Res) => void,
) => unknown;

/** Calls a unary method and resolves with the answer or the ServiceError. */
function call<Req, Res>(fn: Unary<Req, Res>, client: AdminServiceClient, req: Req, token?: string) {
  const md = new Metadata();
  if (token !== undefined) md.set("authorization", `Bearer ${token}`);
  return new Promise<{ res?: Res; err?: ServiceError }>((resolve) => {
    fn.call(client, req, md, {}, (err, res) => resolve(err ? { err } : { res }));
  });
}

describe("AdminService over gRPC", () => {
  const server = new Server();
  let client: AdminServiceClient;
  let md: MasterData;
  let auth: AuthService;
  let admin: string;

  beforeAll(async () => {
    const store = new MemoryStore();
    await store.open();
    md = new MasterData({ store });
    await md.open();
    auth = new AuthService({ store, master: md });
    await auth.open();
    admin = (await auth.ensureAdminToken())!.token;
    server.addService(AdminServiceService, adminServiceHandlers(md, auth));
    const port = await new Promise<number>((resolve, reject) =>
      server.bindAsync("127.0.0.1:0", ServerCredentials.createInsecure(), (e, p) => (e ? reject(e) : resolve(p))),
    );
    client = new AdminServiceClient(`127.0.0.1:${port}`, credentials.createInsecure());
  });

  afterAll(async () => {
    client.close();
    await new Promise<void>((resolve) => server.tryShutdown(() => resolve()));
  });

  it("an admin puts and gets master data; ids come back canonical", async () => {
    const put = await call(
      client.putParty,
      client,
      {
        party: {
          id: "urn:epc:id:pgln:0614141.00000",
          name: "Example Corp",
          address: { countryCode: "CN", province: "", city: "上海市", district: "", street: "", postalCode: "" },
          licences: [{ kind: "食品经营许可证", number: "JY131", issuer: "", validFrom: "", validTo: "" }],
        },
      },
      admin,
    );
    expect(put.err).toBeUndefined();
    expect(put.res?.party?.id).toBe(PARTY);
    const got = await call(client.getParty, client, { id: "(417)0614141000005" }, admin);
    expect(got.res?.party).toMatchObject({ id: PARTY, name: "Example Corp", licences: [{ number: "JY131" }] });

    await call(
      client.putLocation,
      client,
      {
        location: {
          id: "urn:epc:id:sgln:0614141.00777.0",
          name: "Plant",
          ownerPartyId: PARTY,
          address: undefined,
          coordinates: { latitude: 31.2, longitude: 121.5 },
        },
      },
      admin,
    );
    const locs = await call(client.listLocations, client, { ownerPartyId: PARTY, pageSize: 0, pageToken: "" }, admin);
    expect(locs.res?.locations.map((l) => [l.id, l.coordinates?.latitude])).toEqual([
      ["https://id.gs1.org/414/0614141007776", 31.2],
    ]);

    const prod = await call(
      client.putProduct,
      client,
      {
        product: {
          gtin: "10614141073464",
          name: "Insulin",
          category: ProductCategory.DRUG,
          approvalNumber: "国药准字S0000",
          dosageForm: "injection",
          storageTemperature: { minCelsius: 2, maxCelsius: 8 },
          attributes: { strength: "100 IU/mL" },
          ownerPartyId: "",
        },
      },
      admin,
    );
    expect(prod.res?.product).toMatchObject({
      gtin: "10614141073464",
      category: ProductCategory.DRUG,
      storageTemperature: { minCelsius: 2, maxCelsius: 8 },
    });
    const missing = await call(client.getProduct, client, { gtin: "00614141000005" }, admin);
    expect(missing.err?.code).toBe(status.NOT_FOUND);
  });

  it("validation errors are INVALID_ARGUMENT with the domain code and field", async () => {
    const r = await call(
      client.putLocation,
      client,
      {
        location: {
          id: "urn:epc:id:sgln:0614141.00777.1",
          name: "X",
          ownerPartyId: "urn:epc:id:pgln:0614141.11111",
          address: undefined,
          coordinates: undefined,
        },
      },
      admin,
    );
    expect(r.err?.code).toBe(status.INVALID_ARGUMENT);
    expect(suyuanCodeOf(r.err)).toBe("MASTER_BAD_INPUT");
    expect(r.err?.details).toContain("location.party: unknown party");
  });

  it("enrols, rotates and revokes gateway keys", async () => {
    const k1 = generateGatewayKey();
    const k2 = generateGatewayKey();
    const enrolled = await call(
      client.enrollGateway,
      client,
      {
        gatewayId: "gw-1",
        partyId: PARTY,
        allowedReadPoints: ["urn:epc:id:sgln:0614141.00777.0"],
        keyId: "",
        publicKey: Buffer.from(k1.publicKeyRaw),
        algorithm: "Ed25519",
      },
      admin,
    );
    expect(enrolled.err).toBeUndefined();
    expect(enrolled.res?.gateway?.keys.map((k) => [k.keyId, k.status])).toEqual([[k1.keyId, KeyStatus.ACTIVE]]);
    const rotated = await call(
      client.rotateGatewayKey,
      client,
      { gatewayId: "gw-1", keyId: "", publicKey: Buffer.from(k2.publicKeyRaw), algorithm: "" },
      admin,
    );
    expect(rotated.res?.gateway?.keys.map((k) => k.status)).toEqual([KeyStatus.RETIRED, KeyStatus.ACTIVE]);
    const revoked = await call(
      client.revokeGatewayKey,
      client,
      { gatewayId: "gw-1", keyId: k1.keyId, reason: "stolen", revokedAt: "" },
      admin,
    );
    expect(revoked.res?.gateway?.keys[0]).toMatchObject({ status: KeyStatus.REVOKED, revocationReason: "stolen" });
    expect(md.keyStatus("gw-1", k1.keyId)?.status).toBe("revoked");
  });

  it("issues tokens (secret shown once) that work, and revokes them", async () => {
    const issued = await call(
      client.issueToken,
      client,
      { subject: "ERP of Example Corp", roles: [Role.PARTNER], partyIds: [PARTY], expiresAt: "" },
      admin,
    );
    expect(issued.err).toBeUndefined();
    const secret = issued.res!.secret;
    expect(auth.authenticate(secret)).toMatchObject({ role: "partner", party: PARTY });
    const list = await call(client.listTokens, client, { pageSize: 0, pageToken: "" }, admin);
    expect(JSON.stringify(list.res)).not.toContain(secret.split(".")[1]);
    const id = issued.res!.token!.tokenId;
    const revoked = await call(client.revokeToken, client, { tokenId: id }, admin);
    expect(revoked.res?.token?.revoked).toBe(true);
    const after = await call(client.listParties, client, { pageSize: 0, pageToken: "" }, secret);
    expect(after.err?.code).toBe(status.UNAUTHENTICATED);
    expect(suyuanCodeOf(after.err)).toBe("AUTH_BAD_TOKEN");
  });

  it("refuses non-admins: no token UNAUTHENTICATED, another role PERMISSION_DENIED naming the role", async () => {
    const { token: partner } = await auth.issueToken({ role: "partner", party: PARTY, label: "p" });
    const anon = await call(client.listParties, client, { pageSize: 0, pageToken: "" });
    expect(anon.err?.code).toBe(status.UNAUTHENTICATED);
    expect(suyuanCodeOf(anon.err)).toBe("AUTH_MISSING_TOKEN");
    const denied = await call(
      client.putParty,
      client,
      { party: { id: PARTY, name: "Hijack", address: undefined, licences: [] } },
      partner,
    );
    expect(denied.err?.code).toBe(status.PERMISSION_DENIED);
    expect(denied.err?.details).toBe(
      "AUTH_FORBIDDEN: AdminService.PutParty needs role admin; the caller's token has role partner",
    );
    expect(md.party(PARTY)?.name).toBe("Example Corp");
    const enrol = await call(
      client.enrollGateway,
      client,
      {
        gatewayId: "gw-x",
        partyId: PARTY,
        allowedReadPoints: [],
        keyId: "",
        publicKey: Buffer.from(generateGatewayKey().publicKeyRaw),
        algorithm: "",
      },
      partner,
    );
    expect(enrol.err?.code).toBe(status.PERMISSION_DENIED);
  });

  it("a gateway reads its own enrolment but no other", async () => {
    await md.enrollGateway({
      gatewayId: "gw-2",
      party: PARTY,
      keys: [{ publicKey: Buffer.from(generateGatewayKey().publicKeyRaw).toString("base64") }],
    });
    const { token } = await auth.issueToken({ role: "gateway", gatewayId: "gw-2", label: "gw-2" });
    const own = await call(client.getGateway, client, { gatewayId: "gw-2" }, token);
    expect(own.res?.gateway?.id).toBe("gw-2");
    const other = await call(client.getGateway, client, { gatewayId: "gw-1" }, token);
    expect(other.err?.code).toBe(status.PERMISSION_DENIED);
  });

  it("pages lists with an opaque token", async () => {
    for (const n of ["11111", "22222", "33333"]) {
      await md.putParty({ id: `urn:epc:id:pgln:0614141.${n}`, name: n });
    }
    const p1 = await call(client.listParties, client, { pageSize: 2, pageToken: "" }, admin);
    expect(p1.res?.parties).toHaveLength(2);
    expect(p1.res?.nextPageToken).not.toBe("");
    const p2 = await call(client.listParties, client, { pageSize: 2, pageToken: p1.res!.nextPageToken }, admin);
    expect(p2.res?.parties).toHaveLength(2);
    const all = [...p1.res!.parties, ...p2.res!.parties].map((p) => p.id);
    expect(new Set(all).size).toBe(4);
    expect(p2.res?.nextPageToken).toBe("");
  });

  it("records every call in the access log", async () => {
    const records = await auth.listAccess();
    const actions = new Set(records.map((r) => r.action));
    expect(actions).toContain("AdminService.PutParty");
    expect(actions).toContain("AdminService.GetGateway");
    expect(records.find((r) => r.action === "AdminService.GetParty")?.target).toBe("(417)0614141000005");
    expect(records.find((r) => r.action === "AdminService.PutParty (refused)")).toMatchObject({
      role: "partner",
      party: PARTY,
      target: PARTY,
    });
  });
});
