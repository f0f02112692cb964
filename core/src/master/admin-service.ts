// gRPC AdminService (proto/suyuan/v1/admin.proto): master data, gateway enrolment and keys,
// tokens. Every RPC needs role admin, except that a gateway may read its own enrolment.

import { SuyuanError } from "@suyuan/proto";
import {
  type AdminServiceServer,
  KeyStatus,
  type Address as PbAddress,
  ProductCategory as PbCategory,
  type Gateway as PbGateway,
  type GatewayKey as PbGatewayKey,
  type Licence as PbLicence,
  type LocationRecord as PbLocation,
  type Party as PbParty,
  type Product as PbProduct,
  Role as PbRole,
  type Token as PbToken,
} from "@suyuan/proto/gen/suyuan/v1/admin.ts";
import type { AuthService, TokenInfo } from "../auth/auth.ts";
import { type CallLog, unaryCall } from "../auth/grpc-call.ts";
import { requireRole } from "../auth/roles.ts";
import type { GatewayEnrolment, Role } from "../model.ts";
import type { BackupInfo } from "../store/level/backup.ts";
import { gtinOf } from "./ids.ts";
import type { MasterData } from "./master-data.ts";
import type { Address, Licence, LocationRecord, PartyRecord, ProductRecord } from "./records.ts";

export interface AdminServiceOptions {
  log?: CallLog;
  /**
   * Writes a hot backup of the core's data folder as `target` in its backup folder (server.ts);
   * absent: Backup is refused.
   */
  backup?: (target: string) => Promise<BackupInfo>;
}

const ADMIN: readonly Role[] = ["admin"];
const DEFAULT_PAGE = 100;
const MAX_PAGE = 1000;

const ROLE_TO_PB: Record<Role, PbRole> = {
  admin: PbRole.ADMIN,
  gateway: PbRole.GATEWAY,
  partner: PbRole.PARTNER,
  inspector: PbRole.INSPECTOR,
  recall_officer: PbRole.RECALL_OFFICER,
  public: PbRole.PUBLIC,
};

function roleFromPb(r: PbRole, field: string): Role {
  const found = (Object.entries(ROLE_TO_PB) as Array<[Role, PbRole]>).find(([, v]) => v === r);
  if (found === undefined) throw new SuyuanError("AUTH_BAD_REQUEST", `${field}: unknown role ${r}`, { field });
  return found[0];
}

// proto3 strings are "" when unset; the domain wants them absent.
const opt = (s: string | undefined): string | undefined => (s === undefined || s === "" ? undefined : s);

function required(s: string | undefined, field: string): string {
  if (s === undefined || s === "") {
    throw new SuyuanError("MASTER_BAD_INPUT", `${field}: is required`, { field });
  }
  return s;
}

function addressFromPb(a: PbAddress | undefined): Address | undefined {
  if (a === undefined) return undefined;
  const out: Address = {};
  for (const k of ["countryCode", "province", "city", "district", "street", "postalCode"] as const) {
    const v = opt(a[k]);
    if (v !== undefined) out[k] = v;
  }
  return Object.keys(out).length === 0 ? undefined : out;
}

function addressToPb(a: Address | undefined): PbAddress | undefined {
  if (a === undefined) return undefined;
  return {
    countryCode: a.countryCode ?? "",
    province: a.province ?? "",
    city: a.city ?? "",
    district: a.district ?? "",
    street: a.street ?? "",
    postalCode: a.postalCode ?? "",
  };
}

function licenceFromPb(l: PbLicence): Record<string, string> {
  const out: Record<string, string> = { kind: l.kind, number: l.number };
  for (const k of ["issuer", "validFrom", "validTo"] as const) {
    const v = opt(l[k]);
    if (v !== undefined) out[k] = v;
  }
  return out;
}

function licenceToPb(l: Licence): PbLicence {
  return {
    kind: l.kind,
    number: l.number,
    issuer: l.issuer ?? "",
    validFrom: l.validFrom ?? "",
    validTo: l.validTo ?? "",
  };
}

export function partyToPb(p: PartyRecord): PbParty {
  return { id: p.id, name: p.name, address: addressToPb(p.address), licences: p.licences.map(licenceToPb) };
}

