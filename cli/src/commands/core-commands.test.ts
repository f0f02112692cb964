// The core's command line against a real core (startCore, memory store, 127.0.0.1:0): admin
// import / enroll / tokens, partner capture, chain, recall and verify, run in-process
// through main(argv, io). Expected answers are derived by hand from the documents below.
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { RunningCore } from "@suyuan/core";
import { eventHash, exportKey, generateGatewayKey, parseCode, parseEpcisDocument } from "@suyuan/proto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { conformancePath, readConformanceText } from "../../../tests/shared.ts";
import { runCli } from "../test-run.ts";

const C = (code: string) => parseCode(code).canonical;

// Parties and places (EPC URIs carry no check digits; canonical forms come from parseCode).
const FARM_PARTY = "urn:epc:id:pgln:0614141.00001";
const SHOP_PARTY = "urn:epc:id:pgln:0614141.00002";
const ACME_PARTY = "urn:epc:id:pgln:0614141.00003";
const FARM = "urn:epc:id:sgln:0614141.00011.0";
const SHOP = "urn:epc:id:sgln:0614141.00022.0";
const U = (n: number) => `urn:epc:id:sgtin:0614141.207346.${n}`;
const LOT = "urn:epc:class:lgtin:0614141.207346.L1";
const SSCC = "urn:epc:id:sscc:0614141.0000000001";

const MASTER = `
parties:
  - id: ${FARM_PARTY}
    name: Green Farm
  - id: ${SHOP_PARTY}
    name: "Corner Shop, Ltd"
  - id: ${ACME_PARTY}
    name: Acme
locations:
  - id: ${FARM}
    name: Farm gate
    party: ${FARM_PARTY}
  - id: ${SHOP}
    name: Shop 1
    party: ${SHOP_PARTY}
  # EPCIS 2.0 §9.6.1 example places, owned by Acme
  - id: urn:epc:id:sgln:0614141.07346.0
    name: Acme DC
    party: ${ACME_PARTY}
  - id: urn:epc:id:sgln:0012345.11111.0
    name: Acme store
    party: ${ACME_PARTY}
products:
  - gtin: "20614141073461"
    name: Apples 1 kg
    category: food
    party: ${FARM_PARTY}
`;

const CTX = '"@context":["https://ref.gs1.org/standards/epcis/2.0.0/epcis-context.jsonld"]';
const doc = (events: object[]) =>
  `{${CTX},"type":"EPCISDocument","schemaVersion":"2.0","creationDate":"2024-03-01T00:00:00Z","epcisBody":{"eventList":${JSON.stringify(events)}}}`;
const at = (t: string, loc: string, biz = true) => ({
  eventTime: t,
  eventTimeZoneOffset: "+00:00",
  readPoint: { id: loc },
  ...(biz ? { bizLocation: { id: loc } } : {}),
});

// The farm commissions four units of lot L1, packs two in a case and ships it; the shop
// receives the case, unpacks it and sells one unit.
const FARM_DOC = doc([
  {
    type: "ObjectEvent",
    action: "ADD",
    bizStep: "commissioning",
    disposition: "active",
    epcList: [U(1), U(2), U(3), U(4)],
    ...at("2024-03-01T08:00:00Z", FARM),
    ilmd: { "cbvmda:lotNumber": "L1" },
  },
  {
    type: "AggregationEvent",
    action: "ADD",
    bizStep: "packing",
    disposition: "in_progress",
    parentID: SSCC,
    childEPCs: [U(1), U(2)],
    ...at("2024-03-01T09:00:00Z", FARM),
  },
  {
    type: "ObjectEvent",
    action: "OBSERVE",
    bizStep: "shipping",
    disposition: "in_transit",
    epcList: [SSCC],
    ...at("2024-03-02T08:00:00Z", FARM, false),
  },
]);
const SHOP_DOC = doc([
  {
    type: "ObjectEvent",
    action: "OBSERVE",
    bizStep: "receiving",
    disposition: "in_progress",
    epcList: [SSCC],
    ...at("2024-03-03T08:00:00Z", SHOP),
  },
  {
    type: "AggregationEvent",
    action: "DELETE",
    bizStep: "unpacking",
    disposition: "in_progress",
    parentID: SSCC,
    childEPCs: [U(1), U(2)],
    ...at("2024-03-03T09:00:00Z", SHOP),
  },
  {
    type: "ObjectEvent",
    action: "OBSERVE",
    bizStep: "retail_selling",
    disposition: "retail_sold",
    epcList: [U(1)],
    ...at("2024-03-04T10:00:00Z", SHOP),
  },
]);

