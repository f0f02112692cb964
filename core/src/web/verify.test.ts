// The browser's proof checker (assets/verify.js), run in Node's WebCrypto against proofs and
// checkpoints made by @suyuan/proto (the log's own Merkle and signed-note code): what the
// core signs, the page must accept; anything changed, it must refuse.
import {
  generateNoteKey,
  inclusionProofSync,
  leafArrayReader,
  leafHash,
  parseSignerKey,
  rootFromLeafHashes,
  signCheckpoint,
} from "@suyuan/proto";
import { describe, expect, it } from "vitest";

interface Verify {
  b64encode(b: Uint8Array): string;
  b64decode(s: string): Uint8Array;
  leafHash(b: Uint8Array): Promise<Uint8Array>;
  rootFromInclusionProof(i: number, n: number, leaf: Uint8Array, proof: Uint8Array[]): Promise<Uint8Array>;
  verifyInclusion(i: number, n: number, leaf: Uint8Array, proof: Uint8Array[], root: Uint8Array): Promise<boolean>;
  parseVerifierKey(v: string): Promise<{ name: string; keyId: Uint8Array; pubkey: Uint8Array }>;
  verifyCheckpointNote(note: string, vkey: string): Promise<{ origin: string; size: number; rootHash: Uint8Array }>;
  verifyStep(
    step: unknown,
    cp: { size: number; rootHash: Uint8Array },
  ): Promise<{ ok: boolean; reason?: string; record?: unknown }>;
}
const modulePath = "./assets/verify.js";
const v = (await import(/* @vite-ignore */ modulePath)) as Verify;

const enc = new TextEncoder();
const b64 = (b: Uint8Array) => Buffer.from(b).toString("base64");

function tree(n: number) {
  const records = Array.from({ length: n }, (_, i) =>
    enc.encode(
      JSON.stringify({
        v: 1,
        hashId: `ni:///sha-256;${i.toString(16).padStart(64, "0")}?ver=CBV2.0`,
        event: { type: "ObjectEvent", eventTime: `2024-06-01T0${i % 10}:00:00.000Z` },
        provenance: { kind: "partner", party: "p", principal: "t", format: "jsonld" },
        recordTime: "2024-06-02T00:00:00.000Z",
      }),
    ),
  );
  const leaves = records.map((r) => leafHash(r));
  return { records, leaves, root: rootFromLeafHashes(leaves), reader: leafArrayReader(leaves) };
}

describe("RFC 9162 §2.1.3.2 inclusion verification (browser code)", () => {
  it("computes the same leaf hash as the log (SHA-256(0x00 ‖ record))", async () => {
    const r = enc.encode("hello");
    expect(Buffer.from(await v.leafHash(r)).toString("hex")).toBe(Buffer.from(leafHash(r)).toString("hex"));
  });

  it("accepts every leaf's proof in trees of sizes 1…17 and refuses it for other leaves", async () => {
    for (let n = 1; n <= 17; n++) {
      const t = tree(n);
      for (let i = 0; i < n; i++) {
        const proof = inclusionProofSync(i, n, t.reader);
        expect(await v.verifyInclusion(i, n, t.leaves[i]!, proof, t.root), `n=${n} i=${i}`).toBe(true);
        const other = (i + 1) % n;
        if (other !== i) expect(await v.verifyInclusion(other, n, t.leaves[i]!, proof, t.root)).toBe(false);
        if (proof.length > 0) {
          const bent = proof.map((p) => Uint8Array.from(p));
          bent[0]![0]! ^= 1;
          expect(await v.verifyInclusion(i, n, t.leaves[i]!, bent, t.root)).toBe(false);
        }
      }
    }
  });

  it("refuses proofs that are too long or too short, and indexes beyond the tree", async () => {
    const t = tree(6);
    const proof = inclusionProofSync(2, 6, t.reader);
    const r = v.rootFromInclusionProof;
    await expect(r(2, 6, t.leaves[2]!, [...proof, t.leaves[0]!])).rejects.toThrow(/too long/);
    await expect(r(2, 6, t.leaves[2]!, proof.slice(1))).rejects.toThrow(/too short/);
    await expect(r(6, 6, t.leaves[2]!, proof)).rejects.toThrow(/not below/);
    expect(await v.verifyInclusion(2, 6, t.leaves[2]!, proof.slice(1), t.root)).toBe(false);
  });
});

describe("C2SP signed-note checkpoint verification (browser code)", () => {
  const keys = generateNoteKey("suyuan.test");
  const signer = parseSignerKey(keys.signerKey);
  const t = tree(5);
  const note = signCheckpoint({ origin: "suyuan.test/log", size: 5, rootHash: t.root }, signer);

  it("parses the verifier key and checks its key id", async () => {
    const k = await v.parseVerifierKey(keys.verifierKey);
    expect(k.name).toBe("suyuan.test");
    expect(k.pubkey.length).toBe(32);
    const wrongId = keys.verifierKey.replace(/^([^+]+)\+[0-9a-f]{8}\+/, "$1+00000000+");
    expect(wrongId).not.toBe(keys.verifierKey);
    await expect(v.parseVerifierKey(wrongId)).rejects.toThrow(/key id/);
  });

  it("verifies a checkpoint signed by the log's key and returns what it says", async () => {
    const cp = await v.verifyCheckpointNote(note, keys.verifierKey);
    expect(cp.origin).toBe("suyuan.test/log");
    expect(cp.size).toBe(5);
    expect(b64(cp.rootHash)).toBe(b64(t.root));
  });

  it("refuses a note whose body changed, another key's note, and an unsigned body", async () => {
    const changed = note.replace("\n5\n", "\n6\n");
    await expect(v.verifyCheckpointNote(changed, keys.verifierKey)).rejects.toThrow(/signature does not verify/);
    const other = generateNoteKey("suyuan.test");
    await expect(v.verifyCheckpointNote(note, other.verifierKey)).rejects.toThrow(/no signature/);
    await expect(v.verifyCheckpointNote("suyuan.test/log\n5\nAAAA\n", keys.verifierKey)).rejects.toThrow();
  });

  it("verifies a chain step and names what failed when its record is changed", async () => {
    const cp = await v.verifyCheckpointNote(note, keys.verifierKey);
    const rec = JSON.parse(new TextDecoder().decode(t.records[3]!));
    const step = {
      eventId: rec.hashId,
      eventTime: rec.event.eventTime,
      proof: { logIndex: 3, record: b64(t.records[3]!), inclusionProof: inclusionProofSync(3, 5, t.reader).map(b64) },
    };
    const ok = await v.verifyStep(step, cp);
    expect(ok.ok).toBe(true);
    const flipped = Uint8Array.from(t.records[3]!);
    flipped[10]! ^= 1;
    const bad = await v.verifyStep({ ...step, proof: { ...step.proof, record: b64(flipped) } }, cp);
    expect(bad).toMatchObject({ ok: false, reason: "inclusion" });
    // A valid proof of another record does not vouch for this step.
    const swapped = await v.verifyStep({ ...step, eventId: "urn:uuid:other" }, cp);
    expect(swapped).toMatchObject({ ok: false, reason: "record-mismatch" });
    expect(await v.verifyStep({ ...step, proof: { logIndex: 3 } }, cp)).toMatchObject({ reason: "no-proof" });
    expect(await v.verifyStep({ ...step, proof: { ...step.proof, logIndex: 5 } }, cp)).toMatchObject({
      reason: "not-in-checkpoint",
    });
  });
});
