import { describe, expect, it } from "vitest";
import { compareDocuments, normaliseTime } from "./compare.ts";
import type { EpcisDocument } from "./model.ts";

const doc = (over: Partial<EpcisDocument["events"][number]>): EpcisDocument => ({
  kind: "EPCISDocument",
  schemaVersion: "2.0",
  events: [
    {
      type: "ObjectEvent",
      eventTime: "2005-04-03T20:33:31.116-06:00",
      eventTimeZoneOffset: "-06:00",
      action: "OBSERVE",
      epcList: ["urn:epc:id:sgtin:0614141.107346.2017"],
      ...over,
    },
  ],
});

describe("compareDocuments", () => {
  it("ignores CBV spelling, prefixes and trailing namespace separators", () => {
    expect(
      compareDocuments(
        doc({
          bizStep: "shipping",
          extensions: [{ ns: "urn:epcglobal:cbv:mda:", name: "x", prefix: "cbvmda", value: "1" }],
        }),
        doc({
          bizStep: "urn:epcglobal:cbv:bizstep:shipping",
          extensions: [{ ns: "urn:epcglobal:cbv:mda", name: "x", prefix: "m", value: "1" }],
        }),
      ),
    ).toBeUndefined();
  });

  it("reports real differences with a path", () => {
    expect(compareDocuments(doc({ bizStep: "shipping" }), doc({ bizStep: "receiving" }))).toMatch(
      /events\[0\]\.bizStep/,
    );
    expect(compareDocuments(doc({ epcList: ["urn:a:1"] }), doc({ epcList: ["urn:a:2"] }))).toMatch(/epcList\[0\]/);
    // Value types matter within one syntax, not across syntaxes (XML text has no type).
    const a = doc({ extensions: [{ ns: "http://x/", name: "n", value: 10 }] });
    const b = doc({ extensions: [{ ns: "http://x/", name: "n", value: "10" }] });
    expect(compareDocuments(a, b)).toBeDefined();
    expect(compareDocuments(a, b, { crossFormat: true })).toBeUndefined();
  });

  it("normalises timestamps to UTC instants across syntaxes", () => {
    expect(normaliseTime("2005-04-03T20:33:31.116000-06:00")).toBe("2005-04-04T02:33:31.116Z");
    expect(normaliseTime("2013-06-08T14:58:56.000Z")).toBe("2013-06-08T14:58:56Z");
    expect(
      compareDocuments(doc({ eventTime: "2005-04-04T02:33:31.116Z" }), doc({}), { crossFormat: true }),
    ).toBeUndefined();
    expect(compareDocuments(doc({ eventTime: "2005-04-04T02:33:31.116Z" }), doc({}))).toBeDefined();
  });
});
