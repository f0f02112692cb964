// Offline verification of a proof bundle (bundle-format.ts) with only the core's checkpoint
// verifier key. Pure: no I/O, no clock; the CLI (`suyuan verify-bundle`) and the core's
// tests call it. Checks run in a fixed order and the FIRST failure is named:
//
//   1. the checkpoint note's Ed25519 signature (C2SP signed-note) with the given key, and
//      that the bundle's copy of origin / size / root agrees with the signed body
//   2. per entry, in bundle order:
//      a. leaf = SHA-256(0x00 ‖ record) is included at `index` in the checkpoint's tree
//         (RFC 9162 §2.1.3.2)
//      b. the record decodes (UTF-8 JSON stored event) and its event's CBV 2.0 §8.9 hash is
//         the record's hashId (and the entry's eventId)
//      c. gateway-signed events: the batch header's signature verifies with the gateway key
//         carried in the bundle, the header is the one the record's provenance names
//         (batchHash, gateway, position), and the event digest is in the header's eventsRoot
//   3. every event the summary refers to is an included entry and says what the record says
//
// A gateway key in the bundle is trusted because the core enrolled it: checking batch
// signatures proves the gateway signed these events only as far as one trusts the core's
// enrolment of that key. The output says so.
import {
  type BatchHeader,
  batchHash,
  decodeBase64Strict,
  type EpcisEvent,
  eventHash,
  gatewayPublicKey,
  isSuyuanError,
  leafHash,
  openCheckpoint,
  parseEventHashId,
  parseVerifierKey,
  toCbvWordOrSelf,
  verifyBatch,
  verifyEventInBatch,
  verifyInclusion,
} from "@suyuan/proto";
import { BUNDLE_FORMAT, type BundleBatch, type BundleEntry } from "./bundle-format.ts";

export type BundleCheck =
  | "bundle format"
  | "verifier key"
  | "checkpoint signature"
  | "checkpoint"
  | "inclusion proof"
  | "record"
  | "event hash"
  | "gateway key"
  | "batch signature"
  | "batch provenance"
  | "batch inclusion"
  | "summary";

export type BundleVerification =
  | {
      ok: true;
      entries: number;
      checkpointSize: number;
      origin: string;
      /** Entries whose gateway batch signature and batch inclusion verified. */
      gatewaySigned: number;
      gateways: string[];
      /** Caveats a reader must know (what the checks do NOT prove). */
      notes: string[];
    }
  | {
      ok: false;
      check: BundleCheck;
      /** Position in `entries`, when the failure is about one entry. */
      entry?: number;
      /** Its log index. */
      logIndex?: number;
      why: string;
    };

const ENROLMENT_NOTE =
  "gateway signatures were checked with the gateway keys carried in the bundle; trusting them means trusting the core's enrolment of those keys";
const MASTER_NOTE =
  "names of locations, parties and products in the summary come from the core's master data and are not covered by the proofs";

class Fail extends Error {
  constructor(
    readonly check: BundleCheck,
    readonly why: string,
    readonly entry?: number,
    readonly logIndex?: number,
  ) {
    super(why);
  }
}

const isObj = (v: unknown): v is Record<string, unknown> => typeof v === "object" && v !== null && !Array.isArray(v);
const isIndex = (v: unknown): v is number => typeof v === "number" && Number.isSafeInteger(v) && v >= 0;

function b64(v: unknown, check: BundleCheck, what: string, entry?: number, logIndex?: number): Uint8Array {
  const b = typeof v === "string" ? decodeBase64Strict(v) : undefined;
  if (b === undefined) throw new Fail(check, `${what} is not canonical base64`, entry, logIndex);
  return b;
}

function hashes(v: unknown, check: BundleCheck, what: string, entry: number, logIndex: number): Uint8Array[] {
  if (!Array.isArray(v)) throw new Fail(check, `${what} is not an array of base64 hashes`, entry, logIndex);
  return v.map((h, k) => {
    const b = b64(h, check, `${what}[${k}]`, entry, logIndex);
    if (b.length !== 32) throw new Fail(check, `${what}[${k}] is ${b.length} bytes, not 32`, entry, logIndex);
    return b;
  });
}

const why = (e: unknown): string => (isSuyuanError(e) ? `${e.code}: ${e.message}` : String(e));

