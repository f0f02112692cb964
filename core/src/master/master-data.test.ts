import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { generateGatewayKey, isSuyuanError, keyIdFor, parseEpcisDocument } from "@suyuan/proto";
import { afterEach, describe, expect, it } from "vitest";
import { REPO_ROOT, readConformanceText } from "../../../tests/shared.ts";
import { LevelStore } from "../store/level/level-store.ts";
import { MemoryStore } from "../store/memory/memory-store.ts";
import { MasterData } from "./master-data.ts";

// Canonical forms per the GS1 Digital Link standard (AI 417 party GLN, AI 414 location GLN,
// AI 254 GLN extension, AI 01 GTIN-14); check digits per GS1 GenSpecs §7.9.1.
const PARTY_A = "https://id.gs1.org/417/0614141000005"; // urn:epc:id:pgln:0614141.00000
const SITE_A = "https://id.gs1.org/414/0614141007776"; // urn:epc:id:sgln:0614141.00777.0
const DOCK_A = "https://id.gs1.org/414/0614141007776/254/dock1"; // urn:epc:id:sgln:0614141.00777.dock1
const GTIN = "https://id.gs1.org/01/10614141073464"; // urn:epc:id:sgtin:0614141.107346.*

async function fresh(now = () => new Date("2024-05-01T00:00:00Z")) {
  const store = new MemoryStore();
  await store.open();
  const md = new MasterData({ store, now });
  await md.open();
  return { store, md };
}

async function codeOf(p: Promise<unknown>): Promise<{ code: string; message: string; field?: string }> {
  try {
    await p;
  } catch (e) {
    if (isSuyuanError(e))
      return { code: e.code, message: e.message, ...(e.field === undefined ? {} : { field: e.field }) };
    throw e;
  }
  throw new Error("expected a rejection");
}

function rawKey() {
  const k = generateGatewayKey();
  return { b64: Buffer.from(k.publicKeyRaw).toString("base64"), keyId: k.keyId, raw: k.publicKeyRaw };
}

