// suyuan's JSON API against a real core: chains with proofs that verify with only the core's
// key (RFC 9162 inclusion + C2SP checkpoint signature), warnings, the public view, recalls,
// recall scope and CSV, checkpoints and proofs, master data and roles.
import {
  leafHash,
  nodeHash,
  openCheckpoint,
  parseCode,
  parseVerifierKey,
  verifyConsistency,
  verifyInclusion,
} from "@suyuan/proto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { csvField, holdersCsv } from "./api.ts";
import { type HttpFixture, httpFixture, waitForJob } from "./test-fixture.ts";
import { gs1Date } from "./warnings.ts";

const S1 = "urn:epc:id:sgtin:4012345.012345.1001"; // drug unit with every warning
const S9 = "urn:epc:id:sgtin:4012345.054321.9001"; // food unit, clean
const GTIN_DRUG = parseCode(S1).canonical.replace(/\/21\/.*$/, "");
const GTIN_FOOD = parseCode(S9).canonical.replace(/\/21\/.*$/, "");
const SITE = "urn:epc:id:sgln:4012345.00001.0";
const SHOP = "urn:epc:id:sgln:4012345.00004.0";
const PARTY = "urn:epc:id:pgln:4012345.00001";

const base = { eventTimeZoneOffset: "+00:00" };
const JSON_CT = { "content-type": "application/json" };
const at = (id: string) => ({ readPoint: { id }, bizLocation: { id } });
const receivingS1 = {
  type: "ObjectEvent",
  eventTime: "2024-03-01T09:00:00.000Z",
  ...base,
  epcList: [S1],
  action: "OBSERVE",
  bizStep: "receiving",
  disposition: "in_progress",
  ...at(SHOP),
};
const EVENTS = [
  {
    type: "ObjectEvent",
    eventTime: "2024-01-01T08:00:00.000Z",
    ...base,
    epcList: [S1],
    action: "ADD",
    bizStep: "commissioning",
    disposition: "active",
    ...at(SITE),
    ilmd: { "cbvmda:itemExpirationDate": "2024-06-30" },
  },
  {
    type: "ObjectEvent",
    eventTime: "2024-02-01T08:00:00.000Z",
    ...base,
    epcList: [S1],
    action: "OBSERVE",
    bizStep: "storing",
    ...at(SITE),
    sensorElementList: [
      {
        sensorMetadata: { time: "2024-02-01T08:00:00.000Z" },
        sensorReport: [
          { type: "gs1:Temperature", value: 4.5, uom: "CEL" },
          { type: "gs1:Temperature", value: 12, uom: "CEL" },
        ],
      },
    ],
  },
  receivingS1,
  // The receiving event declared erroneous (EPCIS 2.0 §7.4.1.2: the same event + declaration).
  { ...receivingS1, errorDeclaration: { declarationTime: "2024-03-02T00:00:00.000Z", reason: "incorrect_data" } },
  ...["2024-04-01T10:00:00.000Z", "2024-04-02T10:00:00.000Z"].map((t) => ({
    type: "ObjectEvent",
    eventTime: t,
    ...base,
    epcList: [S1],
    action: "OBSERVE",
    bizStep: "retail_selling",
    disposition: "retail_sold",
    ...at(SHOP),
  })),
  {
    type: "ObjectEvent",
    eventTime: "2024-01-05T08:00:00.000Z",
    ...base,
    epcList: [S9],
    action: "ADD",
    bizStep: "commissioning",
    disposition: "active",
    ...at(SITE),
    ilmd: { "cbvmda:itemExpirationDate": "2030-01-31" },
    sensorElementList: [{ sensorReport: [{ type: "gs1:Temperature", value: 15, uom: "CEL" }] }],
  },
];

let f: HttpFixture;

interface Chain {
  canonical: string;
  kind: string;
  steps: Array<{
    eventId: string;
    bizStep?: string;
    location?: { id: string; name?: string };
    party?: { id: string; name?: string };
    proof: { logIndex: number; checkpointSize: number; included: boolean; record?: string; inclusionProof?: string[] };
  }>;
  checkpoint: { origin: string; size: number; rootHash: string; note: string };
  warnings: Array<{ kind: string; [k: string]: unknown }>;
}

