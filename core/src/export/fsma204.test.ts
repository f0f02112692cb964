import { execFileSync, spawnSync } from "node:child_process";
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { cteOf, FSMA_COLUMNS, Fsma204Export, type FsmaRow, fsmaCsv, fsmaXlsx, localDateTime } from "./fsma204.ts";
import { C, ID, type Seeded, seedCore } from "./test-fixture.ts";
import { columnName } from "./xlsx.ts";
import { crc32, readZip } from "./zip.ts";

let s: Seeded;
let rows: FsmaRow[];
beforeAll(async () => {
  s = await seedCore();
  rows = await new Fsma204Export(s.core).rows({ tlc: ID.L1 });
});
afterAll(async () => {
  await s.core.stop();
});

const FARM = "Green Valley Farm, Field 7; 1 Field Rd, Salinas, CA, 93901, US";
const DC = "Fresh Cuts DC; 9 Dock St, Reno, NV, 89501, US";

/** A minimal RFC 4180 parser (quoted fields, doubled quotes, CRLF records). */
function parseCsv(text: string): string[][] {
  const out: string[][] = [];
  let row: string[] = [];
  let f = "";
  let q = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!;
    if (q) {
      if (c === '"' && text[i + 1] === '"') {
        f += '"';
        i++;
      } else if (c === '"') q = false;
      else f += c;
    } else if (c === '"') q = true;
    else if (c === ",") {
      row.push(f);
      f = "";
    } else if (c === "\r" && text[i + 1] === "\n") {
      row.push(f);
      out.push(row);
      row = [];
      f = "";
      i++;
    } else f += c;
  }
  return out;
}

/** Cell texts of a sheet XML (inline strings and numbers), by row, with column gaps kept. */
function sheetRows(xml: string, width: number): string[][] {
  const unesc = (t: string) =>
    t
      .replace(/&lt;/g, "<")
      .replace(/&gt;/g, ">")
      .replace(/&quot;/g, '"')
      .replace(/&amp;/g, "&");
  const out: string[][] = [];
  for (const m of xml.matchAll(/<row r="(\d+)">(.*?)<\/row>/g)) {
    const cells = new Array<string>(width).fill("");
    for (const c of m[2]!.matchAll(/<c r="([A-Z]+)\d+"[^>]*>(?:<is><t[^>]*>(.*?)<\/t><\/is>|<v>(.*?)<\/v>)<\/c>/g)) {
      let col = 0;
      for (const ch of c[1]!) col = col * 26 + (ch.charCodeAt(0) - 64);
      cells[col - 1] = unesc(c[2] ?? c[3] ?? "");
    }
    out.push(cells);
  }
  return out;
}