describe("MasterData: parties, locations, products", () => {
  it("stores parties under the canonical id whatever code form was given", async () => {
    const { md } = await fresh();
    const p = await md.putParty({
      id: "urn:epc:id:pgln:0614141.00000",
      name: "Example Corp",
      address: { countryCode: "CN", city: "上海市" },
      licences: [{ kind: "食品生产许可证", number: "SC123" }],
    });
    expect(p.id).toBe(PARTY_A);
    expect(md.getParty("(417)0614141000005")?.name).toBe("Example Corp");
    expect(md.getParty("0614141000005")?.id).toBe(PARTY_A);
    expect(md.party(PARTY_A)).toEqual({ id: PARTY_A, name: "Example Corp" });
    expect(md.listParties().map((x) => x.id)).toEqual([PARTY_A]);
  });

  it("keeps locations with owner and parent, and finds the party of sub-locations", async () => {
    const { md } = await fresh();
    await md.putParty({ id: PARTY_A, name: "A" });
    await md.putLocation({
      id: "urn:epc:id:sgln:0614141.00777.0",
      name: "Plant",
      party: "urn:epc:id:pgln:0614141.00000",
    });
    await md.putLocation({ id: "urn:epc:id:sgln:0614141.00777.dock1", name: "Dock 1", parent: SITE_A });
    expect(md.getLocation(DOCK_A)?.parent).toBe(SITE_A);
    // Via the parent chain, and via the GLN of an unregistered extension (CBV 2.0 §10.3).
    expect(md.partyOfLocation(DOCK_A)).toBe(PARTY_A);
    expect(md.partyOfLocation("urn:epc:id:sgln:0614141.00777.line9")).toBe(PARTY_A);
    expect(md.partyOfLocation("urn:epc:id:sgln:0614141.00888.0")).toBeUndefined();
    expect(md.location(DOCK_A)).toEqual({ id: DOCK_A, name: "Dock 1", party: PARTY_A });
    expect(md.listLocations({ party: "urn:epc:id:pgln:0614141.00000" }).map((l) => l.id)).toEqual([SITE_A]);
  });

  it("refuses a location of an unknown party or with a parent loop, naming the field", async () => {
    const { md } = await fresh();
    const e = await codeOf(md.putLocation({ id: SITE_A, name: "Plant", party: "urn:epc:id:pgln:0614141.00000" }));
    expect(e.code).toBe("MASTER_BAD_INPUT");
    expect(e.message).toBe(`MASTER_BAD_INPUT: location.party: unknown party ${PARTY_A}`);
    await md.putLocation({ id: SITE_A, name: "Plant" });
    await md.putLocation({ id: DOCK_A, name: "Dock", parent: SITE_A });
    const loop = await codeOf(md.putLocation({ id: SITE_A, name: "Plant", parent: DOCK_A }));
    expect(loop.field).toBe("location.parent");
    const bad = await codeOf(md.putLocation({ id: "urn:epc:id:sgtin:0614141.107346.1", name: "x" }));
    expect(bad).toMatchObject({ code: "MASTER_BAD_INPUT", field: "location.id" });
  });

  it("lists a location's direct children: by parent, and a site's sub-locations without one", async () => {
    const { md } = await fresh();
    const SHED = "https://id.gs1.org/414/0614141008889"; // urn:epc:id:sgln:0614141.00888.0
    const BAY = "https://id.gs1.org/414/0614141007776/254/bay2";
    const SHELF = "https://id.gs1.org/414/0614141007776/254/shelf7";
    expect(md.childLocations(SITE_A)).toEqual([]);
    await md.putLocation({ id: SITE_A, name: "Plant" });
    await md.putLocation({ id: "urn:epc:id:sgln:0614141.00888.0", name: "Shed", parent: SITE_A });
    await md.putLocation({ id: DOCK_A, name: "Dock", parent: SITE_A });
    await md.putLocation({ id: BAY, name: "Bay 2" }); // no parent: inside its GLN's site
    await md.putLocation({ id: SHELF, name: "Shelf 7", parent: DOCK_A });
    expect(md.childLocations(SITE_A)).toEqual([SHED, BAY, DOCK_A].sort());
    // Any code form; children of a child are not the site's direct children.
    expect(md.childLocations("urn:epc:id:sgln:0614141.00777.dock1")).toEqual([SHELF]);
    expect(md.childLocations(SHED)).toEqual([]);
    expect(md.childLocations("not a location")).toEqual([]);
    // A later write is seen (the tree is rebuilt per version of the locations).
    await md.putLocation({ id: SHED, name: "Shed" });
    expect(md.childLocations(SITE_A)).toEqual([BAY, DOCK_A].sort());
  });

  it("keys products by GTIN and answers for any code naming that GTIN", async () => {
    const { md } = await fresh();
    await md.putProduct({
      gtin: "10614141073464",
      name: "Amoxicillin 250 mg",
      category: "drug",
      approvalNumber: "国药准字H00000000",
      dosageForm: "capsule",
      storageTemperature: { min: 2, max: 8 },
    });
    const want = { id: GTIN, name: "Amoxicillin 250 mg", category: "drug" };
    expect(md.product(GTIN)).toEqual(want);
    expect(md.product("urn:epc:id:sgtin:0614141.107346.2017")).toEqual(want);
    expect(md.product("urn:epc:class:lgtin:0614141.107346.LOT9")).toEqual(want);
    expect(md.product("urn:epc:idpat:sgtin:0614141.107346.*")).toEqual(want);
    expect(md.getProduct("(01)10614141073464(21)X")?.storageTemperature).toEqual({ minCelsius: 2, maxCelsius: 8 });
    expect(md.listProducts({ category: "food" })).toEqual([]);
    const e = await codeOf(md.putProduct({ gtin: "10614141073464", name: "x", category: "toy" }));
    expect(e).toMatchObject({ code: "MASTER_BAD_INPUT", field: "product.category" });
    const t = await codeOf(
      md.putProduct({ gtin: "10614141073464", name: "x", category: "food", storageTemperature: { min: 9, max: 2 } }),
    );
    expect(t.message).toContain("product.storageTemperature: min 9 must not exceed max 2");
  });
});

