import { generateNoteKey, leafHash } from "@suyuan/proto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { chainBundle, recallBundle } from "./bundle.ts";
import type { ProofBundleDocument } from "./bundle-format.ts";
import { C, ID, type Seeded, seedCore } from "./test-fixture.ts";
import { formatVerification, verifyBundle } from "./verify-bundle.ts";

let s: Seeded;
let bundle: ProofBundleDocument;
let key: string;

beforeAll(async () => {
  s = await seedCore();
  key = s.core.verifierKey;
  bundle = await chainBundle(s.core, ID.C1);
});
afterAll(async () => {
  await s.core.stop();
});

const copy = (): ProofBundleDocument => structuredClone(bundle);
const b64mutate = (v: string, byte = 0): string => {
  const b = Buffer.from(v, "base64");
  b[byte] = (b[byte] ?? 0) ^ 0x01;
  return b.toString("base64");
};

describe("chain proof bundle", () => {
  it("carries the case's chain: 6 events, 5 of them in the farm gateway's signed batches", () => {
    expect(bundle.format).toBe("suyuan-proof-bundle/1");
    expect(bundle.subject).toEqual({ kind: "chain", code: ID.C1, canonical: C(ID.C1) });
    // harvest, cooling (lot L1), commissioning, packing (self), shipping, receiving (pallet P1).
    expect(bundle.entries).toHaveLength(6);
    expect(bundle.entries.filter((e) => e.batch !== undefined)).toHaveLength(5);
    expect(bundle.checkpoint.size).toBe(7);
    const steps = bundle.summary.type === "chain" ? bundle.summary.steps : [];
    expect(steps.map((st) => st.bizStep)).toEqual([
      "commissioning",
      "urn:suyuan:bizstep:cooling",
      "commissioning",
      "packing",
      "shipping",
      "receiving",
    ]);
    // Leaf data is the stored record: its leaf hash is what the log holds.
    const first = bundle.entries[0]!;
    expect(leafHash(Buffer.from(first.record, "base64"))).toHaveLength(32);
    const batchOfSecond = bundle.entries.find((e) => e.batch?.eventIndex === 1)?.batch;
    expect(batchOfSecond?.header.gatewayId).toBe("gw-farm");
    expect(batchOfSecond?.header.count).toBeGreaterThan(1);
  });

  it("verifies offline with the core's verifier key, and says what the gateway keys rest on", () => {
    const v = verifyBundle(JSON.parse(JSON.stringify(bundle)), key);
    expect(v).toMatchObject({ ok: true, entries: 6, checkpointSize: 7, gatewaySigned: 5, gateways: ["gw-farm"] });
    expect(formatVerification(v)).toBe("OK: 6 entries, checkpoint size 7");
    expect(v.ok && v.notes.join("\n")).toMatch(/trusting the core's enrolment/);
  });

  it("fails with another core's key: the checkpoint signature", () => {
    const other = generateNoteKey("suyuan.core").verifierKey;
    const v = verifyBundle(bundle, other);
    expect(v).toMatchObject({ ok: false, check: "checkpoint signature" });
  });

  it("names the tampered part: checkpoint note", () => {
    const b = copy();
    b.checkpoint.note = b.checkpoint.note.replace(/\n7\n/, "\n8\n");
    expect(verifyBundle(b, key)).toMatchObject({ ok: false, check: "checkpoint signature" });
    const c = copy();
    c.checkpoint.rootHash = b64mutate(c.checkpoint.rootHash);
    expect(verifyBundle(c, key)).toMatchObject({ ok: false, check: "checkpoint" });
  });

  it("names the tampered part: a record byte", () => {
    const b = copy();
    const rec = Buffer.from(b.entries[2]!.record, "base64").toString("utf8").replace("C1", "C9");
    b.entries[2]!.record = Buffer.from(rec, "utf8").toString("base64");
    const v = verifyBundle(b, key);
    expect(v).toMatchObject({ ok: false, check: "inclusion proof", entry: 2, logIndex: b.entries[2]!.index });
    expect(formatVerification(v)).toMatch(/^FAIL: inclusion proof \(entry 2, log index \d+\): leaf/);
  });

  it("names the tampered part: a proof hash", () => {
    const b = copy();
    b.entries[4]!.inclusionProof[0] = b64mutate(b.entries[4]!.inclusionProof[0]!, 5);
    expect(verifyBundle(b, key)).toMatchObject({ ok: false, check: "inclusion proof", entry: 4 });
    const c = copy();
    c.entries[4]!.inclusionProof.pop();
    expect(verifyBundle(c, key)).toMatchObject({ ok: false, check: "inclusion proof", entry: 4 });
  });

  it("names the tampered part: a batch signature, a batch header, a batch proof, the gateway key", () => {
    const i = bundle.entries.findIndex((e) => e.batch !== undefined);
    const b = copy();
    b.entries[i]!.batch!.signature = b64mutate(b.entries[i]!.batch!.signature, 10);
    expect(verifyBundle(b, key)).toMatchObject({ ok: false, check: "batch signature", entry: i });
    const h = copy();
    h.entries[i]!.batch!.header.createdAt = "2024-03-01T08:00:01.000Z";
    expect(verifyBundle(h, key)).toMatchObject({ ok: false, check: "batch signature", entry: i });
    const k = copy();
    k.entries[i]!.batch!.publicKey = b64mutate(k.entries[i]!.batch!.publicKey, 3);
    expect(verifyBundle(k, key)).toMatchObject({ ok: false, check: "gateway key", entry: i });
    // Another (valid) batch proof position of the same batch: the event is not there.
    const j = bundle.entries.findIndex((e) => (e.batch?.header.count ?? 0) > 1);
    const p = copy();
    p.entries[j]!.batch!.eventProof[0] = b64mutate(p.entries[j]!.batch!.eventProof[0]!);
    expect(verifyBundle(p, key)).toMatchObject({ ok: false, check: "batch inclusion", entry: j });
    // A valid batch of ANOTHER event attached to this one: provenance names another batch.
    const other = bundle.entries.findIndex(
      (e) => e.batch !== undefined && e.batch.header.firstSeq !== bundle.entries[i]!.batch!.header.firstSeq,
    );
    const q = copy();
    q.entries[i]!.batch = structuredClone(bundle.entries[other]!.batch!);
    expect(verifyBundle(q, key)).toMatchObject({ ok: false, check: "batch provenance", entry: i });
  });

  it("names the tampered part: the summary", () => {
    const steps = (b: ProofBundleDocument) => (b.summary.type === "chain" ? b.summary.steps : []);
    const t = copy();
    steps(t)[1]!.eventTime = "2024-06-01T05:00:00.000+08:00";
    expect(verifyBundle(t, key)).toMatchObject({ ok: false, check: "summary" });
    expect(formatVerification(verifyBundle(t, key))).toMatch(/^FAIL: summary: steps\[1\]: eventTime/);
    const x = copy();
    steps(x)[0]!.proof.logIndex = 6; // the transformation: in the log but not in this bundle
    expect(verifyBundle(x, key)).toMatchObject({ ok: false, check: "summary" });
    const y = copy();
    steps(y)[2]!.bizStep = "receiving";
    expect(verifyBundle(y, key)).toMatchObject({ ok: false, check: "summary" });
    const z = copy();
    z.entries.pop(); // dropping an entry leaves a summary step without proof
    expect(verifyBundle(z, key)).toMatchObject({ ok: false, check: "summary" });
  });

  it("rejects malformed input without throwing", () => {
    expect(verifyBundle("{not json", key)).toMatchObject({ ok: false, check: "bundle format" });
    expect(verifyBundle({ format: "x" }, key)).toMatchObject({ ok: false, check: "bundle format" });
    expect(verifyBundle(bundle, "garbage")).toMatchObject({ ok: false, check: "verifier key" });
    const b = copy();
    b.entries[0]!.record = "***";
    expect(verifyBundle(b, key)).toMatchObject({ ok: false, check: "record", entry: 0 });
  });
});

describe("recall proof bundle", () => {
  it("proves the recall's shipments, transformations and units' last events", async () => {
    const r = await recallBundle(s.core, [ID.L1]);
    expect(r.subject.kind).toBe("recall");
    expect(r.summary.type).toBe("recall");
    const v = verifyBundle(JSON.parse(JSON.stringify(r)), key);
    expect(v).toMatchObject({ ok: true });
    // The transformation at the DC (log index 6) is in the recall of L1.
    expect(r.entries.map((e) => e.index)).toContain(6);
    const t = structuredClone(r);
    if (t.summary.type === "recall") t.summary.transformations.push({ id: "x", logIndexes: [0, 99] });
    expect(verifyBundle(t, key)).toMatchObject({ ok: false, check: "summary" });
  });

  it("refuses an empty lot list", async () => {
    await expect(recallBundle(s.core, [])).rejects.toMatchObject({ code: "EXPORT_BAD_REQUEST" });
  });
});