/**
 * Verifies a bundle (the parsed JSON, or its text) with the core's C2SP verifier key string
 * (`<name>+<keyID>+<base64 key>`). Never throws: malformed input is a failure result.
 */
export function verifyBundle(bundle: unknown, verifierKey: string): BundleVerification {
  try {
    return run(typeof bundle === "string" ? parseJson(bundle) : bundle, verifierKey);
  } catch (e) {
    if (e instanceof Fail) {
      return {
        ok: false,
        check: e.check,
        why: e.why,
        ...(e.entry === undefined ? {} : { entry: e.entry }),
        ...(e.logIndex === undefined ? {} : { logIndex: e.logIndex }),
      };
    }
    return { ok: false, check: "bundle format", why: why(e) };
  }
}

/** One line: `OK: N entries, checkpoint size S` or `FAIL: <what> (entry i): <why>`. */
export function formatVerification(v: BundleVerification): string {
  if (v.ok) return `OK: ${v.entries} entries, checkpoint size ${v.checkpointSize}`;
  const where =
    v.entry === undefined ? "" : ` (entry ${v.entry}${v.logIndex === undefined ? "" : `, log index ${v.logIndex}`})`;
  return `FAIL: ${v.check}${where}: ${v.why}`;
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch (e) {
    throw new Fail("bundle format", `not JSON: ${(e as Error).message}`);
  }
}

function run(doc: unknown, verifierKey: string): BundleVerification {
  if (!isObj(doc) || doc.format !== BUNDLE_FORMAT) {
    throw new Fail("bundle format", `format is not "${BUNDLE_FORMAT}"`);
  }
  if (!isObj(doc.checkpoint) || typeof doc.checkpoint.note !== "string") {
    throw new Fail("bundle format", "checkpoint.note (the signed note) is missing");
  }
  if (!Array.isArray(doc.entries)) throw new Fail("bundle format", "entries is not an array");
  if (!isObj(doc.summary)) throw new Fail("bundle format", "summary is missing");

  // 1. The checkpoint: the signed note is the only root of trust besides the key.
  let verifier: ReturnType<typeof parseVerifierKey>;
  try {
    verifier = parseVerifierKey(verifierKey.trim());
  } catch (e) {
    throw new Fail("verifier key", why(e));
  }
  let cp: ReturnType<typeof openCheckpoint>;
  try {
    cp = openCheckpoint(doc.checkpoint.note, [verifier]);
  } catch (e) {
    throw new Fail("checkpoint signature", why(e));
  }
  const rootB64 = Buffer.from(cp.rootHash).toString("base64");
  if (doc.checkpoint.origin !== cp.origin || doc.checkpoint.size !== cp.size || doc.checkpoint.rootHash !== rootB64) {
    throw new Fail(
      "checkpoint",
      `origin/size/rootHash (${String(doc.checkpoint.origin)}, ${String(doc.checkpoint.size)}, ${String(doc.checkpoint.rootHash)}) differ from the signed note (${cp.origin}, ${cp.size}, ${rootB64})`,
    );
  }

  // 2. Entries.
  const byIndex = new Map<number, { event: EpcisEvent; hashId: string }>();
  const gateways = new Set<string>();
  let gatewaySigned = 0;
  doc.entries.forEach((raw: unknown, i: number) => {
    if (!isObj(raw) || !isIndex(raw.index)) throw new Fail("bundle format", "entry has no log index", i);
    const e = raw as unknown as BundleEntry;
    const at = e.index;
    if (byIndex.has(at)) throw new Fail("bundle format", `log index ${at} appears twice`, i, at);
    // a. RFC 9162 inclusion of the leaf.
    const record = b64(e.record, "record", "record", i, at);
    const proof = hashes(e.inclusionProof, "inclusion proof", "inclusionProof", i, at);
    if (at >= cp.size)
      throw new Fail("inclusion proof", `log index ${at} is not below checkpoint size ${cp.size}`, i, at);
    if (!verifyInclusion(leafHash(record), at, cp.size, proof, cp.rootHash)) {
      throw new Fail(
        "inclusion proof",
        `leaf SHA-256(0x00 ‖ record) at index ${at} does not lead to the checkpoint root (RFC 9162 §2.1.3.2)`,
        i,
        at,
      );
    }
    // b. The record and its event hash.
    const stored = decodeStored(record, i, at);
    let computed: string;
    try {
      computed = eventHash(stored.event);
    } catch (err) {
      throw new Fail("event hash", `event cannot be hashed: ${why(err)}`, i, at);
    }
    if (computed !== stored.hashId) {
      throw new Fail("event hash", `the event hashes to ${computed}, the record says ${stored.hashId}`, i, at);
    }
    if (e.eventId !== stored.hashId) {
      throw new Fail("event hash", `entry eventId ${String(e.eventId)} is not the record's ${stored.hashId}`, i, at);
    }
    // c. Gateway batch.
    if (e.batch !== undefined) {
      checkBatch(e.batch, stored, i, at);
      gatewaySigned++;
      gateways.add(e.batch.header.gatewayId);
    }
    byIndex.set(at, { event: stored.event, hashId: stored.hashId });
  });

  // 3. The summary refers only to proved entries, and says what they say.
  checkSummary(doc.summary, byIndex);

  const notes = [MASTER_NOTE];
  if (gatewaySigned > 0) notes.unshift(ENROLMENT_NOTE);
  return {
    ok: true,
    entries: doc.entries.length,
    checkpointSize: cp.size,
    origin: cp.origin,
    gatewaySigned,
    gateways: [...gateways].sort(),
    notes,
  };
}

