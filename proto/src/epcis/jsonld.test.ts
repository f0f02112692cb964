import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { normaliseDocument } from "./compare.ts";
import { parseEpcisJsonLd, writeEpcisJsonLd, writeEpcisJsonLdObject } from "./jsonld.ts";
import type { EpcisDocument, ExtensionElement } from "./model.ts";

const CTX = "https://ref.gs1.org/standards/epcis/2.0.0/epcis-context.jsonld";
const event = (extra: Record<string, unknown> = {}) => ({
  type: "ObjectEvent",
  eventTime: "2005-04-03T20:33:31.116-06:00",
  eventTimeZoneOffset: "-06:00",
  action: "ADD",
  epcList: ["urn:epc:id:sgtin:0614141.107346.2017"],
  ...extra,
});
const docOf = (events: unknown[], context: unknown = [CTX, { ex: "http://ns.example.com/epcis/" }]) => ({
  "@context": context,
  type: "EPCISDocument",
  schemaVersion: "2.0",
  creationDate: "2005-07-11T11:30:47.0Z",
  epcisBody: { eventList: events },
});

function parseError(input: unknown): { code: string; field?: string } {
  try {
    parseEpcisJsonLd(input as object);
  } catch (e) {
    return e as { code: string; field?: string };
  }
  throw new Error("expected a parse error");
}

