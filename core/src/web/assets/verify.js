// Proof checks done in the browser, with WebCrypto only (no library, nothing from the network
// but the core's own answers). Also imported by the Node unit tests (Node 20 has the same
// `crypto.subtle` with Ed25519), so what the page runs is what is tested.
//
//   verifyCheckpointNote(note, vkey)  C2SP signed-note + tlog-checkpoint: Ed25519 signature
//   verifyInclusion(...)              RFC 9162 §2.1.3.2 inclusion proof → root
//   verifyStep(step, checkpoint)      both, for one chain step (leaf = SHA-256(0x00 ‖ record))

const enc = new TextEncoder();

export function b64decode(s) {
  if (typeof s !== "string" || !/^[A-Za-z0-9+/]*={0,2}$/.test(s) || s.length % 4 !== 0) {
    throw new Error("not base64");
  }
  const bin = atob(s);
  const out = new Uint8Array(bin.length);
  for (let i = 0; i < bin.length; i++) out[i] = bin.charCodeAt(i);
  return out;
}

export function b64encode(bytes) {
  let bin = "";
  for (const b of bytes) bin += String.fromCharCode(b);
  return btoa(bin);
}

export function hex(bytes) {
  return Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
}

function concat(...parts) {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let o = 0;
  for (const p of parts) {
    out.set(p, o);
    o += p.length;
  }
  return out;
}

function equalBytes(a, b) {
  if (a.length !== b.length) return false;
  let d = 0;
  for (let i = 0; i < a.length; i++) d |= a[i] ^ b[i];
  return d === 0;
}

export async function sha256(bytes) {
  return new Uint8Array(await crypto.subtle.digest("SHA-256", bytes));
}

/** RFC 9162 §2.1.1: leaf hash = SHA-256(0x00 ‖ entry). */
export function leafHash(record) {
  return sha256(concat(Uint8Array.of(0), record));
}

/** RFC 9162 §2.1.1: interior node = SHA-256(0x01 ‖ left ‖ right). */
function nodeHash(left, right) {
  return sha256(concat(Uint8Array.of(1), left, right));
}

/**
 * RFC 9162 §2.1.3.2: recomputes the root from a leaf hash and its inclusion path. Plain
 * arithmetic instead of bit operators: JS bit operators are 32-bit, log sizes need not be.
 * Throws an Error naming the rule broken; returns the root otherwise.
 */
export async function rootFromInclusionProof(index, size, leaf, proof) {
  if (!Number.isSafeInteger(index) || !Number.isSafeInteger(size) || index < 0) {
    throw new Error("index/size not integers");
  }
  // Step 1: leaf_index must be below tree_size.
  if (index >= size) throw new Error(`index ${index} is not below tree size ${size}`);
  // Step 2-3.
  let fn = index;
  let sn = size - 1;
  let r = leaf;
  // Step 4.
  for (const p of proof) {
    if (p.length !== 32) throw new Error("proof hash is not 32 bytes");
    // 4a: a path longer than the tree is high is not a proof.
    if (sn === 0) throw new Error("proof is too long");
    if (fn % 2 === 1 || fn === sn) {
      r = await nodeHash(p, r);
      // 4b.ii: skip the levels where this node is a lone right-most child.
      if (fn % 2 === 0) {
        while (fn % 2 === 0 && fn !== 0) {
          fn = Math.floor(fn / 2);
          sn = Math.floor(sn / 2);
        }
      }
    } else {
      r = await nodeHash(r, p);
    }
    // 4c.
    fn = Math.floor(fn / 2);
    sn = Math.floor(sn / 2);
  }
  // Step 5: every level consumed.
  if (sn !== 0) throw new Error("proof is too short");
  return r;
}

/** True when the path leads from `leaf` at `index` to `root`; false for any wrong or malformed proof. */
export async function verifyInclusion(index, size, leaf, proof, root) {
  try {
    return equalBytes(await rootFromInclusionProof(index, size, leaf, proof), root);
  } catch {
    return false;
  }
}

/** C2SP signed-note key id: first 4 bytes of SHA-256(name ‖ 0x0A ‖ 0x01 ‖ pubkey) (0x01 = Ed25519). */
export async function noteKeyId(name, pubkey) {
  const h = await sha256(concat(enc.encode(name), Uint8Array.of(0x0a, 0x01), pubkey));
  return h.slice(0, 4);
}

/** Parses a C2SP verifier key `<name>+<hex keyid>+<base64(0x01 ‖ pubkey)>`. */
export async function parseVerifierKey(vkey) {
  // The name has no "+"; the base64 key may.
  const m = /^([^+\s]+)\+([^+]*)\+(\S+)$/.exec(String(vkey).trim());
  if (m === null) throw new Error("verifier key is not name+keyid+key");
  const [, name, idHex, keyB64] = m;
  if (!/^[0-9a-f]{8}$/.test(idHex)) throw new Error("verifier key id is not 8 hex digits");
  const raw = b64decode(keyB64);
  if (raw.length !== 33 || raw[0] !== 0x01) throw new Error("verifier key is not an Ed25519 key");
  const pubkey = raw.slice(1);
  const keyId = await noteKeyId(name, pubkey);
  if (hex(keyId) !== idHex) throw new Error("verifier key id does not match its key");
  return { name, keyId, pubkey };
}