describe("FSMA 204 rows for a traceability lot", () => {
  it("one row per CTE of lot L1, in time order, with its KDEs (checked by hand)", () => {
    const L1 = C(ID.L1);
    expect(L1).toBe("https://id.gs1.org/01/10614141073464/10/L1");
    // Harvest, cooling, initial packing, shipping, receiving, transformation; packing on a
    // pallet is not a CTE.
    expect(rows.map((r) => r["Critical Tracking Event"])).toEqual([
      "Harvesting",
      "Cooling",
      "Initial Packing",
      "Shipping",
      "Receiving",
      "Transformation",
    ]);
    for (const r of rows) {
      expect(r["Traceability Lot Code"]).toBe(L1);
      expect(r["Product Description"]).toBe("Romaine lettuce, whole head");
      // §1.1310: where the lot code was assigned: the farm (harvest).
      expect(r["Traceability Lot Code Source"]).toBe(FARM);
      expect(r["Traceability Lot Code Source Reference (GLN)"]).toBe("0614141000012");
    }
    const [harvest, cooling, packing, shipping, receiving, xf] = rows as [
      FsmaRow,
      FsmaRow,
      FsmaRow,
      FsmaRow,
      FsmaRow,
      FsmaRow,
    ];
    expect([harvest.Quantity, harvest["Unit of Measure"], harvest["Event Date"], harvest["Event Time"]]).toEqual([
      500,
      "KGM",
      "2024-06-01",
      "06:00:00+08:00",
    ]);
    expect(harvest["Location Description"]).toBe(FARM);
    expect(cooling["Location Description"]).toBe("Green Valley Farm, Farm cold room");
    expect(cooling["Location Identifier (GLN)"]).toBe("0614141000012 ext 7");
    expect([packing.Quantity, packing["Unit of Measure"]]).toEqual([3, "EA"]);
    // Shipping: three cases of L1 on pallet P1, to the DC, under PO-1001 and ASN-77.
    expect([shipping.Quantity, shipping["Unit of Measure"], shipping["Event Date"]]).toEqual([3, "EA", "2024-06-02"]);
    expect(shipping["Immediate Subsequent Recipient"]).toBe(DC);
    expect(shipping["Immediate Previous Source"]).toBe("");
    expect(shipping["Reference Document Type"]).toBe("Purchase Order; Advance Shipping Notice");
    expect(shipping["Reference Document Number"]).toBe("PO-1001; ASN-77");
    expect(receiving["Location Description"]).toBe(DC);
    expect(receiving["Immediate Previous Source"]).toBe(FARM);
    expect(receiving["Reference Document Number"]).toBe("PO-1001");
    expect([xf.Quantity, xf["Unit of Measure"], xf["Transformation Role"]]).toEqual([100, "KGM", "input"]);
    expect(xf["Related Traceability Lot Codes"]).toBe(C(ID.S1));
    expect(xf["Reference Document Type"]).toBe("Production Order");
    expect(rows.map((r) => r["Ledger Index"])).toEqual([0, 1, 2, 4, 5, 6]);
  });

  it("the new lot of a transformation has its source at the transforming site", async () => {
    const s1 = await new Fsma204Export(s.core).rows({ tlc: "(01)20614141073461(10)S1" });
    expect(s1).toHaveLength(1);
    expect(s1[0]).toMatchObject({
      "Critical Tracking Event": "Transformation",
      "Transformation Role": "output",
      Quantity: 80,
      "Product Description": "Chopped romaine salad",
      "Traceability Lot Code Source": DC,
      "Related Traceability Lot Codes": C(ID.L1),
    });
  });

  it("a time range gives the CTEs of every lot within it (UTC bounds)", async () => {
    const r = await new Fsma204Export(s.core).rows({
      from: "2024-06-01T00:00:00+08:00",
      to: "2024-06-03T00:00:00+08:00",
    });
    expect(r.map((x) => x["Critical Tracking Event"])).toEqual([
      "Harvesting",
      "Cooling",
      "Initial Packing",
      "Shipping",
    ]);
    const all = await new Fsma204Export(s.core).rows({ from: "2024-05-01", to: "2024-07-01" });
    expect(all).toHaveLength(7);
    expect(all.filter((x) => x["Traceability Lot Code"] === C(ID.S1))).toHaveLength(1);
  });

  it("refuses a code that is not a lot, and an empty window", async () => {
    const x = new Fsma204Export(s.core);
    await expect(x.rows({ tlc: ID.C1 })).rejects.toMatchObject({ code: "EXPORT_BAD_REQUEST", field: "tlc" });
    await expect(x.rows({ from: "2024-06-02", to: "2024-06-01" })).rejects.toMatchObject({ field: "to" });
    await expect(x.rows({ from: "yesterday", to: "2024-06-01" })).rejects.toMatchObject({ field: "from" });
  });

  it("maps CBV bizSteps to CTEs", () => {
    const base = { eventTime: "2024-01-01T00:00:00Z", eventTimeZoneOffset: "+00:00" } as const;
    expect(
      cteOf({ ...base, type: "ObjectEvent", action: "OBSERVE", bizStep: "urn:epcglobal:cbv:bizstep:shipping" }),
    ).toBe("Shipping");
    expect(cteOf({ ...base, type: "ObjectEvent", action: "OBSERVE", bizStep: "arriving" })).toBe("Receiving");
    expect(cteOf({ ...base, type: "ObjectEvent", action: "OBSERVE", bizStep: "storing" })).toBeUndefined();
    expect(
      cteOf({
        ...base,
        type: "ObjectEvent",
        action: "OBSERVE",
        bizStep: "https://ex.org/steps/first_land_based_receiving",
      }),
    ).toBe("First Land-Based Receiving");
    expect(localDateTime("2024-06-01T22:30:00Z", "+08:00")).toEqual({ date: "2024-06-02", time: "06:30:00+08:00" });
    expect(localDateTime("2024-06-01T02:00:00Z", "-05:00")).toEqual({ date: "2024-05-31", time: "21:00:00-05:00" });
  });
});

