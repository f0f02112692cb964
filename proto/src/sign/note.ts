// C2SP signed-note (https://c2sp.org/signed-note): text signed by one or more keys.
//
//   note      = text "\n" 1*sigline        ; text is non-empty and ends in "\n"
//   sigline   = "— " keyname " " base64( keyID(4 bytes, big-endian) || signature ) "\n"
//
// Keys are written the way golang.org/x/mod/sumdb/note writes them:
//   verifier key  <name>+<8 lowercase hex keyID>+base64(0x01 || 32-byte Ed25519 public key)
//   signer key    PRIVATE+KEY+<name>+<8 hex keyID>+base64(0x01 || 32-byte Ed25519 seed)
// with keyID = SHA-256(name || 0x0A || 0x01 || public key)[:4] (signed-note "Ed25519 signatures").
import { createHash, createPublicKey, generateKeyPairSync, type KeyObject } from "node:crypto";
import { SuyuanError } from "../errors.ts";
import { getAlgorithm } from "./algorithms.ts";
import { decodeBase64Strict, encodeBase64 } from "./encoding.ts";

/** signed-note "Signature types": 0x01 = Ed25519. */
const ALG_ED25519 = 0x01;
const ed = getAlgorithm("ed25519");
const EM_DASH_PREFIX = "\u2014 ";
/**
 * signed-note: verifiers SHOULD cap the number of signatures but MUST accept at least 16.
 * 100 matches the Go reference implementation.
 */
export const MAX_NOTE_SIGNATURES = 100;

export interface NoteSigner {
  readonly name: string;
  /** uint32 key ID. */
  readonly keyId: number;
  sign(message: Uint8Array): Uint8Array;
}

export interface NoteVerifier {
  readonly name: string;
  readonly keyId: number;
  verify(message: Uint8Array, signature: Uint8Array): boolean;
}

export interface NoteSignature {
  name: string;
  keyId: number;
  /** The base64 text from the signature line (keyID || signature). */
  base64: string;
}

export interface OpenedNote {
  /** The note text (ends in "\n"); trust it only because `verified` is non-empty. */
  body: string;
  /** Signatures from known keys that verified, in note order, without duplicates. */
  verified: NoteSignature[];
  /** Signatures from unknown keys (ignored per signed-note), in note order, without duplicates. */
  unverified: NoteSignature[];
}

function malformed(message: string, field?: string): SuyuanError {
  return new SuyuanError("CKPT_MALFORMED_NOTE", `signed note: ${message}`, field === undefined ? undefined : { field });
}

// signed-note: "Key names MUST be non-empty and MUST NOT contain any Unicode spaces or plus".
const BAD_NAME_CHAR = /[\s+\u200b\u180e]/u;
export function isValidKeyName(name: string): boolean {
  return name.length > 0 && !BAD_NAME_CHAR.test(name) && isValidNoteText(name);
}

