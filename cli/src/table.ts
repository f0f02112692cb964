// Plain-text tables for terminals: columns padded to their widest cell, counting East Asian
// wide and fullwidth characters (Unicode UAX #11: W and F) as two columns, so names such as
// 农场大门 keep the columns after them aligned.

/** Terminal columns a string takes (UAX #11 wide/fullwidth = 2, everything else 1). */
export function displayWidth(s: string): number {
  let w = 0;
  for (const ch of s) {
    const c = ch.codePointAt(0)!;
    const wide =
      (c >= 0x1100 && c <= 0x115f) || // Hangul Jamo
      (c >= 0x2e80 && c <= 0x303e) || // CJK radicals, Kangxi, CJK symbols and punctuation
      (c >= 0x3041 && c <= 0x33ff) || // Hiragana, Katakana, Bopomofo, CJK compatibility
      (c >= 0x3400 && c <= 0x4dbf) || // CJK extension A
      (c >= 0x4e00 && c <= 0x9fff) || // CJK unified ideographs
      (c >= 0xa000 && c <= 0xa4cf) || // Yi
      (c >= 0xac00 && c <= 0xd7a3) || // Hangul syllables
      (c >= 0xf900 && c <= 0xfaff) || // CJK compatibility ideographs
      (c >= 0xfe30 && c <= 0xfe4f) || // CJK compatibility forms
      (c >= 0xff00 && c <= 0xff60) || // fullwidth forms
      (c >= 0xffe0 && c <= 0xffe6) ||
      (c >= 0x20000 && c <= 0x3fffd); // CJK extensions B and later
    w += wide ? 2 : 1;
  }
  return w;
}

/** Rows as lines: cells separated by two spaces, each column as wide as its widest cell. */
export function table(rows: readonly (readonly string[])[], indent = ""): string {
  const widths: number[] = [];
  for (const r of rows) {
    for (let i = 0; i < r.length; i++) widths[i] = Math.max(widths[i] ?? 0, displayWidth(r[i]!));
  }
  return rows
    .map((r) => {
      const line = r.map((c, i) => (i === r.length - 1 ? c : c + " ".repeat(widths[i]! - displayWidth(c)))).join("  ");
      return `${indent}${line.trimEnd()}\n`;
    })
    .join("");
}