export function locationToPb(l: LocationRecord): PbLocation {
  return {
    id: l.id,
    name: l.name,
    address: addressToPb(l.address),
    coordinates: l.coordinates,
    ownerPartyId: l.party ?? "",
  };
}

export function productToPb(p: ProductRecord): PbProduct {
  return {
    gtin: gtinOf(p.id) ?? p.id,
    name: p.name,
    category: p.category === "drug" ? PbCategory.DRUG : PbCategory.FOOD,
    approvalNumber: p.approvalNumber ?? "",
    dosageForm: p.dosageForm ?? "",
    storageTemperature:
      p.storageTemperature === undefined
        ? undefined
        : { minCelsius: p.storageTemperature.minCelsius, maxCelsius: p.storageTemperature.maxCelsius },
    attributes: { ...p.attributes },
    ownerPartyId: p.party ?? "",
  };
}

export function gatewayToPb(g: GatewayEnrolment): PbGateway {
  return {
    id: g.gatewayId,
    partyId: g.party,
    allowedReadPoints: [...g.allowedReadPoints],
    keys: g.keys.map(
      (k): PbGatewayKey => ({
        keyId: k.keyId,
        publicKey: Buffer.from(k.publicKey, "base64"),
        algorithm: k.algorithm,
        status:
          k.status === "revoked" ? KeyStatus.REVOKED : k.retiredAt !== undefined ? KeyStatus.RETIRED : KeyStatus.ACTIVE,
        createdAt: k.enrolledAt,
        retiredAt: k.retiredAt ?? "",
        revokedAt: k.revokedAt ?? "",
        revocationReason: k.revocationReason ?? "",
      }),
    ),
  };
}

export function tokenToPb(t: TokenInfo): PbToken {
  return {
    tokenId: t.id,
    subject: t.gatewayId ?? t.label,
    roles: [ROLE_TO_PB[t.role]],
    partyIds: t.party === undefined ? [] : [t.party],
    issuedAt: t.issuedAt,
    expiresAt: t.expiresAt ?? "",
    revoked: t.revokedAt !== undefined,
  };
}

/** One page of items sorted by `key`, after the key in the (opaque) page token. */
function page<T>(items: readonly T[], key: (t: T) => string, pageSize: number, pageToken: string) {
  const size = pageSize === 0 ? DEFAULT_PAGE : Math.min(pageSize, MAX_PAGE);
  let after: string | undefined;
  if (pageToken !== "") {
    after = Buffer.from(pageToken, "base64url").toString("utf8");
    if (after === "")
      throw new SuyuanError("MASTER_BAD_INPUT", "page_token: not a token from a previous page", {
        field: "page_token",
      });
  }
  const rest = after === undefined ? items : items.filter((t) => key(t) > after);
  const slice = rest.slice(0, size);
  const next = rest.length > size ? Buffer.from(key(slice.at(-1)!), "utf8").toString("base64url") : "";
  return { slice, next };
}

function notFound(what: string, id: string, field: string): SuyuanError {
  return new SuyuanError("MASTER_NOT_FOUND", `${field}: no ${what} ${JSON.stringify(id)}`, { field });
}