// signed-note: valid UTF-8, no ASCII control characters other than newline.
// A lone UTF-16 surrogate has no UTF-8 encoding.
const CONTROL_OR_LONE_SURROGATE =
  /[\u0000-\u0009\u000b-\u001f]|[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;
export function isValidNoteText(s: string): boolean {
  return !CONTROL_OR_LONE_SURROGATE.test(s);
}

function keyIdOf(name: string, typeAndKey: Uint8Array): number {
  const h = createHash("sha256").update(name, "utf8").update(Uint8Array.of(0x0a)).update(typeAndKey).digest();
  return h.readUInt32BE(0);
}

const hex8 = (id: number) => id.toString(16).padStart(8, "0");

function badKey(message: string): SuyuanError {
  return new SuyuanError("CKPT_BAD_KEY", message, { field: "key" });
}

/** Parses a verifier key `<name>+<hex keyID>+<base64(0x01 || pubkey)>`. */
export function parseVerifierKey(vkey: string): NoteVerifier & { readonly publicKey: KeyObject } {
  if (typeof vkey !== "string") throw badKey("verifier key must be a string");
  const parts = splitKey(vkey);
  if (parts === undefined) throw badKey("verifier key: expected <name>+<keyID>+<key>");
  return makeVerifier(...parts);
}

// <name>+<keyID>+<base64 key>: the name has no "+", but the base64 key may.
function splitKey(s: string): [string, string, string] | undefined {
  const i = s.indexOf("+");
  const j = i < 0 ? -1 : s.indexOf("+", i + 1);
  if (j < 0) return undefined;
  return [s.slice(0, i), s.slice(i + 1, j), s.slice(j + 1)];
}

function checkKeyParts(name: string, idHex: string, b64: string): { id: number; key: Uint8Array } {
  if (!isValidKeyName(name)) throw badKey(`key name "${name}": must be non-empty without spaces or "+"`);
  if (!/^[0-9a-f]{8}$/.test(idHex)) throw badKey(`key ID "${idHex}": expected 8 lowercase hex digits`);
  const key = decodeBase64Strict(b64);
  if (key === undefined) throw badKey("key: not canonical base64");
  if (key[0] !== ALG_ED25519)
    throw badKey(`key: signature type 0x${(key[0] ?? 0).toString(16)} not supported (only 0x01 Ed25519)`);
  if (key.length !== 33) throw badKey(`key: ${key.length - 1} key bytes, expected 32 for Ed25519`);
  return { id: Number.parseInt(idHex, 16), key: key.subarray(1) };
}

function makeVerifier(name: string, idHex: string, b64: string): NoteVerifier & { readonly publicKey: KeyObject } {
  const { id, key } = checkKeyParts(name, idHex, b64);
  const publicKey = ed.publicKeyFromRaw(key);
  if (keyIdOf(name, Uint8Array.of(ALG_ED25519, ...key)) !== id) {
    throw badKey(`key ID ${idHex} does not match key name and public key`);
  }
  return {
    name,
    keyId: id,
    publicKey,
    verify: (message, signature) => ed.verify(publicKey, message, signature),
  };
}

/** Parses a signer key `PRIVATE+KEY+<name>+<hex keyID>+<base64(0x01 || seed)>`. */
export function parseSignerKey(skey: string): NoteSigner & { readonly verifierKey: string } {
  if (typeof skey !== "string") throw badKey("signer key must be a string");
  const parts = skey.startsWith("PRIVATE+KEY+") ? splitKey(skey.slice(12)) : undefined;
  if (parts === undefined) throw badKey("signer key: expected PRIVATE+KEY+<name>+<keyID>+<key>");
  const [name, idHex, b64] = parts;
  const { id, key: seed } = checkKeyParts(name, idHex, b64);
  const privateKey = ed.privateKeyFromRaw(seed);
  const pub = ed.publicKeyToRaw(createPublicKey(privateKey));
  const typeAndKey = Uint8Array.of(ALG_ED25519, ...pub);
  if (keyIdOf(name, typeAndKey) !== id) throw badKey(`key ID ${idHex} does not match key name and key`);
  return {
    name,
    keyId: id,
    verifierKey: `${name}+${idHex}+${encodeBase64(typeAndKey)}`,
    sign: (message) => ed.sign(privateKey, message),
  };
}

/** Generates a new Ed25519 note key pair, as signer and verifier key strings. */
export function generateNoteKey(name: string): { signerKey: string; verifierKey: string } {
  if (!isValidKeyName(name)) throw badKey(`key name "${name}": must be non-empty without spaces or "+"`);
  const { privateKey, publicKey } = generateKeyPairSync("ed25519");
  const pub = Uint8Array.of(ALG_ED25519, ...ed.publicKeyToRaw(publicKey));
  const seed = Uint8Array.of(ALG_ED25519, ...ed.privateKeyToRaw(privateKey));
  const id = hex8(keyIdOf(name, pub));
  return {
    signerKey: `PRIVATE+KEY+${name}+${id}+${encodeBase64(seed)}`,
    verifierKey: `${name}+${id}+${encodeBase64(pub)}`,
  };
}

/** Builds a verifier from a name and a raw 32-byte Ed25519 public key. */
export function noteVerifierKey(name: string, publicKeyRaw: Uint8Array): string {
  if (!isValidKeyName(name)) throw badKey(`key name "${name}": must be non-empty without spaces or "+"`);
  if (publicKeyRaw.length !== 32) throw badKey(`public key: ${publicKeyRaw.length} bytes, expected 32`);
  const typeAndKey = Uint8Array.of(ALG_ED25519, ...publicKeyRaw);
  return `${name}+${hex8(keyIdOf(name, typeAndKey))}+${encodeBase64(typeAndKey)}`;
}

function checkBody(body: string): void {
  if (typeof body !== "string" || body.length === 0 || !body.endsWith("\n")) {
    throw malformed("text must be non-empty and end in a newline", "body");
  }
  if (!isValidNoteText(body)) throw malformed("text must be valid UTF-8 without control characters", "body");
}

/** Signs `body` (the note text, ending in "\n") with each signer; returns the signed note. */
export function signNote(body: string, signers: NoteSigner | readonly NoteSigner[]): string {
  checkBody(body);
  const list = Array.isArray(signers) ? signers : [signers as NoteSigner];
  if (list.length === 0) throw new TypeError("signNote: at least one signer is required");
  const msg = Buffer.from(body, "utf8");
  let out = `${body}\n`;
  for (const s of list) {
    if (!isValidKeyName(s.name)) throw new TypeError(`signNote: invalid signer name "${s.name}"`);
    const sig = s.sign(msg);
    const buf = Buffer.allocUnsafe(4 + sig.length);
    buf.writeUInt32BE(s.keyId >>> 0, 0);
    buf.set(sig, 4);
    out += `${EM_DASH_PREFIX}${s.name} ${buf.toString("base64")}\n`;
  }
  return out;
}

/**
 * Parses a signed note without verifying it. Throws CKPT_MALFORMED_NOTE on any syntax error.
 */
export function parseNote(note: string | Uint8Array): { body: string; signatures: NoteSignature[] } {
  let text: string;
  if (typeof note === "string") {
    text = note;
  } else if (note instanceof Uint8Array) {
    try {
      text = new TextDecoder("utf-8", { fatal: true, ignoreBOM: true }).decode(note);
    } catch {
      throw malformed("not valid UTF-8");
    }
  } else {
    throw malformed("must be a string or bytes");
  }
  if (!isValidNoteText(text)) throw malformed("must be valid UTF-8 without control characters other than newline");
  // signed-note: the text is separated from the signatures by the last empty line.
  const split = text.lastIndexOf("\n\n");
  if (split < 0) throw malformed("no blank line before the signatures");
  const body = text.slice(0, split + 1);
  const sigText = text.slice(split + 2);
  if (sigText.length === 0 || !sigText.endsWith("\n"))
    throw malformed("signature lines missing or not newline-terminated");
  const lines = sigText.slice(0, -1).split("\n");
  if (lines.length > MAX_NOTE_SIGNATURES) throw malformed(`more than ${MAX_NOTE_SIGNATURES} signatures`);
  const signatures: NoteSignature[] = [];
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!;
    const field = `signature[${i}]`;
    if (!line.startsWith(EM_DASH_PREFIX))
      throw malformed(`line ${i + 1} after the blank line is not a signature`, field);
    const rest = line.slice(EM_DASH_PREFIX.length);
    const sp = rest.indexOf(" ");
    if (sp < 0) throw malformed(`signature line ${i + 1}: expected "— <name> <base64>"`, field);
    const name = rest.slice(0, sp);
    const b64 = rest.slice(sp + 1);
    if (!isValidKeyName(name)) throw malformed(`signature line ${i + 1}: bad key name`, field);
    const raw = decodeBase64Strict(b64);
    if (raw === undefined || raw.length < 5) throw malformed(`signature line ${i + 1}: bad base64 signature`, field);
    const keyId = ((raw[0]! << 24) | (raw[1]! << 16) | (raw[2]! << 8) | raw[3]!) >>> 0;
    signatures.push({ name, keyId, base64: b64 });
  }
  return { body, signatures };
}

