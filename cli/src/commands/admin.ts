// `suyuan admin …`: master data, gateway enrolment and keys, and access tokens, through the
// core's AdminService (admin token). The import file is parsed and checked here with the
// core's own importer (core/src/master/import.ts) before anything is sent, so a misspelt
// field stops the import before the first write.
import { importKey } from "@suyuan/proto";
import {
  type Gateway,
  KeyStatus,
  type LocationRecord,
  type Party,
  type Product,
  ProductCategory,
  Role,
  type Token,
} from "@suyuan/proto/gen/suyuan/v1/admin.ts";
import { type CoreConnection, REMOTE_FLAGS, unary, withCore } from "../grpc-client.ts";
import { type Command, type CommandIo, parseFlags, UsageError } from "../io.ts";
import { table } from "../table.ts";

const USAGE = `usage: suyuan admin SUBCOMMAND --core HOST:PORT (--token T | --token-file F) …

  import FILE                      master data (YAML or JSON: parties, locations, products,
                                   gateways; format of core/src/master/import.ts)
  enroll --gateway ID --party P (--public-key B64 | --key-file F) [--read-point ID]… [--key-id K]
  rotate-key --gateway ID (--public-key B64 | --key-file F) [--key-id K]
  revoke-key --gateway ID --key-id K [--reason R] [--at RFC3339]
  token --role R [--party P] [--gateway G] [--label L] [--expires RFC3339]
                                   issue a token and print its secret (shown once)
  revoke-token TOKEN_ID
  tokens | parties | locations | products | gateways      list (--json for JSON)
  backup NAME                      the core writes a hot backup of its data folder into its
                                   backup folder (core start --backup-dir DIR) as DIR/NAME, a
                                   new or empty directory, and goes on serving.
                                   \`suyuan core start --data DIR/NAME\` opens the copy,
                                   \`suyuan verify --data DIR/NAME\` checks it. It holds the
                                   core's private key: keep it as safe as the data folder.

Roles: admin, gateway, partner, inspector, recall_officer, public. --key-file takes a PEM
key (public or private; only the public half is sent) or a base64 raw public key.`;

const ROLES: Record<string, Role> = {
  admin: Role.ADMIN,
  gateway: Role.GATEWAY,
  partner: Role.PARTNER,
  inspector: Role.INSPECTOR,
  recall_officer: Role.RECALL_OFFICER,
  "recall-officer": Role.RECALL_OFFICER,
  public: Role.PUBLIC,
};
const ROLE_NAME = new Map<Role, string>(
  Object.entries(ROLES)
    .filter(([k]) => !k.includes("-"))
    .map(([k, v]) => [v, k]),
);

/** Pulls every `--name V` / `--name=V` out of args (parseFlags keeps only the last one). */
function takeRepeated(args: string[], name: string): { values: string[]; rest: string[] } {
  const values: string[] = [];
  const rest: string[] = [];
  for (let i = 0; i < args.length; i++) {
    const a = args[i]!;
    if (a === "--") {
      rest.push(...args.slice(i));
      break;
    }
    if (a === `--${name}`) {
      const v = args[++i];
      if (v === undefined) throw new UsageError(`option --${name} needs a value`);
      values.push(v);
    } else if (a.startsWith(`--${name}=`)) values.push(a.slice(name.length + 3));
    else rest.push(a);
  }
  return { values, rest };
}

function str(flags: Record<string, string | boolean>, name: string, required: true): string;
function str(flags: Record<string, string | boolean>, name: string, required?: false): string | undefined;
function str(flags: Record<string, string | boolean>, name: string, required = false): string | undefined {
  const v = flags[name];
  if (typeof v === "string") return v;
  if (required) throw new UsageError(`--${name} is required`);
  return undefined;
}

