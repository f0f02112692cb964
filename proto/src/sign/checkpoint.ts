// C2SP tlog-checkpoint (https://c2sp.org/tlog-checkpoint): the note text of a signed tree head.
//
//   <origin>\n            unique log identity, non-empty
//   <tree size>\n         ASCII decimal, no leading zeros (except "0")
//   <base64 root hash>\n  RFC 9162 MTH at that size, 32 bytes
//   *(<extension>\n)      optional, each non-empty, opaque
import { SuyuanError } from "../errors.ts";
import { decodeBase64Strict, encodeBase64 } from "./encoding.ts";
import { isValidNoteText, type NoteSignature, type NoteSigner, type NoteVerifier, openNote, signNote } from "./note.ts";

export interface Checkpoint {
  origin: string;
  /** Tree size (number of leaves). */
  size: number;
  /** 32-byte root hash. */
  rootHash: Uint8Array;
  extensions: string[];
}

function bad(message: string, field: string): SuyuanError {
  return new SuyuanError("CKPT_MALFORMED_CHECKPOINT", `checkpoint ${field}: ${message}`, { field });
}

function checkLine(s: unknown, field: string): asserts s is string {
  if (typeof s !== "string" || s.length === 0) throw bad("must be a non-empty string", field);
  if (s.includes("\n") || !isValidNoteText(s)) throw bad("must be one line without control characters", field);
}

/** Formats the checkpoint note text (the body that gets signed). */
export function formatCheckpoint(cp: {
  origin: string;
  size: number;
  rootHash: Uint8Array;
  extensions?: readonly string[];
}): string {
  checkLine(cp.origin, "origin");
  if (!Number.isSafeInteger(cp.size) || cp.size < 0) throw bad(`${cp.size} is not a non-negative integer`, "size");
  if (!(cp.rootHash instanceof Uint8Array) || cp.rootHash.length !== 32) throw bad("must be 32 bytes", "rootHash");
  let out = `${cp.origin}\n${cp.size}\n${encodeBase64(cp.rootHash)}\n`;
  (cp.extensions ?? []).forEach((e, i) => {
    checkLine(e, `extensions[${i}]`);
    out += `${e}\n`;
  });
  return out;
}

const SIZE_RE = /^(?:0|[1-9][0-9]*)$/;

/** Parses checkpoint note text (as returned by openNote). */
export function parseCheckpoint(text: string): Checkpoint {
  if (typeof text !== "string" || !text.endsWith("\n")) throw bad("text must end in a newline", "text");
  if (!isValidNoteText(text)) throw bad("text has control characters", "text");
  const lines = text.slice(0, -1).split("\n");
  if (lines.length < 3) throw bad(`has ${lines.length} lines, needs at least 3`, "text");
  const [origin, sizeText, rootText, ...extensions] = lines as [string, string, string, ...string[]];
  if (origin.length === 0) throw bad("is empty", "origin");
  if (!SIZE_RE.test(sizeText)) throw bad(`"${sizeText}" is not a decimal without leading zeros`, "size");
  const size = Number(sizeText);
  if (!Number.isSafeInteger(size)) throw bad(`${sizeText} is beyond 2^53 − 1`, "size");
  const rootHash = decodeBase64Strict(rootText);
  if (rootHash === undefined || rootHash.length !== 32) throw bad("is not the base64 of 32 bytes", "rootHash");
  extensions.forEach((e, i) => {
    if (e.length === 0) throw bad("is empty", `extensions[${i}]`);
  });
  return { origin, size, rootHash, extensions };
}

/** Formats and signs a checkpoint; returns the signed note. */
export function signCheckpoint(
  cp: { origin: string; size: number; rootHash: Uint8Array; extensions?: readonly string[] },
  signers: NoteSigner | readonly NoteSigner[],
): string {
  return signNote(formatCheckpoint(cp), signers);
}

/**
 * Opens a signed checkpoint: verifies the note (see openNote) and parses its text. With
 * `origin`, also requires the origin line to equal it (CKPT_ORIGIN_MISMATCH).
 */
export function openCheckpoint(
  note: string | Uint8Array,
  verifiers: readonly NoteVerifier[],
  options?: { origin?: string },
): Checkpoint & { verified: NoteSignature[]; unverified: NoteSignature[] } {
  const opened = openNote(note, verifiers);
  const cp = parseCheckpoint(opened.body);
  if (options?.origin !== undefined && cp.origin !== options.origin) {
    throw new SuyuanError("CKPT_ORIGIN_MISMATCH", `checkpoint origin "${cp.origin}", expected "${options.origin}"`, {
      field: "origin",
    });
  }
  return { ...cp, verified: opened.verified, unverified: opened.unverified };
}