/**
 * Opens a signed note: verifies every signature from a known key (name AND key ID match a
 * verifier), ignores signatures from unknown keys, and returns the body only when at least one
 * known signature verified.
 *
 * Errors: CKPT_MALFORMED_NOTE (syntax), CKPT_AMBIGUOUS_KEY (two verifiers share name and ID),
 * CKPT_BAD_SIGNATURE (a known key's signature fails: the whole note is rejected, per
 * signed-note's SHOULD), CKPT_NO_VERIFIED_SIGNATURE (no known key signed it).
 */
export function openNote(note: string | Uint8Array, verifiers: readonly NoteVerifier[]): OpenedNote {
  const { body, signatures } = parseNote(note);
  const msg = Buffer.from(body, "utf8");
  const verified: NoteSignature[] = [];
  const unverified: NoteSignature[] = [];
  const seen = new Set<string>();
  for (const sig of signatures) {
    const dedupe = `${sig.name} ${sig.base64}`;
    if (seen.has(dedupe)) continue;
    seen.add(dedupe);
    const matches = verifiers.filter((v) => v.name === sig.name && v.keyId >>> 0 === sig.keyId);
    if (matches.length === 0) {
      unverified.push(sig);
      continue;
    }
    if (matches.length > 1) {
      throw new SuyuanError(
        "CKPT_AMBIGUOUS_KEY",
        `ambiguous key ${sig.name}+${hex8(sig.keyId)}: several verifiers match`,
        {
          field: "verifiers",
        },
      );
    }
    const raw = decodeBase64Strict(sig.base64)!;
    if (!matches[0]!.verify(msg, raw.subarray(4))) {
      throw new SuyuanError("CKPT_BAD_SIGNATURE", `invalid signature for key ${sig.name}+${hex8(sig.keyId)}`, {
        field: "signature",
        detail: { name: sig.name, keyId: hex8(sig.keyId) },
      });
    }
    verified.push(sig);
  }
  if (verified.length === 0) {
    throw new SuyuanError("CKPT_NO_VERIFIED_SIGNATURE", "note has no signature from a known key", {
      field: "signature",
      detail: { unverified: unverified.map((s) => `${s.name}+${hex8(s.keyId)}`) },
    });
  }
  return { body, verified, unverified };
}