beforeAll(async () => {
  f = await httpFixture({ start: "2025-03-01T00:00:00.000Z" });
  await f.core.master.putParty({ id: PARTY, name: "Acme Pharma" });
  await f.core.master.putLocation({ id: SITE, name: "Acme plant", party: PARTY });
  await f.core.master.putLocation({ id: SHOP, name: "Corner pharmacy", party: PARTY });
  await f.core.master.putProduct({ id: GTIN_DRUG, name: "Vaccine X", category: "drug" });
  await f.core.master.putProduct({ id: GTIN_FOOD, name: "Rice", category: "food" });
  const r = await f.call("/capture", {
    method: "POST",
    as: "admin",
    headers: { "content-type": "application/ld+json" },
    body: JSON.stringify({
      "@context": ["https://ref.gs1.org/standards/epcis/2.0.0/epcis-context.jsonld"],
      type: "EPCISDocument",
      schemaVersion: "2.0",
      creationDate: "2025-01-01T00:00:00.000Z",
      epcisBody: { eventList: EVENTS },
    }),
  });
  expect(r.status, await r.clone().text()).toBe(202);
  const job = await waitForJob(f, r.headers.get("location")!);
  expect(job.errors).toEqual([]);
  await f.core.ledger.signCheckpointNow();
});

afterAll(async () => {
  await f?.close();
});

async function chain(code: string, query = "", as: "inspector" | "admin" = "inspector"): Promise<Chain> {
  const r = await f.call(`/api/v1/chain?code=${encodeURIComponent(code)}${query}`, { as });
  expect(r.status, await r.clone().text()).toBe(200);
  return (await r.json()) as Chain;
}