interface DecodedRecord {
  hashId: string;
  event: EpcisEvent;
  provenance: Record<string, unknown>;
}

const utf8 = new TextDecoder("utf-8", { fatal: true });

function decodeStored(bytes: Uint8Array, i: number, at: number): DecodedRecord {
  let s: unknown;
  try {
    s = JSON.parse(utf8.decode(bytes));
  } catch (e) {
    throw new Fail("record", `not a UTF-8 JSON stored event: ${(e as Error).message}`, i, at);
  }
  if (!isObj(s) || s.v !== 1 || typeof s.hashId !== "string" || !isObj(s.event) || !isObj(s.provenance)) {
    throw new Fail("record", "not a version-1 stored event {v, hashId, event, provenance}", i, at);
  }
  return { hashId: s.hashId, event: s.event as unknown as EpcisEvent, provenance: s.provenance };
}

function checkBatch(batch: BundleBatch, stored: DecodedRecord, i: number, at: number): void {
  if (!isObj(batch) || !isObj(batch.header)) throw new Fail("bundle format", "batch.header is missing", i, at);
  const h = batch.header;
  let header: BatchHeader;
  try {
    header = {
      version: 1,
      gatewayId: String(h.gatewayId),
      keyId: String(h.keyId),
      algorithm: String(h.algorithm) as BatchHeader["algorithm"],
      firstSeq: BigInt(/^(0|[1-9][0-9]*)$/.test(String(h.firstSeq)) ? String(h.firstSeq) : "x"),
      count: Number(h.count),
      prevBatchHash: hexBytes(h.prevBatchHash),
      eventsRoot: hexBytes(h.eventsRoot),
      createdAt: String(h.createdAt),
    };
    if (h.version !== 1) throw new Error(`version ${String(h.version)} is not 1`);
  } catch (e) {
    throw new Fail("bundle format", `batch.header is malformed: ${why(e)}`, i, at);
  }
  let key: ReturnType<typeof gatewayPublicKey>;
  try {
    key = gatewayPublicKey(header.algorithm, b64(batch.publicKey, "gateway key", "batch.publicKey", i, at));
  } catch (e) {
    if (e instanceof Fail) throw e;
    throw new Fail("gateway key", why(e), i, at);
  }
  if (key.keyId !== header.keyId) {
    throw new Fail("gateway key", `the bundle's key has id ${key.keyId}, the batch names ${header.keyId}`, i, at);
  }
  const signature = b64(batch.signature, "batch signature", "batch.signature", i, at);
  try {
    verifyBatch(header, signature, key);
  } catch (e) {
    throw new Fail("batch signature", why(e), i, at);
  }
  // The record's provenance must name this very batch (else a valid batch of another event
  // could be attached): gateway, batch hash and position.
  const p = stored.provenance;
  const bh = Buffer.from(batchHash(header)).toString("hex");
  if (
    p.kind !== "gateway" ||
    p.gatewayId !== header.gatewayId ||
    p.batchHash !== bh ||
    p.batchIndex !== batch.eventIndex
  ) {
    throw new Fail(
      "batch provenance",
      `the record's provenance (${String(p.kind)} ${String(p.gatewayId)}, batch ${String(p.batchHash)}, position ${String(p.batchIndex)}) is not this batch (${header.gatewayId}, ${bh}, position ${String(batch.eventIndex)})`,
      i,
      at,
    );
  }
  const proof = hashes(batch.eventProof, "batch inclusion", "batch.eventProof", i, at);
  if (
    !isIndex(batch.eventIndex) ||
    !verifyEventInBatch(parseEventHashId(stored.hashId), batch.eventIndex, header, proof)
  ) {
    throw new Fail(
      "batch inclusion",
      `the event digest is not event ${String(batch.eventIndex)} of the batch's eventsRoot (RFC 9162 §2.1.3.2)`,
      i,
      at,
    );
  }
}