/** The raw public key from --public-key (base64) or --key-file (PEM or base64), checked locally. */
async function publicKeyOf(
  flags: Record<string, string | boolean>,
  io: CommandIo,
): Promise<{ raw: Buffer; keyId: string; algorithm: string }> {
  const b64 = str(flags, "public-key");
  const file = str(flags, "key-file");
  if ((b64 === undefined) === (file === undefined)) throw new UsageError("give --public-key B64 or --key-file F");
  const text = b64 ?? (await io.readFile(file!));
  const key = text.trim().startsWith("-----BEGIN") ? importKey(text) : importKey(text, { type: "public" });
  return { raw: Buffer.from(key.publicKeyRaw), keyId: key.keyId, algorithm: key.algorithm };
}

// ---- JSON views of admin messages (bytes as base64, enums as words) -----------------------

function gatewayJson(g: Gateway) {
  return {
    id: g.id,
    party: g.partyId,
    allowedReadPoints: g.allowedReadPoints,
    keys: g.keys.map((k) => ({
      keyId: k.keyId,
      algorithm: k.algorithm,
      publicKey: Buffer.from(k.publicKey).toString("base64"),
      status: k.status === KeyStatus.REVOKED ? "revoked" : k.status === KeyStatus.RETIRED ? "retired" : "active",
      createdAt: k.createdAt,
      ...(k.retiredAt === "" ? {} : { retiredAt: k.retiredAt }),
      ...(k.revokedAt === "" ? {} : { revokedAt: k.revokedAt }),
      ...(k.revocationReason === "" ? {} : { revocationReason: k.revocationReason }),
    })),
  };
}

function tokenJson(t: Token) {
  return {
    id: t.tokenId,
    subject: t.subject,
    roles: t.roles.map((r) => ROLE_NAME.get(r) ?? String(r)),
    parties: t.partyIds,
    issuedAt: t.issuedAt,
    ...(t.expiresAt === "" ? {} : { expiresAt: t.expiresAt }),
    revoked: t.revoked,
  };
}

function productJson(p: Product) {
  return {
    ...p,
    category: p.category === ProductCategory.DRUG ? "drug" : p.category === ProductCategory.FOOD ? "food" : "",
  };
}

// ---- listing -------------------------------------------------------------------------------

type Page<T> = { items: T[]; next: string };

async function all<T>(fetch: (pageToken: string) => Promise<Page<T>>): Promise<T[]> {
  const out: T[] = [];
  let token = "";
  // Bounded: a core that keeps returning page tokens must not loop the CLI forever.
  for (let pages = 0; pages < 10_000; pages++) {
    const p = await fetch(token);
    out.push(...p.items);
    if (p.next === "" || p.next === token) break;
    token = p.next;
  }
  return out;
}

function rows(header: string[], data: string[][]): string {
  return table([header, ...data]);
}

/** The records as JSON (an array, each through `toJson`) or as a table (`header`, a `row` each). */
function show<T>(
  io: CommandIo,
  json: boolean,
  xs: T[],
  toJson: (x: T) => unknown,
  header: string[],
  row: (x: T) => string[],
): void {
  io.stdout(json ? `${JSON.stringify(xs.map(toJson))}\n` : rows(header, xs.map(row)));
}

const same = <T>(x: T): T => x;