describe("GET /api/v1/chain", () => {
  it("with proofs=1, every step verifies against the signed checkpoint with only the core's key", async () => {
    const c = await chain(S1, "&proofs=1");
    expect(c.canonical).toBe(parseCode(S1).canonical);
    expect(c.steps.length).toBe(5);
    const keyRes = await f.call("/api/v1/checkpoint/key");
    const { verifierKey, origin } = (await keyRes.json()) as { verifierKey: string; origin: string };
    expect(origin).toBe(c.checkpoint.origin);
    const opened = openCheckpoint(c.checkpoint.note, [parseVerifierKey(verifierKey)]);
    expect(opened.verified.length).toBeGreaterThan(0);
    expect(opened.size).toBe(c.checkpoint.size);
    const root = Buffer.from(c.checkpoint.rootHash, "base64");
    expect(Buffer.from(opened.rootHash).equals(root)).toBe(true);
    for (const s of c.steps) {
      expect(s.proof.included).toBe(true);
      const record = Buffer.from(s.proof.record!, "base64");
      const proof = s.proof.inclusionProof!.map((h) => Buffer.from(h, "base64"));
      expect(verifyInclusion(leafHash(record), s.proof.logIndex, c.checkpoint.size, proof, root)).toBe(true);
      // The record is the stored event: its hash ID is the step's.
      expect(JSON.parse(record.toString("utf8")).hashId).toBe(s.eventId);
      // A tampered record does not verify.
      const bad = Buffer.from(record);
      bad[bad.length - 2] = bad[bad.length - 2]! ^ 1;
      expect(verifyInclusion(leafHash(bad), s.proof.logIndex, c.checkpoint.size, proof, root)).toBe(false);
    }
  });

  it("without proofs carries no record bytes", async () => {
    const c = await chain(S1);
    expect(c.steps.every((s) => s.proof.record === undefined && s.proof.inclusionProof === undefined)).toBe(true);
    const site = c.steps[0]!;
    expect(site.location).toEqual({ id: parseCode(SITE).canonical, name: "Acme plant" });
    expect(site.party).toEqual({ id: parseCode(PARTY).canonical, name: "Acme Pharma" });
  });

  it("warns: expired, temperature excursion (drug: 2–8 °C), sold twice, declared erroneous", async () => {
    const c = await chain(S1);
    const kinds = c.warnings.map((w) => w.kind).sort();
    expect(kinds).toEqual(["declared-erroneous", "expired", "sold-twice", "temperature-excursion"]);
    expect(c.warnings.find((w) => w.kind === "expired")).toMatchObject({ expiry: "2024-06-30", source: "ilmd" });
    expect(c.warnings.find((w) => w.kind === "sold-twice")).toMatchObject({ count: 2 });
    expect(c.warnings.find((w) => w.kind === "temperature-excursion")).toMatchObject({
      max: 12,
      allowed: { min: 2, max: 8, source: "default-cold-chain" },
    });
    expect(c.warnings.find((w) => w.kind === "declared-erroneous")).toMatchObject({ reason: "incorrect_data" });
  });

  it("a clean food unit without a storage range has no warnings", async () => {
    expect((await chain(S9)).warnings).toEqual([]);
  });

  it("uses the product's own storage range when master data has one", async () => {
    await f.core.master.putProduct({
      id: GTIN_FOOD,
      name: "Rice",
      category: "food",
      storageTemperature: { minCelsius: -20, maxCelsius: 10 },
    });
    try {
      const w = (await chain(S9)).warnings;
      expect(w).toHaveLength(1);
      expect(w[0]).toMatchObject({
        kind: "temperature-excursion",
        max: 15,
        allowed: { min: -20, max: 10, source: "product" },
      });
    } finally {
      await f.core.master.putProduct({ id: GTIN_FOOD, name: "Rice", category: "food" });
    }
  });

  it("carries the product of the unit's GTIN with its storage range in °C (CEL)", async () => {
    const plain = (await chain(S9)) as Chain & { product?: Record<string, unknown> };
    // Master data has no range for Rice yet: no storageTemperature at all.
    expect(plain.product).toEqual({ id: GTIN_FOOD, name: "Rice", category: "food" });
    await f.core.master.putProduct({ id: GTIN_FOOD, name: "Rice", category: "food", storageTemperature: { min: 2 } });
    try {
      const lower = (await chain(S9)) as Chain & { product?: Record<string, unknown> };
      expect(lower.product).toEqual({
        id: GTIN_FOOD,
        name: "Rice",
        category: "food",
        storageTemperature: { min: 2, uom: "CEL" },
      });
      await f.core.master.putProduct({
        id: GTIN_FOOD,
        name: "Rice",
        category: "food",
        storageTemperature: { minCelsius: -20, maxCelsius: 10 },
      });
      // Any code form of the unit names the same GTIN.
      const c = (await chain("(01)04012345543216(21)9001")) as Chain & { product?: Record<string, unknown> };
      expect(c.product).toEqual({
        id: "https://id.gs1.org/01/04012345543216",
        name: "Rice",
        category: "food",
        storageTemperature: { min: -20, max: 10, uom: "CEL" },
      });
    } finally {
      await f.core.master.putProduct({ id: GTIN_FOOD, name: "Rice", category: "food" });
    }
  });

  it("warns expired from AI (17) in the code itself", async () => {
    // GS1 element string with AI (17) 240131: 31 January 2024, past on 1 March 2025.
    const c = await chain("(01)04012345543216(17)240131(21)9001");
    expect(c.canonical).toBe(parseCode(S9).canonical);
    expect(c.warnings).toContainEqual({ kind: "expired", expiry: "2024-01-31", source: "ai17" });
  });

  it("needs a token and a code; an unknown code has an empty chain", async () => {
    const anon = await f.call(`/api/v1/chain?code=${encodeURIComponent(S1)}`);
    expect(anon.status).toBe(401);
    const missing = await f.call("/api/v1/chain", { as: "inspector" });
    expect(missing.status).toBe(400);
    expect(await missing.json()).toMatchObject({ code: "HTTP_BAD_REQUEST", field: "code" });
    // A code no event names (the engine keeps non-GS1 identifiers as written): an empty chain.
    const unknown = await chain("urn:example:nothing");
    expect(unknown.steps).toEqual([]);
    const pub = (await (await f.call("/api/v1/public/chain?code=urn:example:nothing")).json()) as { status: string };
    expect(pub.status).toBe("unknown");
  });
});