const ids = (text: string) => parseEpcisDocument(text).events.map((e) => eventHash(e));

let core: RunningCore;
let addr: string;
let admin: string;
let tmp: string;
let farmToken: string;
let shopToken: string;
let recallToken: string;
const gwKey = generateGatewayKey();

beforeAll(async () => {
  const { startCore } = await import("@suyuan/core");
  core = await startCore({ grpcAddress: "127.0.0.1:0", checkpointIntervalMs: 60_000 });
  addr = core.grpcAddress;
  admin = core.bootstrapAdminToken!;
  tmp = await mkdtemp(join(tmpdir(), "suyuan-cli-core-"));
});
afterAll(async () => {
  await core?.stop();
  if (tmp) await rm(tmp, { recursive: true, force: true });
});

const A = () => ["--core", addr, "--token", admin];

describe("suyuan admin", () => {
  it("imports master data (YAML) and lists it back", async () => {
    const file = join(tmp, "master.yaml");
    await writeFile(file, MASTER);
    const r = await runCli(["admin", "import", file, ...A()]);
    expect(r.err).toBe("");
    expect(r.out).toBe("imported 3 parties, 4 locations, 1 product, 0 gateways\n");
    expect(r.code).toBe(0);

    const parties = await runCli(["admin", "parties", "--json", ...A()]);
    expect(parties.code).toBe(0);
    const ps = JSON.parse(parties.out) as Array<{ id: string; name: string }>;
    expect(ps.map((p) => [p.id, p.name]).sort()).toEqual(
      [
        [C(FARM_PARTY), "Green Farm"],
        [C(SHOP_PARTY), "Corner Shop, Ltd"],
        [C(ACME_PARTY), "Acme"],
      ].sort(),
    );
    const locs = await runCli(["admin", "locations", ...A()]);
    expect(locs.out.split("\n")[0]).toMatch(/^ID\s+NAME\s+PARTY$/);
    expect(locs.out).toContain(`${C(FARM)}  Farm gate`);
    const prods = await runCli(["admin", "products", "--json", ...A()]);
    expect(JSON.parse(prods.out)).toMatchObject([{ gtin: "20614141073461", name: "Apples 1 kg", category: "food" }]);
  });

  it("a misspelt field stops the import before anything is sent (exit 1, code and path)", async () => {
    const file = join(tmp, "bad.yaml");
    await writeFile(file, "parties:\n  - id: urn:epc:id:pgln:0614141.00009\n    name: X\n    nmae: typo\n");
    const r = await runCli(["admin", "import", file, ...A()]);
    expect(r.code).toBe(1);
    expect(r.err).toContain("parties[0].nmae");
    const parties = await runCli(["admin", "parties", "--json", ...A()]);
    expect(JSON.parse(parties.out).map((p: { id: string }) => p.id)).not.toContain(C("urn:epc:id:pgln:0614141.00009"));
  });

  it("enrols a gateway from a PEM key file, rotates and revokes a key", async () => {
    const pem = join(tmp, "gw.pem");
    await writeFile(pem, exportKey(gwKey.publicKey, "pem"));
    const r = await runCli([
      "admin",
      "enroll",
      "--gateway",
      "gw-farm-1",
      "--party",
      FARM_PARTY,
      "--key-file",
      pem,
      "--read-point",
      FARM,
      "--read-point",
      "urn:epc:id:sgln:0614141.00011.1",
      ...A(),
    ]);
    expect(r.err).toBe("");
    expect(r.out).toBe(`enrolled gateway gw-farm-1 key ${gwKey.keyId}\n`);
    expect(r.code).toBe(0);

    const next = generateGatewayKey();
    const b64 = Buffer.from(next.publicKeyRaw).toString("base64");
    const rot = await runCli(["admin", "rotate-key", "--gateway", "gw-farm-1", "--public-key", b64, "--json", ...A()]);
    expect(rot.code).toBe(0);
    const g = JSON.parse(rot.out);
    expect(g.keys.map((k: { keyId: string; status: string }) => [k.keyId, k.status])).toEqual([
      [gwKey.keyId, "retired"],
      [next.keyId, "active"],
    ]);
    const rev = await runCli([
      "admin",
      "revoke-key",
      "--gateway",
      "gw-farm-1",
      "--key-id",
      gwKey.keyId,
      "--reason",
      "lost",
      ...A(),
    ]);
    expect(rev.code).toBe(0);
    expect(rev.out).toMatch(new RegExp(`^revoked key ${gwKey.keyId} of gateway gw-farm-1 from \\d{4}-`));

    const list = await runCli(["admin", "gateways", "--json", ...A()]);
    const gws = JSON.parse(list.out);
    expect(gws).toHaveLength(1);
    expect(gws[0]).toMatchObject({
      id: "gw-farm-1",
      party: C(FARM_PARTY),
      keys: [
        { keyId: gwKey.keyId, status: "revoked", revocationReason: "lost" },
        { keyId: next.keyId, status: "active" },
      ],
    });
    expect(gws[0].allowedReadPoints.map(C)).toEqual([C(FARM), C("urn:epc:id:sgln:0614141.00011.1")]);
  });

  it("issues tokens (secret printed once) and lists them without secrets", async () => {
    const farm = await runCli([
      "admin",
      "token",
      "--role",
      "partner",
      "--party",
      FARM_PARTY,
      "--label",
      "farm-erp",
      ...A(),
    ]);
    expect(farm.code).toBe(0);
    expect(farm.out).toMatch(/^\S+\n$/);
    expect(farm.err).toMatch(/shown only once/);
    farmToken = farm.out.trim();
    const shop = await runCli(["admin", "token", "--role", "partner", "--party", SHOP_PARTY, "--json", ...A()]);
    const sj = JSON.parse(shop.out);
    expect(sj).toMatchObject({ roles: ["partner"], parties: [C(SHOP_PARTY)], revoked: false });
    shopToken = sj.token;
    const acme = await runCli(["admin", "token", "--role", "partner", "--party", ACME_PARTY, ...A()]);
    await writeFile(join(tmp, "acme.token"), acme.out);
    const rec = await runCli(["admin", "token", "--role", "recall_officer", "--label", "regulator", ...A()]);
    recallToken = rec.out.trim();

    const list = await runCli(["admin", "tokens", "--json", ...A()]);
    const ts = JSON.parse(list.out) as Array<{ id: string; subject: string; roles: string[] }>;
    expect(ts.map((t) => t.roles[0]).sort()).toEqual(["admin", "partner", "partner", "partner", "recall_officer"]);
    expect(ts.find((t) => t.subject === "farm-erp")?.roles).toEqual(["partner"]);
    expect(list.out).not.toContain(farmToken);
  });

  it("usage mistakes exit 2 without calling the core", async () => {
    for (const argv of [
      ["admin"],
      ["admin", "frobnicate", ...A()],
      ["admin", "token", "--role", "emperor", ...A()],
      ["admin", "token", "--role", "gateway", ...A()],
      ["admin", "enroll", "--gateway", "g", "--party", FARM_PARTY, ...A()],
      ["admin", "parties", "--token", admin],
      ["admin", "parties", "--core", addr],
      ["admin", "parties", "--core", "nohost", "--token", admin],
      ["capture", "--core", addr, "--token", admin],
      ["chain", "--core", addr],
      ["recall", "--core", addr, "--token", admin],
      ["recall", LOT, "--core", addr, "--token", admin, "--json", "--csv"],
      ["verify"],
      ["verify", "--core", addr],
      ["core", "stop"],
    ]) {
      const r = await runCli(argv);
      expect({ argv, code: r.code }).toEqual({ argv, code: 2 });
      expect(r.err).toMatch(/^suyuan \w+: .+\nusage: suyuan /);
    }
  });

  it("a bad token gives the core's coded error and exit 1", async () => {
    const r = await runCli(["admin", "parties", "--core", addr, "--token", "not-a-token"]);
    expect(r.code).toBe(1);
    expect(r.err).toMatch(/^suyuan admin: AUTH_BAD_TOKEN: /);
    const p = await runCli(["admin", "parties", "--core", addr, "--token", farmToken]);
    expect(p.code).toBe(1);
    expect(p.err).toMatch(/^suyuan admin: AUTH_FORBIDDEN: /);
  });
});