describe("MasterData: gateway enrolment, rotation, revocation", () => {
  it("enrols a gateway with a key whose id is derived from the key", async () => {
    const { md } = await fresh();
    await md.putParty({ id: PARTY_A, name: "A" });
    const k = rawKey();
    const g = await md.enrollGateway({
      gatewayId: "gw-1",
      party: "urn:epc:id:pgln:0614141.00000",
      allowedReadPoints: ["urn:epc:id:sgln:0614141.00777.dock1"],
      keys: [{ publicKey: k.b64 }],
    });
    expect(g.party).toBe(PARTY_A);
    expect(g.allowedReadPoints).toEqual([DOCK_A]);
    expect(g.keys).toHaveLength(1);
    expect(g.keys[0]).toMatchObject({ keyId: keyIdFor("ed25519", k.raw), status: "active", publicKey: k.b64 });
    expect(md.keyStatus("gw-1", k.keyId)?.status).toBe("active");
    expect(md.gateway("gw-1")?.gatewayId).toBe("gw-1");

    const again = await codeOf(
      md.enrollGateway({ gatewayId: "gw-1", party: PARTY_A, keys: [{ publicKey: rawKey().b64 }] }),
    );
    expect(again.code).toBe("MASTER_GATEWAY_EXISTS");
    const wrongId = await codeOf(
      md.enrollGateway({ gatewayId: "gw-2", party: PARTY_A, keys: [{ publicKey: k.b64, keyId: "0000000000000000" }] }),
    );
    expect(wrongId).toMatchObject({ code: "MASTER_BAD_INPUT", field: "gateway.keys[0].keyId" });
    const short = await codeOf(md.enrollGateway({ gatewayId: "gw-2", party: PARTY_A, keys: [{ publicKey: "AAAA" }] }));
    expect(short.field).toBe("gateway.keys[0].publicKey");
    const noParty = await codeOf(
      md.enrollGateway({
        gatewayId: "gw-3",
        party: "urn:epc:id:pgln:0614141.11111",
        keys: [{ publicKey: rawKey().b64 }],
      }),
    );
    expect(noParty.message).toContain("gateway.party: unknown party");
  });

  it("rotation keeps the old key valid (retired) until it is revoked; revocation is recorded", async () => {
    let t = Date.parse("2024-05-01T00:00:00Z");
    const { md } = await fresh(() => new Date(t));
    await md.putParty({ id: PARTY_A, name: "A" });
    const k1 = rawKey();
    const k2 = rawKey();
    await md.enrollGateway({ gatewayId: "gw-1", party: PARTY_A, keys: [{ publicKey: k1.b64 }] });
    t += 60_000;
    const rotated = await md.rotateGatewayKey("gw-1", { publicKey: k2.b64 });
    expect(rotated.keys.map((k) => [k.keyId, k.status])).toEqual([
      [k1.keyId, "active"],
      [k2.keyId, "active"],
    ]);
    expect(md.keyStatus("gw-1", k1.keyId)?.retiredAt).toBe("2024-05-01T00:01:00.000Z");
    expect((await codeOf(md.rotateGatewayKey("gw-1", { publicKey: k2.b64 }))).code).toBe("MASTER_KEY_EXISTS");

    t += 60_000;
    await md.revokeGatewayKey("gw-1", k1.keyId, { reason: "lost device" });
    expect(md.keyStatus("gw-1", k1.keyId)).toMatchObject({
      status: "revoked",
      revokedAt: "2024-05-01T00:02:00.000Z",
      revocationReason: "lost device",
    });
    expect(md.keyStatus("gw-1", k2.keyId)?.status).toBe("active");
    expect((await codeOf(md.revokeGatewayKey("gw-1", "feedfeedfeedfeed"))).code).toBe("MASTER_KEY_NOT_FOUND");
    expect((await codeOf(md.revokeGatewayKey("gw-9", k1.keyId))).code).toBe("MASTER_GATEWAY_NOT_FOUND");
    expect(md.keyStatus("gw-9", k1.keyId)).toBeUndefined();
  });
});

describe("MasterData: persistence", () => {
  let dir: string | undefined;
  afterEach(() => {
    if (dir !== undefined) rmSync(dir, { recursive: true, force: true });
    dir = undefined;
  });

  it("survives closing and reopening a LevelDB store", async () => {
    dir = mkdtempSync(join(tmpdir(), "suyuan-md-"));
    const k = rawKey();
    const s1 = new LevelStore(dir, { sync: false });
    await s1.open();
    const md1 = new MasterData({ store: s1 });
    await md1.open();
    await md1.putParty({ id: PARTY_A, name: "A" });
    await md1.putLocation({ id: SITE_A, name: "Plant", party: PARTY_A });
    await md1.putProduct({ gtin: "10614141073464", name: "P", category: "food" });
    await md1.enrollGateway({ gatewayId: "gw-1", party: PARTY_A, keys: [{ publicKey: k.b64 }] });
    await md1.revokeGatewayKey("gw-1", k.keyId);
    await s1.close();

    const s2 = new LevelStore(dir, { sync: false });
    await s2.open();
    const md2 = new MasterData({ store: s2 });
    await md2.open();
    expect(md2.party(PARTY_A)?.name).toBe("A");
    expect(md2.partyOfLocation(SITE_A)).toBe(PARTY_A);
    expect(md2.product(GTIN)?.category).toBe("food");
    expect(md2.keyStatus("gw-1", k.keyId)?.status).toBe("revoked");
    await s2.close();
  });

  it("leaves memory unchanged when the store write fails", async () => {
    const { store, md } = await fresh();
    await md.putParty({ id: PARTY_A, name: "A" });
    await store.close();
    const e = await codeOf(md.putParty({ id: PARTY_A, name: "B" }));
    expect(e.code).toBe("STORE_CLOSED");
    expect(md.party(PARTY_A)?.name).toBe("A");
  });
});