async function list(kind: string, conn: CoreConnection, json: boolean, io: CommandIo): Promise<void> {
  const a = conn.admin;
  switch (kind) {
    case "parties": {
      const xs = await all<Party>(async (pageToken) => {
        const r = await unary(conn, a, a.listParties, { pageSize: 0, pageToken }, "AdminService.ListParties");
        return { items: r.parties, next: r.nextPageToken };
      });
      show(io, json, xs, same, ["ID", "NAME"], (p) => [p.id, p.name]);
      return;
    }
    case "locations": {
      const xs = await all<LocationRecord>(async (pageToken) => {
        const r = await unary(
          conn,
          a,
          a.listLocations,
          { ownerPartyId: "", pageSize: 0, pageToken },
          "AdminService.ListLocations",
        );
        return { items: r.locations, next: r.nextPageToken };
      });
      show(io, json, xs, same, ["ID", "NAME", "PARTY"], (l) => [l.id, l.name, l.ownerPartyId]);
      return;
    }
    case "products": {
      const xs = await all<Product>(async (pageToken) => {
        const r = await unary(
          conn,
          a,
          a.listProducts,
          { category: ProductCategory.UNSPECIFIED, pageSize: 0, pageToken },
          "AdminService.ListProducts",
        );
        return { items: r.products, next: r.nextPageToken };
      });
      show(io, json, xs, productJson, ["GTIN", "NAME", "CATEGORY", "PARTY"], (p) => [
        p.gtin,
        p.name,
        productJson(p).category,
        p.ownerPartyId,
      ]);
      return;
    }
    case "gateways": {
      const xs = await all<Gateway>(async (pageToken) => {
        const r = await unary(
          conn,
          a,
          a.listGateways,
          { partyId: "", pageSize: 0, pageToken },
          "AdminService.ListGateways",
        );
        return { items: r.gateways, next: r.nextPageToken };
      });
      show(io, json, xs, gatewayJson, ["ID", "PARTY", "KEYS", "READ POINTS"], (g) => [
        g.id,
        g.partyId,
        gatewayJson(g)
          .keys.map((k) => `${k.keyId}:${k.status}`)
          .join(" "),
        g.allowedReadPoints.join(" "),
      ]);
      return;
    }
    case "tokens": {
      const xs = await all<Token>(async (pageToken) => {
        const r = await unary(conn, a, a.listTokens, { pageSize: 0, pageToken }, "AdminService.ListTokens");
        return { items: r.tokens, next: r.nextPageToken };
      });
      show(io, json, xs, tokenJson, ["ID", "ROLE", "SUBJECT", "PARTY", "ISSUED", "EXPIRES", "REVOKED"], (t) => {
        const j = tokenJson(t);
        return [
          j.id,
          j.roles.join(","),
          j.subject,
          j.parties.join(","),
          j.issuedAt,
          j.expiresAt ?? "-",
          j.revoked ? "yes" : "no",
        ];
      });
      return;
    }
  }
}

// ---- import --------------------------------------------------------------------------------

async function importFile(file: string, conn: CoreConnection, io: CommandIo): Promise<void> {
  const { parseImportFile } = await import("@suyuan/core");
  const text = await io.readFile(file);
  const plan = parseImportFile(text, /\.json$/i.test(file) ? "json" : "yaml");
  const a = conn.admin;
  // Parties first, then what refers to them: each Put is checked against what is stored.
  for (const { input } of plan.parties) {
    await unary(
      conn,
      a,
      a.putParty,
      {
        party: {
          id: input.id,
          name: input.name,
          address:
            input.address === undefined
              ? undefined
              : { countryCode: "", province: "", city: "", district: "", street: "", postalCode: "", ...input.address },
          licences: (input.licences ?? []).map((l) => ({
            kind: l.kind,
            number: l.number,
            issuer: l.issuer ?? "",
            validFrom: l.validFrom ?? "",
            validTo: l.validTo ?? "",
          })),
        },
      },
      "AdminService.PutParty",
    );
  }
  for (const { path, input } of plan.locations) {
    if (input.parent !== undefined) {
      // admin.proto LocationRecord has no parent field: say so rather than drop it silently.
      io.stderr(`warning: ${path}.parent ${input.parent} not sent (AdminService.PutLocation has no parent field)\n`);
    }
    await unary(
      conn,
      a,
      a.putLocation,
      {
        location: {
          id: input.id,
          name: input.name,
          address:
            input.address === undefined
              ? undefined
              : { countryCode: "", province: "", city: "", district: "", street: "", postalCode: "", ...input.address },
          coordinates: input.coordinates,
          ownerPartyId: input.party ?? "",
        },
      },
      "AdminService.PutLocation",
    );
  }
  for (const { input } of plan.products) {
    await unary(
      conn,
      a,
      a.putProduct,
      {
        product: {
          gtin: input.id,
          name: input.name,
          category: input.category === "drug" ? ProductCategory.DRUG : ProductCategory.FOOD,
          approvalNumber: input.approvalNumber ?? "",
          dosageForm: input.dosageForm ?? "",
          storageTemperature: input.storageTemperature,
          attributes: { ...input.attributes },
          ownerPartyId: input.party ?? "",
        },
      },
      "AdminService.PutProduct",
    );
  }
  for (const { input } of plan.gateways) {
    const keys = input.keys.map((k) => {
      const raw = typeof k.publicKey === "string" ? Buffer.from(k.publicKey, "base64") : Buffer.from(k.publicKey);
      return { publicKey: raw, keyId: k.keyId ?? "", algorithm: k.algorithm ?? "" };
    });
    const [first, ...more] = keys;
    if (first === undefined) continue;
    await unary(
      conn,
      a,
      a.enrollGateway,
      {
        gatewayId: input.gatewayId,
        partyId: input.party,
        allowedReadPoints: input.allowedReadPoints ?? [],
        ...first,
      },
      "AdminService.EnrollGateway",
    );
    for (const k of more) {
      await unary(conn, a, a.rotateGatewayKey, { gatewayId: input.gatewayId, ...k }, "AdminService.RotateGatewayKey");
    }
  }
  const n = (k: number, one: string, many: string) => `${k} ${k === 1 ? one : many}`;
  io.stdout(
    `imported ${n(plan.parties.length, "party", "parties")}, ${n(plan.locations.length, "location", "locations")}, ` +
      `${n(plan.products.length, "product", "products")}, ${n(plan.gateways.length, "gateway", "gateways")}\n`,
  );
}

