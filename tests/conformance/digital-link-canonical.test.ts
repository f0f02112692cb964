// EPC URI / GS1 Digital Link → canonical GS1 Digital Link, as the CBV 2.0 event hash uses it
// (../shared/conformance/digital-link/epc-and-dl-to-canonical-dl.json, from RalphTro's
// epcis-event-hash-generator tests). expected: null means the input must be rejected.
import { afterAll, describe, expect, it } from "vitest";
import { toCanonicalDigitalLink, tryCanonicalDigitalLink } from "../../proto/src/identifiers/canonical-dl.ts";
import { readConformanceJson } from "../shared.ts";
import { tally } from "./summary.ts";

interface DlCase {
  id: string;
  group: string;
  input: unknown;
  expected: string | null;
}

const cases = readConformanceJson<{ cases: DlCase[] }>("digital-link", "epc-and-dl-to-canonical-dl.json").cases;
const t = tally("digital-link (epc-and-dl-to-canonical-dl)");
afterAll(() => t.print());

describe("conformance: canonical GS1 Digital Link (RalphTro dl_normaliser vectors)", () => {
  it("has the 71 cases the README announces", () => {
    expect(cases.length).toBe(71);
  });
  for (const c of cases) {
    it(`${c.id}: ${String(c.input)}`, () => {
      try {
        if (c.expected === null) {
          // A non-string input is a programmer error (TypeError); a string input is a coded rejection.
          expect(() => toCanonicalDigitalLink(c.input as string)).toThrow(
            typeof c.input === "string" ? /^ID_/ : TypeError,
          );
          expect(tryCanonicalDigitalLink(c.input)).toBeNull();
        } else {
          expect(toCanonicalDigitalLink(c.input as string)).toBe(c.expected);
          expect(tryCanonicalDigitalLink(c.input)).toBe(c.expected);
          // The canonical form is a fixed point.
          expect(toCanonicalDigitalLink(c.expected)).toBe(c.expected);
        }
        t.record(true);
      } catch (e) {
        t.record(false);
        throw e;
      }
    });
  }
});