describe("suyuan capture", () => {
  it("captures the EPCIS 2.0 §9.6.1 example as the partner owning its places (token file)", async () => {
    const file = conformancePath("epcis-examples", "gs1-epcis", "JSON", "Example_9.6.1-ObjectEvent.jsonld");
    const expected = ids(
      readConformanceText("epcis-examples", "gs1-epcis", "JSON", "Example_9.6.1-ObjectEvent.jsonld"),
    );
    const r = await runCli(["capture", file, "--core", addr, "--token-file", join(tmp, "acme.token"), "--json"]);
    expect(r.code).toBe(0);
    expect(JSON.parse(r.out)).toEqual({
      captureId: expect.any(String),
      accepted: 2,
      duplicates: 0,
      rejected: 0,
      events: [
        { index: 0, status: "accepted", eventId: expected[0], logIndex: 0 },
        { index: 1, status: "accepted", eventId: expected[1], logIndex: 1 },
      ],
    });
    // Sent again: both are duplicates of the logged events.
    const again = await runCli(["capture", file, "--core", addr, "--token-file", join(tmp, "acme.token")]);
    expect(again.code).toBe(0);
    expect(again.out).toMatch(/^capture \S+: 2 events — 0 accepted, 2 duplicates, 0 rejected\n$/);
  });

  it("the same example in XML (EPCIS 2.0 §10): the event equal under the CBV 2.0 §8.9 hash is a duplicate", async () => {
    // The XML's second event carries another extension than the JSON-LD's, so it is a new event.
    const file = conformancePath("epcis-examples", "gs1-epcis", "XML", "Example_9.6.1-ObjectEvent-2020_06_18a.xml");
    const r = await runCli(["capture", file, "--core", addr, "--token-file", join(tmp, "acme.token"), "--json"]);
    expect(r.code).toBe(0);
    expect(JSON.parse(r.out).events.map((e: { status: string; logIndex: number }) => [e.status, e.logIndex])).toEqual([
      ["duplicate", 0],
      ["accepted", 2],
    ]);
  });

  it("captures the farm's and the shop's documents", async () => {
    const farm = join(tmp, "farm.jsonld");
    const shop = join(tmp, "shop.json");
    await writeFile(farm, FARM_DOC);
    await writeFile(shop, SHOP_DOC);
    const f = await runCli(["capture", farm, "--core", addr, "--token", farmToken]);
    expect(f.out).toMatch(/^capture \S+: 3 events — 3 accepted, 0 duplicates, 0 rejected\n$/);
    expect(f.code).toBe(0);
    const s = await runCli(["capture", shop, "--core", addr, "--token", shopToken, "--format", "jsonld"]);
    expect(s.out).toMatch(/^capture \S+: 3 events — 3 accepted, 0 duplicates, 0 rejected\n$/);
    expect(s.code).toBe(0);
    await core.ledger.signCheckpointNow();
  });

  it("an event at another party's place is rejected with its code and field; exit 1", async () => {
    // Issue 3 §1 policy: a partner writes only events at its own party's locations.
    const file = join(tmp, "intruder.jsonld");
    await writeFile(
      file,
      doc([
        {
          type: "ObjectEvent",
          action: "OBSERVE",
          bizStep: "inspecting",
          epcList: [U(3)],
          ...at("2024-03-05T08:00:00Z", FARM),
        },
      ]),
    );
    const r = await runCli(["capture", file, "--core", addr, "--token", shopToken]);
    expect(r.code).toBe(1);
    expect(r.out).toMatch(
      /^capture \S+: 1 event — 0 accepted, 0 duplicates, 1 rejected\n {2}event 0 rejected: [A-Z_]+ \(\S+\): .+\n$/,
    );
    const j = await runCli(["capture", file, "--core", addr, "--token", shopToken, "--json"]);
    const ev = JSON.parse(j.out).events[0];
    expect(ev).toMatchObject({ index: 0, status: "rejected" });
    expect(ev.code).toMatch(/^POLICY_/);
    expect(ev.field).toMatch(/(readPoint|bizLocation)(\.id)?$/);
  });

  it("an XML document goes as XML; a broken one is refused as a whole (exit 1)", async () => {
    const bad = join(tmp, "broken.xml");
    await writeFile(bad, "<epcis:EPCISDocument");
    const r = await runCli(["capture", bad, "--core", addr, "--token", shopToken]);
    expect(r.code).toBe(1);
    expect(r.err).toMatch(/^suyuan capture: EPCIS_[A-Z_]+: /);
  });
});

