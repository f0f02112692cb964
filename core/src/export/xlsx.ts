// A one-sheet XLSX workbook (ECMA-376 Part 1, SpreadsheetML) written by hand: the five
// required parts, a style sheet with a bold header, inline strings (§18.3.1.53 `is`) so no
// shared-string table is needed, an auto-filter over the header row (the spreadsheet is
// "sortable", FSMA 204 §1.1455(c)(3)(ii)) and a frozen first row.
import { writeZip } from "./zip.ts";

export type Cell = string | number;

const NS_MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main";
const NS_REL = "http://schemas.openxmlformats.org/officeDocument/2006/relationships";
const NS_PKG_REL = "http://schemas.openxmlformats.org/package/2006/relationships";

// XML 1.0 §2.2 Char: no C0 controls other than TAB, LF, CR (and no lone surrogates).
const NOT_XML_CHAR =
  /[\u0000-\u0008\u000b\u000c\u000e-\u001f\ufffe\uffff]|[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g;

export function xmlEscape(s: string): string {
  return s
    .replace(NOT_XML_CHAR, "\ufffd")
    .replace(/&/g, "&amp;")
    .replace(/</g, "&lt;")
    .replace(/>/g, "&gt;")
    .replace(/"/g, "&quot;");
}

/** Column letters of a 0-based column index (A, …, Z, AA, …). */
export function columnName(i: number): string {
  let s = "";
  let n = i + 1;
  while (n > 0) {
    const r = (n - 1) % 26;
    s = String.fromCharCode(65 + r) + s;
    n = Math.floor((n - 1) / 26);
  }
  return s;
}

function cellXml(ref: string, v: Cell, style: number): string {
  const s = style === 0 ? "" : ` s="${style}"`;
  if (typeof v === "number" && Number.isFinite(v)) return `<c r="${ref}"${s}><v>${v}</v></c>`;
  const text = String(v);
  if (text === "") return "";
  return `<c r="${ref}"${s} t="inlineStr"><is><t xml:space="preserve">${xmlEscape(text)}</t></is></c>`;
}

export function sheetXml(header: readonly string[], rows: readonly (readonly Cell[])[]): string {
  const lastCol = columnName(Math.max(header.length - 1, 0));
  const lastRow = rows.length + 1;
  const out: string[] = [];
  out.push(`<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n`);
  out.push(`<worksheet xmlns="${NS_MAIN}" xmlns:r="${NS_REL}">`);
  out.push(`<dimension ref="A1:${lastCol}${lastRow}"/>`);
  out.push(
    `<sheetViews><sheetView workbookViewId="0"><pane ySplit="1" topLeftCell="A2" activePane="bottomLeft" state="frozen"/></sheetView></sheetViews>`,
  );
  out.push("<sheetData>");
  const all: Array<readonly Cell[]> = [header, ...rows];
  all.forEach((row, r) => {
    out.push(`<row r="${r + 1}">`);
    row.forEach((v, c) => {
      out.push(cellXml(`${columnName(c)}${r + 1}`, v, r === 0 ? 1 : 0));
    });
    out.push("</row>");
  });
  out.push("</sheetData>");
  out.push(`<autoFilter ref="A1:${lastCol}${lastRow}"/>`);
  out.push("</worksheet>");
  return out.join("");
}

/** The workbook bytes: one sheet named `sheetName` with a header row and data rows. */
export function writeXlsx(
  sheetName: string,
  header: readonly string[],
  rows: readonly (readonly Cell[])[],
): Uint8Array {
  const name = xmlEscape(sheetName.replace(/[\\/?*[\]:]/g, " ").slice(0, 31));
  const enc = (s: string) => new TextEncoder().encode(s);
  const decl = `<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n`;
  const lastCol = columnName(Math.max(header.length - 1, 0));
  return writeZip([
    {
      name: "[Content_Types].xml",
      data: enc(
        `${decl}<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">` +
          `<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>` +
          `<Default Extension="xml" ContentType="application/xml"/>` +
          `<Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>` +
          `<Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>` +
          `<Override PartName="/xl/styles.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.styles+xml"/>` +
          `</Types>`,
      ),
    },
    {
      name: "_rels/.rels",
      data: enc(
        `${decl}<Relationships xmlns="${NS_PKG_REL}">` +
          `<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="xl/workbook.xml"/>` +
          `</Relationships>`,
      ),
    },
    {
      name: "xl/workbook.xml",
      data: enc(
        `${decl}<workbook xmlns="${NS_MAIN}" xmlns:r="${NS_REL}"><sheets><sheet name="${name}" sheetId="1" r:id="rId1"/></sheets>` +
          // The auto-filter's defined name (ECMA-376 §18.2.5, _xlnm._FilterDatabase), hidden.
          `<definedNames><definedName name="_xlnm._FilterDatabase" localSheetId="0" hidden="1">'${name.replace(/'/g, "''")}'!$A$1:$${lastCol}$${rows.length + 1}</definedName></definedNames>` +
          `</workbook>`,
      ),
    },
    {
      name: "xl/_rels/workbook.xml.rels",
      data: enc(
        `${decl}<Relationships xmlns="${NS_PKG_REL}">` +
          `<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" Target="worksheets/sheet1.xml"/>` +
          `<Relationship Id="rId2" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/styles" Target="styles.xml"/>` +
          `</Relationships>`,
      ),
    },
    {
      name: "xl/styles.xml",
      data: enc(
        `${decl}<styleSheet xmlns="${NS_MAIN}">` +
          `<fonts count="2"><font><sz val="11"/><name val="Calibri"/></font><font><b/><sz val="11"/><name val="Calibri"/></font></fonts>` +
          `<fills count="2"><fill><patternFill patternType="none"/></fill><fill><patternFill patternType="gray125"/></fill></fills>` +
          `<borders count="1"><border><left/><right/><top/><bottom/><diagonal/></border></borders>` +
          `<cellStyleXfs count="1"><xf numFmtId="0" fontId="0" fillId="0" borderId="0"/></cellStyleXfs>` +
          `<cellXfs count="2"><xf numFmtId="0" fontId="0" fillId="0" borderId="0" xfId="0"/><xf numFmtId="0" fontId="1" fillId="0" borderId="0" xfId="0" applyFont="1"/></cellXfs>` +
          `<cellStyles count="1"><cellStyle name="Normal" xfId="0" builtinId="0"/></cellStyles>` +
          `</styleSheet>`,
      ),
    },
    { name: "xl/worksheets/sheet1.xml", data: enc(sheetXml(header, rows)) },
  ]);
}
