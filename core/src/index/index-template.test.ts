// Index templates (index-template.ts): made before the log index is known, filled in later,
// they must give exactly the records records.ts gives at that index — the frozen golden
// records among them.
import type { EpcisEvent } from "@suyuan/proto";
import { describe, expect, it } from "vitest";
import type { StoredEvent } from "../model.ts";
import { FIXTURES, storedEvent } from "./golden.fixtures.ts";
import { fillIndexTemplate, indexTemplate } from "./index-template.ts";
import { indexRecords } from "./records.ts";

const stored = storedEvent;

const template = (s: StoredEvent) => indexTemplate(s, JSON.stringify(s));

describe("index templates", () => {
  for (const [name, f] of Object.entries(FIXTURES)) {
    it(`${name}: filled at any log index, the records of indexRecords at that index`, () => {
      // One fixture writes a U+001F into its bizStep: that one is indexed the ordinary way.
      const plain = JSON.stringify(f.event).match(/\\u00[01]/) === null;
      const s = stored(f.event as EpcisEvent, f.recordTime);
      const t = template(s);
      if (!plain) {
        expect(t).toBeUndefined();
        return;
      }
      expect(t).toBeTypeOf("string");
      // The fixture's own index, 0, one that changes digit count, and the largest 12-digit one.
      for (const at of [f.index, 0, 9, 10, 123_456_789, 999_999_999_999]) {
        expect(fillIndexTemplate(t!, at)).toStrictEqual(indexRecords(s, at));
      }
    });
  }

  it("a template does not depend on the index it is filled at (one template, many indexes)", () => {
    const s = stored(FIXTURES.commissioningWithIlmdLot.event as EpcisEvent);
    const t = template(s)!;
    expect(fillIndexTemplate(t, 5)).not.toStrictEqual(fillIndexTemplate(t, 6));
    expect(fillIndexTemplate(t, 6)).toStrictEqual(indexRecords(s, 6));
  });

  it("no template for an event whose strings hold a control character (the caller indexes it itself)", () => {
    const base = FIXTURES.commissioningWithIlmdLot.event as EpcisEvent;
    for (const bad of ["\u0000", "\u0001", "\u0002", "\u001f", "\u0007"]) {
      const withId = stored({ ...base, eventID: `urn:uuid:x${bad}y` });
      expect(template(withId), JSON.stringify(bad)).toBeUndefined();
      const inEpc = stored({ ...base, epcList: [`urn:example:item:${bad}1`] });
      expect(template(inEpc), JSON.stringify(bad)).toBeUndefined();
    }
    // Tab, newline and friends are escaped as \t \n …, hold none of the template's characters,
    // and still give a faithful template.
    const tabbed = stored({ ...base, eventID: "urn:example:a\tb\nc" });
    const t = template(tabbed);
    expect(t).toBeTypeOf("string");
    expect(fillIndexTemplate(t!, 77)).toStrictEqual(indexRecords(tabbed, 77));
  });

  it("an empty template is no records", () => {
    expect(fillIndexTemplate("", 3)).toEqual([]);
  });
});