describe("MasterData: import file", () => {
  it("imports the example file (YAML) with food and drug data", async () => {
    const { md } = await fresh();
    const text = readFileSync(join(REPO_ROOT, "deploy/master-data.example.yaml"), "utf8");
    const summary = await md.importMasterData(text, "yaml");
    expect(summary).toEqual({ parties: 3, locations: 5, products: 4, gateways: 2 });
    expect(md.listProducts({ category: "drug" })).toHaveLength(2);
    expect(md.listProducts({ category: "food" })).toHaveLength(2);
    expect(md.product("(01)06959876200028")).toMatchObject({ category: "drug" });
    expect(md.getProduct("06959876200028")?.storageTemperature).toEqual({ minCelsius: 2, maxCelsius: 8 });
    // A packing line inside the orchard site belongs to the site's party.
    expect(md.partyOfLocation("urn:epc:id:sgln:6901234.00001.1")).toBe("https://id.gs1.org/417/6901234000009");
    expect(md.gateway("gw-sanya-pack-1")?.keys[0]?.status).toBe("active");
    // Importing again is idempotent.
    await md.importMasterData(text, "yaml");
    expect(md.listParties()).toHaveLength(3);
    expect(md.gateway("gw-sanya-pack-1")?.keys).toHaveLength(1);
  });

  it("names the path and the rule of an unknown reference, and stores nothing", async () => {
    const { md } = await fresh();
    const doc = {
      parties: [{ id: "urn:epc:id:pgln:0614141.00000", name: "A" }],
      locations: [
        { id: "urn:epc:id:sgln:0614141.00777.0", name: "L0", party: "urn:epc:id:pgln:0614141.00000" },
        { id: "urn:epc:id:sgln:0614141.00777.1", name: "L1" },
        { id: "urn:epc:id:sgln:0614141.00777.2", name: "L2" },
        { id: "urn:epc:id:sgln:0614141.00777.3", name: "L3", party: "urn:epc:id:pgln:0614141.11111" },
      ],
    };
    const e = await codeOf(md.importMasterData(JSON.stringify(doc), "json"));
    expect(e.code).toBe("MASTER_BAD_IMPORT");
    // PGLN 0614141.11111 → GLN 061414111111 + check digit 4 (GenSpecs §7.9.1).
    expect(e.message).toBe("MASTER_BAD_IMPORT: locations[3].party: unknown party https://id.gs1.org/417/0614141111114");
    expect(md.listParties()).toEqual([]);
    expect(md.listLocations()).toEqual([]);
  });

  it("collects every shape problem with its path", async () => {
    const { md } = await fresh();
    const yaml = [
      "parties:",
      "  - id: urn:epc:id:pgln:0614141.00000",
      "    nmae: typo",
      "products:",
      "  - gtin: '10614141073465'", // wrong check digit
      "    name: P",
      "    category: food",
      "colours: []",
    ].join("\n");
    try {
      await md.importMasterData(yaml, "yaml");
      expect.unreachable();
    } catch (e) {
      if (!isSuyuanError(e)) throw e;
      expect(e.code).toBe("MASTER_BAD_IMPORT");
      const problems = ((e.detail?.problems ?? []) as Array<{ path: string; rule: string }>).map((p) => p.path).sort();
      expect(problems).toEqual(["colours", "parties[0].name", "parties[0].nmae", "products[0].gtin"]);
    }
  });

  it("reports YAML syntax errors and duplicate ids", async () => {
    const { md } = await fresh();
    const syntax = await codeOf(md.importMasterData("parties: [ {id: x", "yaml"));
    expect(syntax.message).toMatch(/^MASTER_BAD_IMPORT: \(file\): not valid YAML/);
    const dup = await codeOf(
      md.importMasterData(
        JSON.stringify({
          parties: [
            { id: "urn:epc:id:pgln:0614141.00000", name: "A" },
            { id: "(417)0614141000005", name: "A again" },
          ],
        }),
        "json",
      ),
    );
    expect(dup.message).toContain(
      "parties[1].id: party https://id.gs1.org/417/0614141000005 is listed twice (first at parties[0].id)",
    );
  });
});