describe("recall scope", () => {
  it("answers the closure with holders, and the holders as CSV", async () => {
    const r = await f.call(`/api/v1/recall-scope?id=${encodeURIComponent(S9)}`, { as: "recall_officer" });
    expect(r.status).toBe(200);
    const a = (await r.json()) as { units: Array<{ id: string }>; holders: Array<{ location: string; units: number }> };
    expect(a.units.map((u) => u.id)).toEqual([parseCode(S9).canonical]);
    expect(a.holders).toEqual([expect.objectContaining({ location: parseCode(SITE).canonical, units: 1 })]);
    const csv = await f.call(`/api/v1/recall-scope.csv?id=${encodeURIComponent(S9)}`, { as: "recall_officer" });
    expect(csv.headers.get("content-type")).toMatch(/^text\/csv/);
    const text = await csv.text();
    const lines = text.trimEnd().split("\r\n");
    expect(lines[0]).toBe("location,location_name,party,party_name,units");
    expect(lines[1]).toBe(`${parseCode(SITE).canonical},Acme plant,${parseCode(PARTY).canonical},Acme Pharma,1`);
    const none = await f.call("/api/v1/recall-scope", { as: "recall_officer" });
    expect(none.status).toBe(400);
    const pub = await f.call(`/api/v1/recall-scope?id=${encodeURIComponent(S9)}`);
    expect(pub.status).toBe(401);
  });

  it("CSV fields are quoted (RFC 4180) and formulas defused", () => {
    expect(csvField('a,"b"')).toBe('"a,""b"""');
    expect(csvField("=HYPERLINK(1)")).toBe("'=HYPERLINK(1)");
    expect(csvField("line\nbreak")).toBe('"line\nbreak"');
    expect(
      holdersCsv({
        holders: [{ location: "L", party: "P", partyName: "-x", units: 2 }],
      } as never),
    ).toBe("location,location_name,party,party_name,units\r\nL,,P,'-x,2\r\n");
  });
});

