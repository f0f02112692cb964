import { eventHash, parseEpcisDocument } from "@suyuan/proto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { chainJsonLd } from "./chain-jsonld.ts";
import { ID, type Seeded, seedCore } from "./test-fixture.ts";

let s: Seeded;
beforeAll(async () => {
  s = await seedCore();
});
afterAll(async () => {
  await s.core.stop();
});

describe("chain as EPCIS 2.0 JSON-LD", () => {
  it("re-parses and validates; events once each, in time order, hashing to the chain's event IDs", async () => {
    const text = await chainJsonLd(s.core, ID.C1);
    const doc = parseEpcisDocument(text, { format: "jsonld" }); // validate: EPCIS 2.0 / CBV 2.0 rules
    expect(doc.kind).toBe("EPCISDocument");
    expect(doc.schemaVersion).toBe("2.0");
    const chain = await s.core.query.getChain(ID.C1);
    expect(doc.events).toHaveLength(6);
    // CBV 2.0 §8.9: eventID and recordTime are outside the hash, so the exported events hash
    // to the IDs the ledger holds.
    expect(doc.events.map((e) => eventHash(e))).toEqual(chain.steps.map((st) => st.eventId));
    expect(doc.events.map((e) => e.eventID)).toEqual(chain.steps.map((st) => st.eventId));
    const times = doc.events.map((e) => Date.parse(e.eventTime));
    expect([...times].sort((a, b) => a - b)).toEqual(times);
    expect(doc.events.every((e) => typeof e.recordTime === "string")).toBe(true);
    expect(JSON.parse(text)["@context"]).toBeDefined();
  });
});
