import { spawnSync } from "node:child_process";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { conformancePath, REPO_ROOT, readConformanceJson, readConformanceText } from "../../tests/shared.ts";
import { runCli } from "./test-run.ts";

interface TdsCase {
  kind: string;
  valid: boolean;
  epc_uri?: string;
  hex?: string;
  tag_uri?: string;
  filter?: number;
  binary_coding_scheme?: string;
}

describe("suyuan code", () => {
  it("decodes an SGTIN-96 EPC bank (TDS vector) to its EPC URI, tag URI and filter", async () => {
    const cases = readConformanceJson<{ cases: TdsCase[] }>("tds", "epcpy-vectors.json").cases;
    const c = cases.find((x) => x.valid && x.binary_coding_scheme === "sgtin-96" && x.hex && x.tag_uri);
    expect(c?.hex).toBeTruthy();
    const r = await runCli(["code", c!.hex!]);
    expect(r.code).toBe(0);
    const j = JSON.parse(r.out);
    expect(j.valid).toBe(true);
    expect(j.kind).toBe("sgtin");
    expect(j.epcUri).toBe(c!.epc_uri);
    expect(j.rfid.tagUri).toBe(c!.tag_uri);
    expect(j.rfid.filter).toBe(c!.filter);
    expect(j.digitalLink).toMatch(/^https:\/\/id\.gs1\.org\/01\/\d{14}\/21\//);
  });

  it("decodes a bracketed element string with a lot and expiry into SGTIN + class", async () => {
    // GS1 General Specifications example GTIN 09506000134352 (check digit 2).
    const r = await runCli(["code", "(01)09506000134352(17)261231(10)LOT7(21)SER42"]);
    expect(r.code).toBe(0);
    const j = JSON.parse(r.out);
    expect(j).toMatchObject({
      valid: true,
      kind: "sgtin",
      digitalLink: "https://id.gs1.org/01/09506000134352/21/SER42",
      classCanonical: "https://id.gs1.org/01/09506000134352/10/LOT7",
    });
  });

  it("rejects a wrong GTIN check digit with ID_BAD_CHECK_DIGIT and exit 1", async () => {
    const r = await runCli(["code", "(01)09506000134353"]);
    expect(r.code).toBe(1);
    const j = JSON.parse(r.out);
    expect(j.valid).toBe(false);
    expect(j.code).toBe("ID_BAD_CHECK_DIGIT");
    expect(j.message).toContain("09506000134353");
  });

  it("decodes AIM GS1 DataMatrix scan data with GS separators", async () => {
    const r = await runCli(["code", "]d20109506000134352\u001d10ABC\u001d21XYZ"]);
    expect(r.code).toBe(0);
    const j = JSON.parse(r.out);
    expect(j.kind).toBe("sgtin");
    expect(j.symbology).toBe("]d2");
    expect(j.digitalLink).toBe("https://id.gs1.org/01/09506000134352/21/XYZ");
  });

  it("decodes a Digital Link on another domain to the canonical id.gs1.org form", async () => {
    const r = await runCli(["code", "https://example.com/shop/01/09506000134352/10/L1/21/S1?17=261231"]);
    expect(r.code).toBe(0);
    expect(JSON.parse(r.out).digitalLink).toBe("https://id.gs1.org/01/09506000134352/21/S1");
  });

  it("decodes a 20-digit drug traceability code, saying the check rule is unverified", async () => {
    const r = await runCli(["code", "81234560123456789012"]);
    expect(r.code).toBe(0);
    const j = JSON.parse(r.out);
    expect(j.kind).toBe("cn-drug-code");
    expect(j.cnDrugCode.checkVerified).toBe(false);
    expect(j.notes.join(" ")).toMatch(/not verified/);
  });

  it("reads one code per line from standard input with -", async () => {
    const r = await runCli(["code", "-"], ["(00)106141411234567897", "nonsense!"]);
    expect(r.code).toBe(1);
    const lines = r.out
      .trim()
      .split("\n")
      .map((l) => JSON.parse(l));
    expect(lines).toHaveLength(2);
    expect(lines[0]).toMatchObject({ valid: true, kind: "sscc" });
    expect(lines[1]).toMatchObject({ valid: false, code: "ID_UNRECOGNISED" });
  });

  it("exits 2 on usage errors", async () => {
    expect((await runCli(["code"])).code).toBe(2);
    expect((await runCli(["code", "a", "b"])).code).toBe(2);
    expect((await runCli(["code", "x", "--nope"])).code).toBe(2);
    expect((await runCli(["no-such-command"])).code).toBe(2);
    expect((await runCli([])).code).toBe(2);
  });
});

describe("suyuan hash", () => {
  it("reproduces the reference event hashes of every JSON-LD and XML example document", async () => {
    const m = readConformanceJson<{
      hash_cases: Array<{ id: string; documents: string[]; expected_event_hashes: string[] }>;
    }>("event-hash", "ralphtro", "manifest.json");
    const c = m.hash_cases.find((x) => x.id === "ReferenceEventHashAlgorithm");
    expect(c).toBeDefined();
    if (!c) return;
    for (const doc of c.documents) {
      const r = await runCli(["hash", conformancePath("event-hash", "ralphtro", doc)]);
      expect(r.err).toBe("");
      expect(r.code).toBe(0);
      expect(r.out.trim().split("\n")).toEqual(c.expected_event_hashes);
    }
  });
});

describe("suyuan epcis", () => {
  const file = conformancePath("epcis-examples", "gs1-epcis", "JSON", "Example_9.6.1-ObjectEvent.jsonld");

  it("validates a valid document", async () => {
    const r = await runCli(["epcis", "validate", file]);
    expect(r.code).toBe(0);
    expect(JSON.parse(r.out)).toMatchObject({ valid: true });
  });

  it("converts JSON-LD to XML and back to the same event hashes", async () => {
    const xml = await runCli(["epcis", "convert", file, "--to", "xml"]);
    expect(xml.code).toBe(0);
    expect(xml.out).toContain("EPCISDocument");
    const { parseEpcisDocument, eventHash } = await import("@suyuan/proto");
    const before = parseEpcisDocument(
      readConformanceText("epcis-examples", "gs1-epcis", "JSON", "Example_9.6.1-ObjectEvent.jsonld"),
    );
    const after = parseEpcisDocument(xml.out);
    expect(after.events.map((e) => eventHash(e))).toEqual(before.events.map((e) => eventHash(e)));
  });

  it("exits 2 without --to on convert", async () => {
    expect((await runCli(["epcis", "convert", file])).code).toBe(2);
  });
});

describe("the installed bin", () => {
  it("runs as `suyuan` from node_modules/.bin", () => {
    const bin = join(REPO_ROOT, "node_modules", ".bin", "suyuan");
    const r = spawnSync(bin, ["code", "(01)09506000134352(21)A1"], { encoding: "utf8", cwd: REPO_ROOT });
    expect(r.status).toBe(0);
    expect(JSON.parse(r.stdout)).toMatchObject({
      kind: "sgtin",
      digitalLink: "https://id.gs1.org/01/09506000134352/21/A1",
    });
  });
});