describe("recalls", () => {
  let recallId: string;

  it("issues a recall (recall officer), lists it, reports status", async () => {
    const denied = await f.call("/api/v1/recalls", {
      method: "POST",
      as: "inspector",
      body: JSON.stringify({ identifiers: [S1], reason: "potency", class: "I" }),
    });
    expect(denied.status).toBe(403);
    const r = await f.call("/api/v1/recalls", {
      method: "POST",
      as: "recall_officer",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ identifiers: [S1], reason: "potency below label claim", class: "I" }),
    });
    expect(r.status, await r.clone().text()).toBe(201);
    const rec = (await r.json()) as { id: string; recallClass: string; identifiers: string[] };
    expect(rec.recallClass).toBe("I");
    expect(rec.identifiers).toEqual([parseCode(S1).canonical]);
    expect(r.headers.get("location")).toBe(`/api/v1/recalls/${rec.id}`);
    recallId = rec.id;
    const list = (await (await f.call("/api/v1/recalls", { as: "inspector" })).json()) as {
      items: Array<{ id: string }>;
    };
    expect(list.items.map((x) => x.id)).toContain(recallId);
    const st = await f.call(`/api/v1/recalls/${recallId}`, { as: "recall_officer" });
    expect(st.status).toBe(200);
    expect(await st.json()).toMatchObject({ state: "open" });
    const none = await f.call("/api/v1/recalls/nope", { as: "recall_officer" });
    expect(none.status).toBe(404);
    expect(((await none.json()) as { code: string }).code).toBe("RECALL_NOT_FOUND");
  });

  it("bad recall input is a 400 problem naming the field", async () => {
    for (const [body, field] of [
      [{ identifiers: [S1], reason: "x", class: "IV" }, "class"],
      [{ identifiers: [S1], class: "I" }, "reason"],
      [{ identifiers: "S1", reason: "x", class: "I" }, "identifiers"],
    ] as const) {
      const r = await f.call("/api/v1/recalls", {
        method: "POST",
        as: "admin",
        body: JSON.stringify(body),
        headers: JSON_CT,
      });
      expect(r.status).toBe(400);
      expect(((await r.json()) as { field: string }).field).toBe(field);
    }
    const notJson = await f.call("/api/v1/recalls", { method: "POST", as: "admin", body: "{", headers: JSON_CT });
    expect(notJson.status).toBe(400);
    expect(((await notJson.json()) as { code: string }).code).toBe("HTTP_BAD_JSON");
  });

  it("the chain and the public view show the recall", async () => {
    const c = await chain(S1);
    expect(c.warnings.find((w) => w.kind === "recalled")).toMatchObject({ recallId, recallClass: "I" });
    const pub = await f.call(`/api/v1/public/chain?code=${encodeURIComponent(S1)}`);
    expect(pub.status).toBe(200);
    const p = (await pub.json()) as Record<string, unknown>;
    expect(p).toMatchObject({
      product: { name: "Vaccine X", category: "drug" },
      canonical: parseCode(S1).canonical,
      status: "recalled",
      origin: { location: "Acme plant", party: "Acme Pharma", date: "2024-01-01T08:00:00.000Z" },
      keyDates: { produced: "2024-01-01T08:00:00.000Z", expiry: "2024-06-30", sold: "2024-04-01T10:00:00.000Z" },
    });
    // No party-private fields or proof bytes in the public view.
    const text = JSON.stringify(p);
    for (const k of ["bizTransactions", "record", "inclusionProof", "source", "destination", "warnings", 'party":{']) {
      expect(text).not.toContain(k);
    }
  });

  it("the public view of a clean unit says genuine", async () => {
    const p = (await (await f.call(`/api/v1/public/chain?code=${encodeURIComponent(S9)}`)).json()) as {
      status: string;
      steps: Array<{ location: string | null }>;
    };
    expect(p.status).toBe("genuine");
    expect(p.steps).toEqual([
      { eventTime: "2024-01-05T08:00:00.000Z", bizStep: "commissioning", location: "Acme plant" },
    ]);
  });

  it("acknowledges for a holder (admin naming the party); refuses a text/plain body", async () => {
    const r0 = await f.call("/api/v1/recalls", {
      method: "POST",
      as: "admin",
      headers: JSON_CT,
      body: JSON.stringify({ identifiers: [S9], reason: "foreign matter", class: "II" }),
    });
    expect(r0.status).toBe(201);
    const rec = (await r0.json()) as {
      id: string;
      holders: Array<{ location?: string; party?: string; units: number }>;
    };
    expect(rec.holders).toEqual([
      expect.objectContaining({ location: parseCode(SITE).canonical, party: parseCode(PARTY).canonical, units: 1 }),
    ]);
    const plain = await f.call(`/api/v1/recalls/${rec.id}/ack`, {
      method: "POST",
      as: "admin",
      body: JSON.stringify({ party: PARTY }),
    });
    expect(plain.status).toBe(415);
    const r = await f.call(`/api/v1/recalls/${rec.id}/ack`, {
      method: "POST",
      as: "admin",
      headers: JSON_CT,
      body: JSON.stringify({ party: PARTY, note: "quarantined" }),
    });
    expect(r.status, await r.clone().text()).toBe(200);
    expect(await r.json()).toEqual({ recallId: rec.id, acknowledgedAt: "2025-03-01T00:00:00.000Z" });
    const after = (await (await f.call(`/api/v1/recalls/${rec.id}`, { as: "admin" })).json()) as {
      state: string;
      holdersAcknowledged: number;
    };
    expect(after).toMatchObject({ state: "acknowledged", holdersAcknowledged: 1 });
  });
});

describe("traces", () => {
  it("answers backward and forward traces; depth is bounded", async () => {
    const b = await f.call(`/api/v1/trace/backward?code=${encodeURIComponent(S1)}&depth=3`, { as: "inspector" });
    expect(b.status).toBe(200);
    expect(await b.json()).toMatchObject({ root: parseCode(S1).canonical, direction: "backward", depth: 3 });
    const fw = await f.call(`/api/v1/trace/forward?code=${encodeURIComponent(S1)}`, { as: "inspector" });
    expect(await fw.json()).toMatchObject({ direction: "forward" });
    const deep = await f.call(`/api/v1/trace/forward?code=${encodeURIComponent(S1)}&depth=999`, { as: "inspector" });
    expect(deep.status).toBe(400);
    expect(((await deep.json()) as { field: string }).field).toBe("depth");
  });
});

