import { describe, expect, it } from "vitest";
import { csvField, recallCsv } from "./commands/recall.ts";
import { splitNotes } from "./commands/verify.ts";
import { displayWidth, table } from "./table.ts";

describe("text tables", () => {
  it("counts CJK ideographs and fullwidth forms as two columns (UAX #11 W/F)", () => {
    expect(displayWidth("Farm")).toBe(4);
    expect(displayWidth("农场大门")).toBe(8);
    expect(displayWidth("ＡＢ")).toBe(4);
    expect(displayWidth("é")).toBe(1);
  });
  it("pads columns to the widest cell's display width", () => {
    expect(
      table([
        ["农场", "x"],
        ["Shop 1", "y"],
      ]),
    ).toBe("农场    x\nShop 1  y\n");
  });
});

describe("RFC 4180 CSV", () => {
  it("quotes fields with commas, quotes, CR or LF and doubles quotes (§2.6, §2.7)", () => {
    expect(csvField("plain")).toBe("plain");
    expect(csvField("a,b")).toBe('"a,b"');
    expect(csvField('say "hi"')).toBe('"say ""hi"""');
    expect(csvField("two\nlines")).toBe('"two\nlines"');
  });
  it("an empty scope is the header alone, CRLF-terminated (§2.1)", () => {
    expect(recallCsv(undefined)).toBe("location,location_name,party,party_name,units\r\n");
  });
});

describe("seen checkpoint files", () => {
  // C2SP signed-note: body lines, one blank line, "— <name> <sig>" lines.
  const a = "o\n1\nAAAA\n\n\u2014 k sig1\n";
  const b = "o\n2\nBBBB\n\n\u2014 k sig2\n\u2014 w sig3\n";
  it("splits concatenated notes, with or without blank lines between them", () => {
    expect(splitNotes(`${a}\n${b}`)).toEqual([a, b]);
    expect(splitNotes(`${a}${b}`)).toEqual([a, b]);
    expect(splitNotes("")).toEqual([]);
    expect(splitNotes("garbage\n")).toEqual([]);
  });
});
