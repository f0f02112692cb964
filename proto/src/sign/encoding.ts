// Strict encodings for signed material. Node's Buffer base64 decoder silently skips bad
// characters and accepts missing padding; for signatures and keys we want one canonical
// spelling per value (RFC 4648 §4 standard alphabet, padded), so anything else is rejected.

const B64_RE = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;

/** Decodes canonical RFC 4648 §4 base64, or returns undefined. */
export function decodeBase64Strict(s: string): Uint8Array | undefined {
  if (!B64_RE.test(s)) return undefined;
  const buf = Buffer.from(s, "base64");
  // Non-zero pad bits ("AB==" vs "AA==") decode to the same bytes: keep one spelling.
  if (buf.toString("base64") !== s) return undefined;
  return new Uint8Array(buf.buffer, buf.byteOffset, buf.byteLength);
}

export function encodeBase64(b: Uint8Array): string {
  return Buffer.from(b.buffer, b.byteOffset, b.byteLength).toString("base64");
}

export function toHex(b: Uint8Array): string {
  return Buffer.from(b.buffer, b.byteOffset, b.byteLength).toString("hex");
}