describe("checkpoint and proofs", () => {
  it("serves inclusion and consistency proofs that verify", async () => {
    await f.core.ledger.signCheckpointNow();
    const cp = (await (await f.call("/api/v1/checkpoint")).json()) as { size: number; rootHash: string };
    expect(cp.size).toBeGreaterThan(3);
    const entry = await f.core.store.getEntry(2);
    const inc = (await (await f.call(`/api/v1/proofs/inclusion?index=2&size=${cp.size}`)).json()) as {
      inclusionProof: string[];
    };
    const root = Buffer.from(cp.rootHash, "base64");
    expect(
      verifyInclusion(
        leafHash(entry!.record),
        2,
        cp.size,
        inc.inclusionProof.map((h) => Buffer.from(h, "base64")),
        root,
      ),
    ).toBe(true);
    // Consistency from an older tree: its root is the root over the first 3 leaves.
    const con = (await (await f.call(`/api/v1/proofs/consistency?from=3&to=${cp.size}`)).json()) as {
      consistencyProof: string[];
    };
    // RFC 9162 §2.1.1: MTH of 3 leaves = node(node(l0, l1), l2).
    const [l0, l1, l2] = await Promise.all(
      [0, 1, 2].map(async (i) => leafHash((await f.core.store.getEntry(i))!.record)),
    );
    const root3 = nodeHash(nodeHash(l0!, l1!), l2!);
    expect(
      verifyConsistency(
        3,
        cp.size,
        con.consistencyProof.map((h) => Buffer.from(h, "base64")),
        root3,
        root,
      ),
    ).toBe(true);
  });

  it("refuses sizes beyond the checkpoint and bad indexes", async () => {
    const cp = (await (await f.call("/api/v1/checkpoint")).json()) as { size: number };
    for (const [q, status] of [
      [`index=0&size=${cp.size + 1}`, 409],
      [`index=${cp.size}&size=${cp.size}`, 400],
      ["size=1", 400],
      ["index=-1", 400],
      ["index=abc", 400],
    ] as const) {
      const r = await f.call(`/api/v1/proofs/inclusion?${q}`);
      expect(r.status, q).toBe(status);
    }
    expect((await f.call("/api/v1/proofs/consistency?from=0")).status).toBe(400);
  });
});

describe("master data", () => {
  it("inspectors read, admins write, others are refused", async () => {
    const r = await f.call("/api/v1/master/locations", { as: "inspector" });
    expect(r.status).toBe(200);
    const names = ((await r.json()) as { items: Array<{ name: string }> }).items.map((l) => l.name);
    expect(names).toContain("Acme plant");
    const put = await f.call("/api/v1/master/parties", {
      method: "PUT",
      as: "admin",
      headers: JSON_CT,
      body: JSON.stringify({ items: [{ id: "urn:epc:id:pgln:4012345.00009", name: "New Co" }] }),
    });
    expect(put.status, await put.clone().text()).toBe(200);
    expect(f.core.master.getParty(parseCode("urn:epc:id:pgln:4012345.00009").canonical)?.name).toBe("New Co");
    const denied = await f.call("/api/v1/master/parties", {
      method: "PUT",
      as: "inspector",
      headers: JSON_CT,
      body: JSON.stringify({ id: "urn:epc:id:pgln:4012345.00008", name: "X" }),
    });
    expect(denied.status).toBe(403);
    const badInput = await f.call("/api/v1/master/products", {
      method: "PUT",
      as: "admin",
      headers: JSON_CT,
      body: JSON.stringify({ id: "nope", name: "X", category: "toys" }),
    });
    expect(badInput.status).toBe(400);
    expect(((await badInput.json()) as { code: string }).code).toMatch(/^MASTER_/);
    expect((await f.call("/api/v1/master/products")).status).toBe(401);
  });
});

describe("GS1 dates (General Specifications §7.12)", () => {
  it("picks the century within -49..+50 years and reads day 00 as the month's end", () => {
    const now = new Date("2025-03-01T00:00:00Z");
    expect(gs1Date("240131", now)).toBe("2024-01-31");
    expect(gs1Date("750101", now)).toBe("2075-01-01");
    expect(gs1Date("760101", now)).toBe("1976-01-01");
    expect(gs1Date("240200", now)).toBe("2024-02-29");
    expect(gs1Date("241301", now)).toBeUndefined();
    expect(gs1Date("240231", now)).toBeUndefined();
  });
});
