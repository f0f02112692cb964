// URI percent-encoding for GS1 Digital Link (GS1 Digital Link URI Syntax 1.x §7.1, RFC 3986
// §2.1): AI values are escaped except for the unreserved characters; in the query string a
// space may also be written "+" (application/x-www-form-urlencoded).

const UNRESERVED = new Uint8Array(128);
for (const c of "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~") UNRESERVED[c.charCodeAt(0)] = 1;
const HEX_DIGITS = "0123456789ABCDEF";
const utf8 = new TextEncoder();

function hexValue(c: number): number {
  if (c >= 48 && c <= 57) return c - 48;
  if (c >= 65 && c <= 70) return c - 55;
  if (c >= 97 && c <= 102) return c - 87;
  return -1;
}

/** Percent-escapes a path segment (`inQuery` false) or a query value (`inQuery` true: " " → "+"). */
export function percentEncode(s: string, inQuery = false): string {
  let out = "";
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c < 128 && UNRESERVED[c]) out += s[i];
    else if (c === 32 && inQuery) out += "+";
    else if (c < 128) out += `%${HEX_DIGITS[c >> 4]}${HEX_DIGITS[c & 15]}`;
    else {
      // Non-ASCII: escape the UTF-8 bytes (never valid in AI values, but kept lossless).
      const cp = s.codePointAt(i)!;
      if (cp > 0xffff) i++;
      for (const b of utf8.encode(String.fromCodePoint(cp))) out += `%${HEX_DIGITS[b >> 4]}${HEX_DIGITS[b & 15]}`;
    }
  }
  return out;
}

/**
 * Reverses percent-escaping: "%XX" (either case) becomes the byte XX as one character
 * (U+0000–U+00FF); in a query value "+" becomes a space. A "%" not followed by two hex digits
 * is kept as it is.
 */
export function percentDecode(s: string, inQuery = false): string {
  if (s.indexOf("%") < 0 && (!inQuery || s.indexOf("+") < 0)) return s;
  let out = "";
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c === 37 && i < s.length - 2) {
      const hi = hexValue(s.charCodeAt(i + 1));
      const lo = hexValue(s.charCodeAt(i + 2));
      if (hi >= 0 && lo >= 0) {
        out += String.fromCharCode(hi * 16 + lo);
        i += 2;
        continue;
      }
    }
    out += inQuery && c === 43 ? " " : s[i];
  }
  return out;
}