describe("suyuan chain", () => {
  it("--json: the unit's chain by event time, with via, canonical ids and proofs", async () => {
    const [e1, e2, e3] = ids(FARM_DOC);
    const [e4, e5, e6] = ids(SHOP_DOC);
    const cp = core.ledger.checkpoint();
    const r = await runCli(["chain", U(1), "--core", addr, "--json", "--proofs"]);
    expect(r.code).toBe(0);
    const j = JSON.parse(r.out);
    const farm = C(FARM);
    const shop = C(SHOP);
    const step = (
      eventId: string | undefined,
      eventType: string,
      eventTime: string,
      bizStep: string,
      disposition: string,
      location: string,
      party: string,
      via: string,
      logIndex: number,
    ) => ({
      eventId,
      eventType,
      eventTime,
      bizStep,
      disposition,
      location,
      party,
      via,
      proof: {
        logIndex,
        checkpointSize: 9,
        included: true,
        inclusionProof: { logIndex, treeSize: 9, path: expect.any(Array) },
      },
    });
    expect(j).toEqual({
      code: U(1),
      canonical: C(U(1)),
      steps: [
        step(e1, "ObjectEvent", "2024-03-01T08:00:00Z", "commissioning", "active", farm, C(FARM_PARTY), "self", 3),
        step(e2, "AggregationEvent", "2024-03-01T09:00:00Z", "packing", "in_progress", farm, C(FARM_PARTY), "self", 4),
        step(
          e3,
          "ObjectEvent",
          "2024-03-02T08:00:00Z",
          "shipping",
          "in_transit",
          farm,
          C(FARM_PARTY),
          `container:${C(SSCC)}`,
          5,
        ),
        step(
          e4,
          "ObjectEvent",
          "2024-03-03T08:00:00Z",
          "receiving",
          "in_progress",
          shop,
          C(SHOP_PARTY),
          `container:${C(SSCC)}`,
          6,
        ),
        step(
          e5,
          "AggregationEvent",
          "2024-03-03T09:00:00Z",
          "unpacking",
          "in_progress",
          shop,
          C(SHOP_PARTY),
          "self",
          7,
        ),
        step(
          e6,
          "ObjectEvent",
          "2024-03-04T10:00:00Z",
          "retail_selling",
          "retail_sold",
          shop,
          C(SHOP_PARTY),
          "self",
          8,
        ),
      ],
      checkpoint: {
        origin: cp.origin,
        size: 9,
        rootHash: Buffer.from(cp.rootHash).toString("base64"),
        note: cp.note,
      },
    });
    // RFC 9162 §2.1.3 in a tree of 9 (subtrees of 8 and 1): an index below 8 has 3 hashes
    // inside the left subtree plus the right one; index 8 has only the left subtree's root.
    expect(
      j.steps.map((s: { proof: { inclusionProof: { path: string[] } } }) => s.proof.inclusionProof.path.length),
    ).toEqual([4, 4, 4, 4, 4, 1]);
  });

  it("human output: a timeline with names, via and proof badges; element-string input", async () => {
    const r = await runCli(["chain", "(01)20614141073461(21)2", "--core", addr, "--token", shopToken]);
    expect(r.code).toBe(0);
    const lines = r.out.split("\n");
    expect(lines[0]).toBe(`${C(U(2))}  (scanned: (01)20614141073461(21)2)`);
    expect(lines[1]).toMatch(/^ {2}TIME\s+STEP\s+LOCATION\s+PARTY\s+VIA\s+PROOF$/);
    expect(lines[2]).toMatch(
      /^ {2}2024-03-01T08:00:00Z\s+commissioning\s+Farm gate\s+Green Farm\s+self\s+✓ log #3 in checkpoint 9$/,
    );
    expect(lines[4]).toMatch(
      /shipping\s+Farm gate\s+Green Farm\s+container:https:\/\/id\.gs1\.org\/00\/006141410000000012\s+✓ log #5/,
    );
    expect(lines[6]).toMatch(/unpacking\s+Shop 1\s+Corner Shop, Ltd\s+self\s+✓ log #7 in checkpoint 9$/);
    expect(lines).toHaveLength(9); // name, header, 5 steps (U2 is not sold), checkpoint, ""
    expect(lines[7]).toMatch(/^checkpoint suyuan\.core\/log size 9 root \S+$/);
  });

  it("a blank code is the core's coded error, exit 1", async () => {
    const r = await runCli(["chain", " ", "--core", addr]);
    expect(r.code).toBe(1);
    expect(r.err).toMatch(/^suyuan chain: [A-Z]+_[A-Z_]+: /);
  });

  it("an unreachable core is CLI_CORE_UNREACHABLE, exit 1", async () => {
    const r = await runCli(["chain", U(1), "--core", "127.0.0.1:1"]);
    expect(r.code).toBe(1);
    expect(r.err).toMatch(/^suyuan chain: CLI_CORE_UNREACHABLE: QueryService\.GetChain on 127\.0\.0\.1:1: UNAVAILABLE/);
  });
});

describe("suyuan recall", () => {
  it("--json: lot L1 reaches 4 units, the case, and its holders (sold units not held)", async () => {
    const r = await runCli(["recall", LOT, "--core", addr, "--token", recallToken, "--json"]);
    expect(r.err).toBe("");
    expect(r.code).toBe(0);
    expect(JSON.parse(r.out)).toEqual({
      lots: [C(LOT)],
      units: [C(U(1)), C(U(2)), C(U(3)), C(U(4))].sort(),
      containers: [C(SSCC)],
      lotsDerived: [],
      holders: [
        { location: C(FARM), party: C(FARM_PARTY), units: 2 },
        { location: C(SHOP), party: C(SHOP_PARTY), units: 1 },
      ],
    });
    // The same lot as a Digital Link with /10/ and as an element string.
    for (const form of ["https://id.gs1.org/01/20614141073461/10/L1", "(01)20614141073461(10)L1"]) {
      const again = await runCli(["recall", form, "--core", addr, "--token", recallToken, "--json"]);
      expect(again.out).toBe(r.out);
    }
  });

  it("--csv: one RFC 4180 row per holder under the header", async () => {
    const r = await runCli(["recall", LOT, "--core", addr, "--token", recallToken, "--csv"]);
    expect(r.code).toBe(0);
    expect(r.out).toBe(
      "location,location_name,party,party_name,units\r\n" +
        `${C(FARM)},Farm gate,${C(FARM_PARTY)},Green Farm,2\r\n` +
        `${C(SHOP)},Shop 1,${C(SHOP_PARTY)},"Corner Shop, Ltd",1\r\n`,
    );
  });

  it("an item argument: the case reaches the two units it held", async () => {
    const r = await runCli(["recall", SSCC, "--core", addr, "--token", recallToken, "--json"]);
    expect(r.code).toBe(0);
    const j = JSON.parse(r.out);
    expect(j.containers).toEqual([C(SSCC)]);
    expect(j.units).toEqual(expect.arrayContaining([C(U(1)), C(U(2))]));
    expect(j.units).not.toContain(C(U(3)));
  });

  it("human output lists the scope and holders", async () => {
    const r = await runCli(["recall", LOT, "--core", addr, "--token", recallToken]);
    expect(r.out).toContain(`lots (1)\n  ${C(LOT)}\n`);
    expect(r.out).toContain(
      `units (4)\nholders (2)\n  2 units at Farm gate <${C(FARM)}> — Green Farm <${C(FARM_PARTY)}>\n`,
    );
  });
});

describe("suyuan verify --core", () => {
  it("OK with the size and root of the checkpoint; --seen keeps the notes and catches nothing new", async () => {
    const seen = join(tmp, "seen.txt");
    const vkeyFile = join(tmp, "core.vkey");
    await writeFile(vkeyFile, `${core.verifierKey}\n`);
    const cp = core.ledger.checkpoint();
    const root = Buffer.from(cp.rootHash).toString("hex");
    const r = await runCli(["verify", "--core", addr, "--key", core.verifierKey, "--seen", seen]);
    expect(r.out).toBe(`OK size 9 root ${root}\n`);
    expect(r.code).toBe(0);
    expect(await readFile(seen, "utf8")).toBe(cp.note.endsWith("\n") ? cp.note : `${cp.note}\n`);

    // Grow the log, checkpoint again: the old note must be a prefix (RFC 9162 §2.1.4).
    const more = join(tmp, "more.jsonld");
    await writeFile(
      more,
      doc([
        {
          type: "ObjectEvent",
          action: "OBSERVE",
          bizStep: "inspecting",
          epcList: [U(3)],
          ...at("2024-03-05T08:00:00Z", FARM),
        },
      ]),
    );
    expect((await runCli(["capture", more, "--core", addr, "--token", farmToken])).code).toBe(0);
    const cp2 = await core.ledger.signCheckpointNow();
    const r2 = await runCli(["verify", "--core", addr, "--key", vkeyFile, "--seen", seen]);
    expect(r2.out).toBe(`OK size 10 root ${Buffer.from(cp2.rootHash).toString("hex")}\n`);
    expect(r2.code).toBe(0);
    const { splitNotes } = await import("./verify.ts");
    expect(splitNotes(await readFile(seen, "utf8"))).toEqual(
      [cp.note, cp2.note].map((n) => (n.endsWith("\n") ? n : `${n}\n`)),
    );
  });

  it("a wrong key: VERIFY_BAD_SIGNATURE, exit 1", async () => {
    const { generateNoteKey } = await import("@suyuan/proto");
    const other = generateNoteKey("suyuan.core").verifierKey;
    const r = await runCli(["verify", "--core", addr, "--key", other]);
    expect(r.code).toBe(1);
    expect(r.out).toMatch(/^FAIL VERIFY_BAD_SIGNATURE: /);
  });
});