/**
 * C2SP signed-note: the text is the body (each line ending in \n), a blank line, then
 * signature lines `— <name> <base64(keyid(4) ‖ signature)>\n`. The signed message is the
 * body including its final newline.
 */
export function splitNote(note) {
  const cut = note.lastIndexOf("\n\n");
  if (cut < 0 || !note.endsWith("\n")) throw new Error("note has no signature block");
  const body = note.slice(0, cut + 1);
  const sigs = [];
  for (const line of note.slice(cut + 2, -1).split("\n")) {
    const m = /^\u2014 (\S+) ([A-Za-z0-9+/=]+)$/.exec(line);
    if (m === null) throw new Error("malformed signature line");
    const raw = b64decode(m[2]);
    if (raw.length < 5) throw new Error("signature too short");
    sigs.push({ name: m[1], keyId: raw.slice(0, 4), sig: raw.slice(4) });
  }
  return { body, sigs };
}

/** C2SP tlog-checkpoint body: origin, decimal size, base64 root hash, then extension lines. */
export function parseCheckpointBody(body) {
  const lines = body.slice(0, -1).split("\n");
  if (lines.length < 3) throw new Error("checkpoint body has fewer than 3 lines");
  const [origin, sizeText, rootB64] = lines;
  if (!/^(0|[1-9][0-9]*)$/.test(sizeText)) throw new Error("checkpoint size is not a decimal number");
  const size = Number(sizeText);
  if (!Number.isSafeInteger(size)) throw new Error("checkpoint size too large");
  const rootHash = b64decode(rootB64);
  if (rootHash.length !== 32) throw new Error("checkpoint root is not 32 bytes");
  return { origin, size, rootHash };
}

/**
 * Verifies the checkpoint note's Ed25519 signature by `vkey` and returns what it says.
 * Throws an Error naming what failed.
 */
export async function verifyCheckpointNote(note, vkey) {
  const key = await parseVerifierKey(vkey);
  const { body, sigs } = splitNote(note);
  const mine = sigs.filter((s) => s.name === key.name && equalBytes(s.keyId, key.keyId));
  if (mine.length === 0) throw new Error("no signature by the core's key");
  const cryptoKey = await crypto.subtle.importKey("raw", key.pubkey, { name: "Ed25519" }, false, ["verify"]);
  let ok = false;
  for (const s of mine) {
    if (await crypto.subtle.verify({ name: "Ed25519" }, cryptoKey, s.sig, enc.encode(body))) ok = true;
  }
  if (!ok) throw new Error("checkpoint signature does not verify");
  return parseCheckpointBody(body);
}

/**
 * Checks one chain step against a verified checkpoint `{size, rootHash}`: its record's leaf
 * hash, its RFC 9162 inclusion path to the root, and that the record is the step shown
 * (same event id and time). Returns `{ok: true, record}` or `{ok: false, reason, record?}`;
 * `reason` is a stable word the page translates.
 */
export async function verifyStep(step, checkpoint) {
  const proof = step.proof ?? {};
  if (typeof proof.record !== "string" || !Array.isArray(proof.inclusionProof)) {
    return { ok: false, reason: "no-proof" };
  }
  const index = proof.logIndex;
  if (!Number.isSafeInteger(index) || index >= checkpoint.size) return { ok: false, reason: "not-in-checkpoint" };
  let record;
  let path;
  try {
    record = b64decode(proof.record);
    path = proof.inclusionProof.map(b64decode);
  } catch {
    return { ok: false, reason: "malformed-proof" };
  }
  let decoded;
  try {
    decoded = JSON.parse(new TextDecoder("utf-8", { fatal: true }).decode(record));
  } catch {
    decoded = undefined;
  }
  const included = await verifyInclusion(index, checkpoint.size, await leafHash(record), path, checkpoint.rootHash);
  if (!included) return { ok: false, reason: "inclusion", record: decoded };
  if (decoded === undefined || typeof decoded !== "object" || decoded === null) {
    return { ok: false, reason: "record-mismatch" };
  }
  // The record proven is the one shown: same event (hash id or declared eventID) and time.
  const ev = decoded.event ?? {};
  const sameId = step.eventId === decoded.hashId || (ev.eventID !== undefined && step.eventId === ev.eventID);
  const sameTime = step.eventTime === undefined || Date.parse(step.eventTime) === Date.parse(ev.eventTime);
  if (!sameId || !sameTime) return { ok: false, reason: "record-mismatch", record: decoded };
  return { ok: true, record: decoded };
}