describe("parseEpcisJsonLd", () => {
  it("resolves extension prefixes from the @context (EPCIS 2.0 §9.3)", () => {
    const doc = parseEpcisJsonLd(
      docOf([
        event({
          "ex:myField": "v",
          "cbvmda:ignored": 1,
          ilmd: { "cbvmda:lotNumber": "LOT1", "ex:list": [1, { "ex:a": true }] },
          readPoint: { id: "urn:epc:id:sgln:0614141.07346.1234", "ex:door": "3" },
        }),
      ]),
    );
    const ev = doc.events[0]!;
    expect(ev.extensions).toEqual([
      { ns: "http://ns.example.com/epcis/", name: "myField", prefix: "ex", value: "v" },
      { ns: "urn:epcglobal:cbv:mda:", name: "ignored", prefix: "cbvmda", value: 1 },
    ]);
    expect(ev.ilmd).toEqual([
      { ns: "urn:epcglobal:cbv:mda:", name: "lotNumber", prefix: "cbvmda", value: "LOT1" },
      { ns: "http://ns.example.com/epcis/", name: "list", prefix: "ex", value: 1, inArray: true },
      {
        ns: "http://ns.example.com/epcis/",
        name: "list",
        prefix: "ex",
        inArray: true,
        children: [{ ns: "http://ns.example.com/epcis/", name: "a", prefix: "ex", value: true }],
      },
    ]);
    expect(ev.readPoint?.extensions).toEqual([
      { ns: "http://ns.example.com/epcis/", name: "door", prefix: "ex", value: "3" },
    ]);
    expect(doc.namespaces).toEqual({ ex: "http://ns.example.com/epcis/" });
  });

  it("applies an event-level @context and a string context", () => {
    const doc = parseEpcisJsonLd(docOf([event({ "@context": { e2: "http://e2.example/" }, "e2:x": "y" })], CTX));
    expect(doc.events[0]!.extensions).toEqual([{ ns: "http://e2.example/", name: "x", prefix: "e2", value: "y" }]);
  });

  it("reads query documents and keeps unknown document fields", () => {
    const doc = parseEpcisJsonLd({
      "@context": [CTX],
      id: "https://id.example.org/document1",
      type: "EPCISQueryDocument",
      schemaVersion: "2.0",
      epcisBody: {
        queryResults: { queryName: "SimpleEventQuery", subscriptionID: "s1", resultsBody: { eventList: [event()] } },
      },
    });
    expect(doc.kind).toBe("EPCISQueryDocument");
    expect(doc.queryName).toBe("SimpleEventQuery");
    expect(doc.subscriptionID).toBe("s1");
    expect(doc.events).toHaveLength(1);
    expect(doc.extra).toEqual({ id: "https://id.example.org/document1" });
  });

  it("reads master data from the header", () => {
    const doc = parseEpcisJsonLd({
      ...docOf([event()]),
      epcisHeader: {
        epcisMasterData: {
          vocabularyList: [
            {
              type: "urn:epcglobal:epcis:vtype:BusinessLocation",
              vocabularyElementList: [
                {
                  id: "urn:epc:id:sgln:0614141.00777.0",
                  attributes: [{ id: "urn:epcglobal:cbv:mda#name", attribute: "Distribution Center" }],
                  children: ["urn:epc:id:sgln:0614141.00777.1"],
                },
              ],
            },
          ],
        },
      },
    });
    expect(doc.vocabularies).toEqual([
      {
        type: "urn:epcglobal:epcis:vtype:BusinessLocation",
        elements: [
          {
            id: "urn:epc:id:sgln:0614141.00777.0",
            attributes: [{ id: "urn:epcglobal:cbv:mda#name", value: "Distribution Center" }],
            children: ["urn:epc:id:sgln:0614141.00777.1"],
          },
        ],
      },
    ]);
  });

  it("reports structural errors with coded JSON paths", () => {
    expect(parseError("{nope")).toMatchObject({ code: "EPCIS_BAD_JSON" });
    expect(parseError({ type: "EPCISDocument" })).toMatchObject({ code: "EPCIS_MISSING_FIELD", field: "@context" });
    expect(
      parseError(docOf([event(), event({ quantityList: [{ epcClass: "urn:x:y", quantity: "2" }] })])),
    ).toMatchObject({
      code: "EPCIS_BAD_TYPE",
      field: "epcisBody.eventList[1].quantityList[0].quantity",
    });
    expect(parseError(docOf([event({ colour: "red" })]))).toMatchObject({
      code: "EPCIS_UNKNOWN_FIELD",
      field: "epcisBody.eventList[0].colour",
    });
    expect(parseError(docOf([event({ childEPCs: [] })]))).toMatchObject({
      code: "EPCIS_UNKNOWN_FIELD",
      field: "epcisBody.eventList[0].childEPCs",
    });
    expect(parseError(docOf([event({ "zz:x": 1 })]))).toMatchObject({ code: "EPCIS_UNKNOWN_PREFIX" });
    expect(parseError(docOf([event({ ilmd: { lot: "1" } })]))).toMatchObject({
      code: "EPCIS_UNKNOWN_FIELD",
      field: "epcisBody.eventList[0].ilmd.lot",
    });
    expect(parseError(docOf([event({ type: "MyEvent" })]))).toMatchObject({ code: "EPCIS_BAD_VALUE" });
    const { eventTime: _t, ...noTime } = event();
    expect(parseError(docOf([noTime]))).toMatchObject({
      code: "EPCIS_MISSING_FIELD",
      field: "epcisBody.eventList[0].eventTime",
    });
  });
});

describe("writeEpcisJsonLd", () => {
  it("writes CBV terms as bare words and declares extension namespaces", () => {
    const doc: EpcisDocument = {
      kind: "EPCISDocument",
      schemaVersion: "2.0",
      events: [
        {
          type: "ObjectEvent",
          eventTime: "2005-04-03T20:33:31.116-06:00",
          eventTimeZoneOffset: "-06:00",
          action: "OBSERVE",
          epcList: [],
          bizStep: "urn:epcglobal:cbv:bizstep:shipping",
          disposition: "https://ref.gs1.org/cbv/Disp-in_transit",
          sourceList: [{ type: "urn:epcglobal:cbv:sdt:location", id: "urn:epc:id:sgln:4012345.00225.0" }],
          extensions: [
            { ns: "http://ns.example.com/epcis", name: "f", prefix: "example", value: "x" },
            { ns: "urn:epcglobal:cbv:mda", name: "lotNumber", prefix: "cbvmda", value: "L1" },
            { ns: "http://other.example/", name: "g", value: 2 },
          ],
        },
      ],
    };
    const o = writeEpcisJsonLdObject(doc) as {
      "@context": unknown;
      epcisBody: { eventList: Record<string, unknown>[] };
    };
    expect(o["@context"]).toEqual([CTX, { example: "http://ns.example.com/epcis", ns1: "http://other.example/" }]);
    const ev = o.epcisBody.eventList[0]!;
    expect(ev.bizStep).toBe("shipping");
    expect(ev.disposition).toBe("in_transit");
    expect(ev.sourceList).toEqual([{ type: "location", source: "urn:epc:id:sgln:4012345.00225.0" }]);
    expect(ev["example:f"]).toBe("x");
    expect(ev["cbvmda:lotNumber"]).toBe("L1");
    expect(ev["ns1:g"]).toBe(2);
  });
});