describe("MasterData: EPCIS master data (vocabularies of captured documents)", () => {
  it("CBV 2.0 example 11.4: sub-site read points get their site as parent and its party", async () => {
    const { md } = await fresh();
    const doc = parseEpcisDocument(readConformanceText("epcis-examples/gs1-epcis/XML/CBV/CBV-11.4-2020-06-16a.xml"));
    const summary = await md.applyEpcisMasterData(doc.vocabularies);
    expect(summary.locations).toBe(3);
    // The `site` attribute value 0614141003006 is the GLN of urn:epc:id:sgln:0614141.00300.0.
    const site = "https://id.gs1.org/414/0614141003006";
    const line1 = md.getLocation("urn:epc:id:sgln:0614141.00300.1");
    expect(line1).toMatchObject({ id: `${site}/254/1`, name: "Line #1 at Manufacturing Plant 1", parent: site });
    expect(md.getLocation("urn:epc:id:sgln:0614141.00300.2")?.name).toBe("Line #2 at Manufacturing Plant 1");
    await md.putParty({ id: PARTY_A, name: "A" });
    await md.putLocation({ id: site, name: "Manufacturing Plant 1", party: PARTY_A });
    expect(md.partyOfLocation(`${site}/254/2`)).toBe(PARTY_A);
  });

  it("WD_bizLocation children become locations inside their parent", async () => {
    const { md } = await fresh();
    const doc = parseEpcisDocument(
      readConformanceText(
        "epcis-examples/gs1-epcis/XML/WithFullCombinationOfFields/masterdata_all_possible_fields.xml",
      ),
    );
    await md.applyEpcisMasterData(doc.vocabularies);
    const child = md.getLocation("urn:epc:id:sgln:0037000.00729.8201");
    expect(child?.parent).toBe(md.getLocation("urn:epc:id:sgln:0037000.00729.0")?.id);
  });

  it("a DSCSA document's Location and EPCClass master data give named locations and drug products", async () => {
    const { md } = await fresh();
    const doc = parseEpcisDocument(
      readConformanceText("epcis-examples/openepcis/1.2/EPCIS/XML/Capture/Documents/GS1_US_Pharma_Example_2_2_1_1.xml"),
    );
    const summary = await md.applyEpcisMasterData(doc.vocabularies);
    expect(summary).toMatchObject({ locations: 4, products: 2 });
    // urn:epc:id:sgln:030001.111111.0 → GLN 030001111111 + check digit 6.
    const mfg = md.getLocation("https://id.gs1.org/414/0300011111116");
    expect(mfg).toMatchObject({
      name: "GS1 Pharma",
      address: {
        street: "1 Biopharm Ct, Suite A",
        city: "Thousand Oaks",
        province: "CA",
        postalCode: "91320",
        countryCode: "US",
      },
    });
    // urn:epc:idpat:sgtin:030001.0012345.* → GTIN 0 030001 012345 + check digit 5.
    const p = md.getProduct("https://id.gs1.org/01/00300010123455");
    expect(p).toMatchObject({ name: "Epcistra", category: "drug", dosageForm: "PILL" });
    expect(p?.attributes.strengthDescription).toBe("100mg");
    // An admin-set category is not overwritten by later documents.
    await md.putProduct({ gtin: "00300010123455", name: "Epcistra", category: "food" });
    await md.applyEpcisMasterData(doc.vocabularies);
    expect(md.product("https://id.gs1.org/01/00300010123455")?.category).toBe("food");
  });

  it("reports elements it cannot use instead of failing", async () => {
    const { md } = await fresh();
    const summary = await md.applyEpcisMasterData([
      { type: "urn:epcglobal:epcis:vtype:BusinessLocation", elements: [{ id: "not-a-code", attributes: [] }] },
      {
        type: "urn:epcglobal:epcis:vtype:Party",
        elements: [
          { id: "urn:epc:id:pgln:0614141.00000", attributes: [{ id: "urn:epcglobal:cbv:mda#name", value: "Acme" }] },
        ],
      },
      { type: "urn:epcglobal:epcis:vtype:Disposition", elements: [{ id: "urn:x", attributes: [] }] },
    ]);
    expect(summary.parties).toBe(1);
    expect(summary.ignored.map((i) => i.id)).toEqual(["not-a-code", "urn:x"]);
    expect(md.party(PARTY_A)?.name).toBe("Acme");
  });
});