export function adminServiceHandlers(
  md: MasterData,
  auth: AuthService,
  opts: AdminServiceOptions = {},
): AdminServiceServer {
  const log = opts.log;
  const admin = <Req, Res>(method: string, fn: (req: Req) => Promise<Res> | Res, target?: (req: Req) => string) =>
    unaryCall<Req, Res>(
      auth,
      { method: `AdminService.${method}`, roles: ADMIN, ...(target ? { target } : {}) },
      fn,
      log,
    );

  return {
    putParty: admin(
      "PutParty",
      async (req) => {
        const p = req.party;
        if (p === undefined) throw new SuyuanError("MASTER_BAD_INPUT", "party: is required", { field: "party" });
        const rec = await md.putParty({
          id: p.id,
          name: p.name,
          ...(addressFromPb(p.address) === undefined ? {} : { address: addressFromPb(p.address) }),
          licences: p.licences.map(licenceFromPb),
        });
        return { party: partyToPb(rec) };
      },
      (req) => req.party?.id ?? "",
    ),
    getParty: admin(
      "GetParty",
      (req) => {
        const rec = md.getParty(required(req.id, "id"));
        if (rec === undefined) throw notFound("party", req.id, "id");
        return { party: partyToPb(rec) };
      },
      (req) => req.id,
    ),
    listParties: admin("ListParties", (req) => {
      const { slice, next } = page(md.listParties(), (p) => p.id, req.pageSize, req.pageToken);
      return { parties: slice.map(partyToPb), nextPageToken: next };
    }),

    putLocation: admin(
      "PutLocation",
      async (req) => {
        const l = req.location;
        if (l === undefined) throw new SuyuanError("MASTER_BAD_INPUT", "location: is required", { field: "location" });
        const address = addressFromPb(l.address);
        const party = opt(l.ownerPartyId);
        // Keep what the message cannot carry (the parent location).
        const parent = l.id === "" ? undefined : md.getLocation(l.id)?.parent;
        const rec = await md.putLocation({
          id: l.id,
          name: l.name,
          ...(address === undefined ? {} : { address }),
          ...(l.coordinates === undefined ? {} : { coordinates: l.coordinates }),
          ...(party === undefined ? {} : { party }),
          ...(parent === undefined ? {} : { parent }),
        });
        return { location: locationToPb(rec) };
      },
      (req) => req.location?.id ?? "",
    ),
    getLocation: admin(
      "GetLocation",
      (req) => {
        const rec = md.getLocation(required(req.id, "id"));
        if (rec === undefined) throw notFound("location", req.id, "id");
        return { location: locationToPb(rec) };
      },
      (req) => req.id,
    ),
    listLocations: admin("ListLocations", (req) => {
      const party = opt(req.ownerPartyId);
      const all = md.listLocations(party === undefined ? {} : { party });
      const { slice, next } = page(all, (l) => l.id, req.pageSize, req.pageToken);
      return { locations: slice.map(locationToPb), nextPageToken: next };
    }),

    putProduct: admin(
      "PutProduct",
      async (req) => {
        const p = req.product;
        if (p === undefined) throw new SuyuanError("MASTER_BAD_INPUT", "product: is required", { field: "product" });
        const category = p.category === PbCategory.DRUG ? "drug" : p.category === PbCategory.FOOD ? "food" : undefined;
        const t = p.storageTemperature;
        const rec = await md.putProduct({
          gtin: p.gtin,
          name: p.name,
          category,
          approvalNumber: opt(p.approvalNumber),
          dosageForm: opt(p.dosageForm),
          ...(t === undefined ? {} : { storageTemperature: { min: t.minCelsius, max: t.maxCelsius } }),
          attributes: p.attributes,
          party: opt(p.ownerPartyId),
        });
        return { product: productToPb(rec) };
      },
      (req) => req.product?.gtin ?? "",
    ),
    getProduct: admin(
      "GetProduct",
      (req) => {
        const rec = md.getProduct(required(req.gtin, "gtin"));
        if (rec === undefined) throw notFound("product", req.gtin, "gtin");
        return { product: productToPb(rec) };
      },
      (req) => req.gtin,
    ),
    listProducts: admin("ListProducts", (req) => {
      const category =
        req.category === PbCategory.DRUG ? "drug" : req.category === PbCategory.FOOD ? "food" : undefined;
      const { slice, next } = page(
        md.listProducts(category === undefined ? {} : { category }),
        (p) => p.id,
        req.pageSize,
        req.pageToken,
      );
      return { products: slice.map(productToPb), nextPageToken: next };
    }),

    enrollGateway: admin(
      "EnrollGateway",
      async (req) => {
        const g = await md.enrollGateway({
          gatewayId: req.gatewayId,
          party: req.partyId,
          allowedReadPoints: req.allowedReadPoints,
          keys: [
            {
              publicKey: Buffer.from(req.publicKey).toString("base64"),
              ...(opt(req.keyId) === undefined ? {} : { keyId: req.keyId }),
              ...(opt(req.algorithm) === undefined ? {} : { algorithm: req.algorithm }),
            },
          ],
        });
        return { gateway: gatewayToPb(g) };
      },
      (req) => req.gatewayId,
    ),
    // A gateway may read its own enrolment (to learn its allowed read points and key status).
    getGateway: unaryCall(
      auth,
      { method: "AdminService.GetGateway", roles: "any", target: (req) => req.gatewayId },
      (req, principal) => {
        if (!(principal.role === "gateway" && principal.gatewayId === req.gatewayId)) {
          requireRole(principal, ADMIN, "AdminService.GetGateway");
        }
        const g = md.gateway(required(req.gatewayId, "gateway_id"));
        if (g === undefined) throw notFound("gateway", req.gatewayId, "gateway_id");
        return { gateway: gatewayToPb(g) };
      },
      log,
    ),
    listGateways: admin("ListGateways", (req) => {
      const party = opt(req.partyId);
      const { slice, next } = page(
        md.listGateways(party === undefined ? {} : { party }),
        (g) => g.gatewayId,
        req.pageSize,
        req.pageToken,
      );
      return { gateways: slice.map(gatewayToPb), nextPageToken: next };
    }),
    rotateGatewayKey: admin(
      "RotateGatewayKey",
      async (req) => {
        const g = await md.rotateGatewayKey(required(req.gatewayId, "gateway_id"), {
          publicKey: Buffer.from(req.publicKey).toString("base64"),
          ...(opt(req.keyId) === undefined ? {} : { keyId: req.keyId }),
          ...(opt(req.algorithm) === undefined ? {} : { algorithm: req.algorithm }),
        });
        return { gateway: gatewayToPb(g) };
      },
      (req) => req.gatewayId,
    ),
    revokeGatewayKey: admin(
      "RevokeGatewayKey",
      async (req) => {
        const reason = opt(req.reason);
        const at = opt(req.revokedAt);
        const g = await md.revokeGatewayKey(required(req.gatewayId, "gateway_id"), required(req.keyId, "key_id"), {
          ...(reason === undefined ? {} : { reason }),
          ...(at === undefined ? {} : { at }),
        });
        return { gateway: gatewayToPb(g) };
      },
      (req) => `${req.gatewayId}/${req.keyId}`,
    ),

    issueToken: admin(
      "IssueToken",
      async (req) => {
        if (req.roles.length !== 1) {
          throw new SuyuanError("AUTH_BAD_REQUEST", "roles: give exactly one role per token", { field: "roles" });
        }
        if (req.partyIds.length > 1) {
          throw new SuyuanError("AUTH_BAD_REQUEST", "party_ids: a token acts for at most one party", {
            field: "party_ids",
          });
        }
        const role = roleFromPb(req.roles[0]!, "roles[0]");
        const party = opt(req.partyIds[0]);
        const expiresAt = opt(req.expiresAt);
        // A gateway token's subject is its gateway id (admin.proto Token.subject).
        const issued = await auth.issueToken({
          role,
          label: req.subject,
          ...(role === "gateway" ? { gatewayId: req.subject } : {}),
          ...(party === undefined ? {} : { party }),
          ...(expiresAt === undefined ? {} : { expiresAt }),
        });
        return { token: tokenToPb(issued.info), secret: issued.token };
      },
      (req) => req.subject,
    ),
    revokeToken: admin(
      "RevokeToken",
      async (req) => {
        const t = await auth.revokeToken(required(req.tokenId, "token_id"));
        return { token: tokenToPb(t) };
      },
      (req) => req.tokenId,
    ),
    listTokens: admin("ListTokens", (req) => {
      const { slice, next } = page(auth.listTokens(), (t) => t.id, req.pageSize, req.pageToken);
      return { tokens: slice.map(tokenToPb), nextPageToken: next };
    }),
    backup: admin(
      "Backup",
      async (req) => {
        if (opts.backup === undefined) {
          throw new SuyuanError(
            "BACKUP_UNSUPPORTED",
            "this core takes no backups: it needs a data folder of its own and a backup folder (core start --backup-dir DIR)",
            { field: "target" },
          );
        }
        const r = await opts.backup(required(req.target, "target"));
        return {
          location: r.location,
          entries: BigInt(r.entries),
          rows: BigInt(r.rows),
          bytes: BigInt(r.bytes),
          durationMs: BigInt(Math.round(r.ms)),
        };
      },
      (req) => req.target,
    ),
  };
}