// Property: any tree of user extensions survives JSON-LD write → parse unchanged.
const NS = ["http://a.example/", "https://b.example/ns#", "urn:example:c:"];
const scalar = fc.oneof(
  fc.string(),
  fc.integer(),
  fc.boolean(),
  fc.constant(null),
  // JSON has no -0, NaN or infinities.
  fc.double({ noNaN: true, noDefaultInfinity: true }).filter((x) => !Object.is(x, -0)),
);
const leaf = fc.record({
  ns: fc.constantFrom(...NS),
  name: fc.stringMatching(/^[a-z][a-zA-Z0-9]{0,6}$/),
  value: scalar,
});
const tree: fc.Arbitrary<ExtensionElement[]> = fc.letrec((tie) => ({
  node: fc.oneof(
    { depthSize: "small" },
    leaf,
    fc.record({
      ns: fc.constantFrom(...NS),
      name: fc.stringMatching(/^[a-z][a-zA-Z0-9]{0,6}$/),
      children: tie("list"),
    }),
  ),
  list: fc.uniqueArray(tie("node") as fc.Arbitrary<ExtensionElement>, {
    maxLength: 4,
    selector: (e) => `${e.ns} ${e.name}`,
  }),
})).list as fc.Arbitrary<ExtensionElement[]>;

describe("JSON-LD round trip (property)", () => {
  it("parse(write(doc)) equals doc after normalisation", () => {
    fc.assert(
      fc.property(tree, tree, (ext, ilmd) => {
        const doc: EpcisDocument = {
          kind: "EPCISDocument",
          schemaVersion: "2.0",
          events: [
            {
              type: "ObjectEvent",
              eventTime: "2005-04-03T20:33:31.116-06:00",
              eventTimeZoneOffset: "-06:00",
              action: "ADD",
              epcList: ["urn:epc:id:sgtin:0614141.107346.2017"],
              ...(ext.length ? { extensions: ext } : {}),
              ...(ilmd.length ? { ilmd } : {}),
            },
          ],
        };
        const back = parseEpcisJsonLd(writeEpcisJsonLd(doc));
        expect(normaliseDocument(back)).toEqual(normaliseDocument(doc));
      }),
      { numRuns: 300 },
    );
  });
});

describe("parse performance", () => {
  it("parses simple ObjectEvents well above 50k events/s", () => {
    const events = Array.from({ length: 20000 }, (_, i) =>
      event({
        epcList: [`urn:epc:id:sgtin:0614141.107346.${i}`],
        bizStep: "shipping",
        readPoint: { id: "urn:epc:id:sgln:0614141.07346.1234" },
      }),
    );
    const text = JSON.stringify(docOf(events));
    parseEpcisJsonLd(text);
    const t0 = performance.now();
    const doc = parseEpcisJsonLd(text);
    const secs = (performance.now() - t0) / 1000;
    expect(doc.events).toHaveLength(20000);
    // Generous bound for slow CI machines; the benchmark measures the real rate.
    expect(20000 / secs).toBeGreaterThan(50000);
  });
});