// ---- the command ----------------------------------------------------------------------------

const SUBCOMMANDS = [
  "import",
  "enroll",
  "rotate-key",
  "revoke-key",
  "token",
  "revoke-token",
  "tokens",
  "parties",
  "locations",
  "products",
  "gateways",
  "backup",
] as const;

export const adminCommand: Command = {
  name: "admin",
  summary: "master data, gateway enrolment and keys, tokens, backups (admin token)",
  usage: USAGE,
  async run(args: string[], io: CommandIo): Promise<number> {
    const [sub, ...rest0] = args;
    if (sub === undefined) throw new UsageError("expected a subcommand");
    if (!(SUBCOMMANDS as readonly string[]).includes(sub)) {
      throw new UsageError(`unknown subcommand ${JSON.stringify(sub)} (${SUBCOMMANDS.join(", ")})`);
    }
    const { values: readPoints, rest } = takeRepeated(rest0, "read-point");
    const { positional, flags } = parseFlags(rest, {
      ...REMOTE_FLAGS,
      json: "boolean",
      gateway: "string",
      party: "string",
      "public-key": "string",
      "key-file": "string",
      "key-id": "string",
      reason: "string",
      at: "string",
      role: "string",
      label: "string",
      expires: "string",
    });
    const json = flags.json === true;
    const wantPositional = sub === "import" || sub === "revoke-token" || sub === "backup" ? 1 : 0;
    if (positional.length !== wantPositional) {
      throw new UsageError(
        wantPositional === 1
          ? `admin ${sub}: expected exactly one argument`
          : `admin ${sub}: unexpected argument ${JSON.stringify(positional[0])}`,
      );
    }
    if (readPoints.length > 0 && sub !== "enroll") throw new UsageError("--read-point goes with admin enroll");

    // Check the flags before connecting, so usage mistakes exit 2 without a network call.
    let role: Role | undefined;
    if (sub === "token") {
      const r = str(flags, "role", true);
      role = ROLES[r];
      if (role === undefined) throw new UsageError(`--role must be one of ${[...ROLE_NAME.values()].join(", ")}`);
      if (role === Role.GATEWAY && flags.gateway === undefined)
        throw new UsageError("--role gateway needs --gateway G");
      if (role !== Role.GATEWAY && flags.gateway !== undefined)
        throw new UsageError("--gateway goes with --role gateway");
    }
    if (sub === "enroll") {
      str(flags, "gateway", true);
      str(flags, "party", true);
    }
    if (sub === "rotate-key") str(flags, "gateway", true);
    if (sub === "revoke-key") {
      str(flags, "gateway", true);
      str(flags, "key-id", true);
    }
    const key = sub === "enroll" || sub === "rotate-key" ? await publicKeyOf(flags, io) : undefined;
    if (key !== undefined && flags["key-id"] !== undefined && flags["key-id"] !== key.keyId) {
      throw new UsageError(`--key-id ${flags["key-id"]} does not match the key (its id is ${key.keyId})`);
    }

    await withCore(flags, io, true, async (conn) => {
      const a = conn.admin;
      switch (sub) {
        case "import":
          return importFile(positional[0]!, conn, io);
        case "enroll": {
          const r = await unary(
            conn,
            a,
            a.enrollGateway,
            {
              gatewayId: str(flags, "gateway", true),
              partyId: str(flags, "party", true),
              allowedReadPoints: readPoints,
              keyId: key!.keyId,
              publicKey: key!.raw,
              algorithm: key!.algorithm,
            },
            "AdminService.EnrollGateway",
          );
          io.stdout(
            json
              ? `${JSON.stringify(gatewayJson(r.gateway!))}\n`
              : `enrolled gateway ${r.gateway?.id} key ${key!.keyId}\n`,
          );
          return;
        }
        case "rotate-key": {
          const r = await unary(
            conn,
            a,
            a.rotateGatewayKey,
            {
              gatewayId: str(flags, "gateway", true),
              keyId: key!.keyId,
              publicKey: key!.raw,
              algorithm: key!.algorithm,
            },
            "AdminService.RotateGatewayKey",
          );
          io.stdout(
            json
              ? `${JSON.stringify(gatewayJson(r.gateway!))}\n`
              : `gateway ${r.gateway?.id} now signs with key ${key!.keyId}\n`,
          );
          return;
        }
        case "revoke-key": {
          const r = await unary(
            conn,
            a,
            a.revokeGatewayKey,
            {
              gatewayId: str(flags, "gateway", true),
              keyId: str(flags, "key-id", true),
              reason: str(flags, "reason") ?? "",
              revokedAt: str(flags, "at") ?? "",
            },
            "AdminService.RevokeGatewayKey",
          );
          const k = r.gateway?.keys.find((x) => x.keyId === flags["key-id"]);
          io.stdout(
            json
              ? `${JSON.stringify(gatewayJson(r.gateway!))}\n`
              : `revoked key ${flags["key-id"]} of gateway ${r.gateway?.id}${k?.revokedAt ? ` from ${k.revokedAt}` : ""}\n`,
          );
          return;
        }
        case "token": {
          const party = str(flags, "party");
          // admin.proto Token.subject: a gateway token's subject is its gateway id.
          const subject = role === Role.GATEWAY ? str(flags, "gateway", true) : (str(flags, "label") ?? "cli");
          const r = await unary(
            conn,
            a,
            a.issueToken,
            {
              subject,
              roles: [role!],
              partyIds: party === undefined ? [] : [party],
              expiresAt: str(flags, "expires") ?? "",
            },
            "AdminService.IssueToken",
          );
          if (json) io.stdout(`${JSON.stringify({ token: r.secret, ...tokenJson(r.token!) })}\n`);
          else {
            io.stdout(`${r.secret}\n`);
            io.stderr(
              `token ${r.token?.tokenId} (${ROLE_NAME.get(role!)}) issued; the secret above is shown only once\n`,
            );
          }
          return;
        }
        case "backup": {
          const r = await unary(conn, a, a.backup, { target: positional[0]! }, "AdminService.Backup");
          const out = {
            location: r.location,
            entries: Number(r.entries),
            rows: Number(r.rows),
            bytes: Number(r.bytes),
            durationMs: Number(r.durationMs),
          };
          io.stdout(
            json
              ? `${JSON.stringify(out)}\n`
              : `backup written to ${out.location}: ${out.entries} log entries, ${out.rows} rows, ${out.bytes} bytes in ${out.durationMs} ms\n`,
          );
          return;
        }
        case "revoke-token": {
          const r = await unary(conn, a, a.revokeToken, { tokenId: positional[0]! }, "AdminService.RevokeToken");
          io.stdout(json ? `${JSON.stringify(tokenJson(r.token!))}\n` : `revoked token ${r.token?.tokenId}\n`);
          return;
        }
        default:
          return list(sub, conn, json, io);
      }
    });
    return 0;
  },
};
