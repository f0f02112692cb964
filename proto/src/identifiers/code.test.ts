import { describe, expect, it } from "vitest";
import { readConformanceJson } from "../../../tests/shared.ts";
import { isSuyuanError } from "../errors.ts";
import { parseCode } from "./code.ts";

interface TdsCase {
  id: string;
  kind: string;
  valid: boolean;
  scheme: string;
  epc_uri?: string;
  hex?: string;
  tag_uri?: string;
  filter?: number;
  gs1_element_string?: string;
  company_prefix_length?: number;
}

const cases = readConformanceJson<{ cases: TdsCase[] }>("tds", "epcpy-vectors.json").cases;

function codeOf(fn: () => unknown): string | undefined {
  try {
    fn();
  } catch (e) {
    if (isSuyuanError(e)) return e.code;
    throw e;
  }
  return undefined;
}

describe("parseCode on the TDS vectors (every input form routes to the right codec)", () => {
  const withHex = cases.filter((c) => c.valid && c.hex && c.epc_uri && c.tag_uri);
  it.each(withHex.map((c) => [c.id, c] as const))("RFID hex %s → EPC URI, tag URI, filter", (_id, c) => {
    const r = parseCode(c.hex!);
    expect(r.form).toBe("rfid-hex");
    expect(r.epcUri).toBe(c.epc_uri);
    expect(r.rfid?.tagUri).toBe(c.tag_uri);
    if (c.filter !== undefined) expect(r.rfid?.filter).toBe(c.filter);
    // The same tag given as its tag URI decodes to the same hex.
    const t = parseCode(c.tag_uri!);
    expect(t.form).toBe("tag-uri");
    expect(t.rfid?.hex).toBe(c.hex!.toUpperCase());
  });

  const withEs = cases.filter(
    (c) => c.valid && c.kind === "gs1_key_and_element_string" && c.gs1_element_string && c.company_prefix_length,
  );
  it.each(withEs.map((c) => [c.id, c] as const))("element string %s + GCP length → EPC URI", (_id, c) => {
    // The EPC URI decodes to the same element string whatever the AI rules say.
    const fromEpc = parseCode(c.epc_uri!);
    expect(fromEpc.elementString).toBe(c.gs1_element_string);
    // As barcode data the element string must also obey the GS1 AI rules (syntax dictionary).
    // A few TDS vectors break one (ITIP piece 00 of 00, CPI serial 0): as a barcode they are
    // refused with the rule named, and as an EPC they are accepted with a note saying so.
    const aiCode = codeOf(() => parseCode(c.gs1_element_string!, { companyPrefixLength: c.company_prefix_length! }));
    if (aiCode === undefined) {
      const r = parseCode(c.gs1_element_string!, { companyPrefixLength: c.company_prefix_length! });
      expect(r.form).toBe("element-string");
      expect(r.epcUri ?? r.epcClassUri).toBe(c.epc_uri);
      expect(r.canonical).toBe(fromEpc.canonical);
    } else {
      expect(aiCode).toBe("ID_AI_FORMAT");
      expect(fromEpc.notes?.join(" ")).toContain("breaks a GS1 AI rule");
    }
  });

  // Cases that are invalid only as another scheme (a valid gsrnp URI in the gsrn suite) are out.
  const badUris = cases.filter(
    (c) =>
      !c.valid && c.kind === "pure_identity_uri_validity" && c.epc_uri?.startsWith(`urn:epc:id:${c.scheme}:`) !== false,
  );
  it.each(badUris.map((c) => [c.id, c] as const))("invalid EPC URI %s is refused with a coded error", (_id, c) => {
    expect(codeOf(() => parseCode(c.epc_uri!))).toMatch(/^ID_/);
  });
});

describe("parseCode input forms", () => {
  it("reads a 20-digit SSCC element string as an SSCC, not a drug code", () => {
    // (00)106141411234567897: GS1 General Specifications SSCC example, check digit 7.
    const r = parseCode("00106141411234567897");
    expect(r.kind).toBe("sscc");
    expect(r.canonical).toBe("https://id.gs1.org/00/106141411234567897");
  });

  it("reads a GTIN-13 printed under a barcode as a GTIN", () => {
    const r = parseCode("9506000134352");
    expect(r.kind).toBe("gtin");
    expect(r.canonical).toBe("https://id.gs1.org/01/09506000134352");
  });

  it("strips a scanner's CR/LF suffix", () => {
    expect(parseCode("]C100106141411234567897\r\n").kind).toBe("sscc");
  });

  it.each([
    ["", "ID_EMPTY"],
    ["hello world", "ID_UNRECOGNISED"],
    ["(01)09506000134353", "ID_BAD_CHECK_DIGIT"],
    ["https://example.com/01/09506000134353", "ID_BAD_CHECK_DIGIT"],
    ["(10)LOT1", "ID_AI_REQUISITE"],
    ["3074257BF7194E4000001A8", "ID_UNRECOGNISED"],
  ])("rejects %j with %s", (input, code) => {
    expect(codeOf(() => parseCode(input))).toBe(code);
  });
});