describe("FSMA 204 CSV and XLSX", () => {
  it("CSV is RFC 4180: header + one record per row, CRLF, quoted fields round-trip", () => {
    const csv = fsmaCsv(rows);
    expect(csv.endsWith("\r\n")).toBe(true);
    const parsed = parseCsv(csv);
    expect(parsed[0]).toEqual([...FSMA_COLUMNS]);
    expect(parsed).toHaveLength(rows.length + 1);
    // "Fresh Cuts DC; 9 Dock St, Reno, …" holds commas: quoted, and parsed back whole.
    expect(parsed[4]![FSMA_COLUMNS.indexOf("Immediate Subsequent Recipient")]).toBe(DC);
    const odd = fsmaCsv([{ ...rows[0]!, "Product Description": 'Say "hi",\r\nthere' }]);
    expect(parseCsv(odd)[1]![2]).toBe('Say "hi",\r\nthere');
  });

  it("XLSX is a valid zip whose sheet rows equal the CSV rows", async () => {
    const bytes = fsmaXlsx(rows);
    const parts = readZip(bytes);
    expect(parts.map((p) => p.name).sort()).toEqual([
      "[Content_Types].xml",
      "_rels/.rels",
      "xl/_rels/workbook.xml.rels",
      "xl/styles.xml",
      "xl/workbook.xml",
      "xl/worksheets/sheet1.xml",
    ]);
    const sheet = new TextDecoder().decode(parts.find((p) => p.name === "xl/worksheets/sheet1.xml")!.data);
    expect(sheetRows(sheet, FSMA_COLUMNS.length)).toEqual(parseCsv(fsmaCsv(rows)));
    expect(sheet).toContain(`<autoFilter ref="A1:${columnName(FSMA_COLUMNS.length - 1)}7"/>`);
    // The system unzip reads it too (CRCs, headers).
    const dir = await mkdtemp(join(tmpdir(), "suyuan-xlsx-"));
    try {
      const f = join(dir, "fsma.xlsx");
      await writeFile(f, bytes);
      if (spawnSync("unzip", ["-v"]).status === 0) {
        expect(execFileSync("unzip", ["-tq", f]).toString()).toMatch(/No errors detected/);
        expect(execFileSync("unzip", ["-p", f, "xl/worksheets/sheet1.xml"]).toString()).toBe(sheet);
      }
      if (spawnSync("libreoffice", ["--version"]).status === 0) {
        execFileSync("libreoffice", ["--headless", "--convert-to", "csv", "--outdir", dir, f], { timeout: 60_000 });
        const lo = parseCsv((await readFile(join(dir, "fsma.csv"), "utf8")).replace(/\r?\n/g, "\r\n"));
        expect(lo[0]).toEqual([...FSMA_COLUMNS]);
        expect(lo).toHaveLength(rows.length + 1);
      }
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it("CRC-32 matches the standard check value", () => {
    // ITU-T V.42 / ISO 3309 check value for "123456789".
    expect(crc32(new TextEncoder().encode("123456789"))).toBe(0xcbf43926);
    expect(columnName(0)).toBe("A");
    expect(columnName(25)).toBe("Z");
    expect(columnName(26)).toBe("AA");
    expect(columnName(701)).toBe("ZZ");
    expect(columnName(702)).toBe("AAA");
  });
});