function hexBytes(v: unknown): Uint8Array {
  if (typeof v !== "string" || !/^[0-9a-f]{64}$/.test(v)) throw new Error("hash is not 64 lowercase hex digits");
  return new Uint8Array(Buffer.from(v, "hex"));
}

function checkSummary(s: Record<string, unknown>, byIndex: Map<number, { event: EpcisEvent; hashId: string }>): void {
  const ref = (where: string, logIndex: unknown, eventId?: unknown): { event: EpcisEvent; hashId: string } => {
    if (!isIndex(logIndex)) throw new Fail("summary", `${where}: log index ${String(logIndex)} is not an index`);
    const e = byIndex.get(logIndex);
    if (e === undefined) throw new Fail("summary", `${where}: log index ${logIndex} is not an entry of the bundle`);
    if (eventId !== undefined && eventId !== e.hashId) {
      throw new Fail(
        "summary",
        `${where}: event ${String(eventId)} is not the event at log index ${logIndex} (${e.hashId})`,
      );
    }
    return e;
  };
  const same = (where: string, field: string, said: unknown, ev: EpcisEvent, actual: string | undefined) => {
    if (said !== undefined && said !== actual) {
      throw new Fail(
        "summary",
        `${where}: ${field} "${String(said)}" but the proved event (${ev.type} at ${ev.eventTime}) says "${String(actual)}"`,
      );
    }
  };
  const bizStep = (ev: EpcisEvent) => (ev.bizStep ? toCbvWordOrSelf("bizStep", ev.bizStep) : undefined);
  if (s.type === "chain") {
    if (!Array.isArray(s.steps)) throw new Fail("summary", "steps is not an array");
    s.steps.forEach((st: unknown, k: number) => {
      if (!isObj(st) || !isObj(st.proof)) throw new Fail("summary", `steps[${k}] has no proof.logIndex`);
      const where = `steps[${k}]`;
      const e = ref(where, st.proof.logIndex, st.eventId ?? null);
      same(where, "eventTime", st.eventTime, e.event, e.event.eventTime);
      same(where, "eventType", st.eventType, e.event, e.event.type);
      same(where, "bizStep", st.bizStep, e.event, bizStep(e.event));
      same(where, "action", st.action, e.event, e.event.action);
    });
    return;
  }
  if (s.type === "recall") {
    const list = (name: string): unknown[] => {
      const v = s[name];
      if (!Array.isArray(v)) throw new Fail("summary", `${name} is not an array`);
      return v;
    };
    list("shipments").forEach((x: unknown, k: number) => {
      if (!isObj(x)) throw new Fail("summary", `shipments[${k}] is not an object`);
      const where = `shipments[${k}]`;
      const e = ref(where, x.logIndex, x.eventId ?? null);
      same(where, "eventTime", x.eventTime, e.event, e.event.eventTime);
      same(where, "bizStep", x.bizStep, e.event, bizStep(e.event));
    });
    list("transformations").forEach((x: unknown, k: number) => {
      if (!isObj(x) || !Array.isArray(x.logIndexes))
        throw new Fail("summary", `transformations[${k}] has no logIndexes`);
      x.logIndexes.forEach((li: unknown, j: number) => {
        ref(`transformations[${k}].logIndexes[${j}]`, li);
      });
    });
    list("units").forEach((x: unknown, k: number) => {
      if (!isObj(x)) throw new Fail("summary", `units[${k}] is not an object`);
      if (x.lastLogIndex !== undefined) ref(`units[${k}].lastLogIndex`, x.lastLogIndex);
    });
    return;
  }
  throw new Fail("summary", `type ${String(s.type)} is neither chain nor recall`);
}
