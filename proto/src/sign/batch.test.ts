import { createHash } from "node:crypto";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { isSuyuanError } from "../errors.ts";
import { getAlgorithm, supportedAlgorithms } from "./algorithms.ts";
import {
  type BatchHeader,
  batchHash,
  canonicalHeaderBytes,
  eventProofInBatch,
  eventProofsForBatch,
  eventsRootOf,
  nextBatchLink,
  sealBatch,
  verifyBatch,
  verifyEventInBatch,
  ZERO_HASH,
} from "./batch.ts";
import { exportKey, gatewayPublicKey, generateGatewayKey, importKey, keyIdFor } from "./keys.ts";

const codeOf = (f: () => unknown): string => {
  try {
    f();
  } catch (e) {
    return isSuyuanError(e) ? e.code : `raw ${String(e)}`;
  }
  return "no error";
};
const sha = (s: string) => createHash("sha256").update(s).digest();
const digests = (n: number, tag = "e") => Array.from({ length: n }, (_, i) => new Uint8Array(sha(`${tag}${i}`)));

// RFC 8032 §7.1 TEST 1 (Ed25519, empty message).
const RFC8032_SEED = "9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60";
const RFC8032_PUB = "d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a";
const RFC8032_SIG =
  "e5564300c360ac729086e2cc806e828a84877f1eb8e5d974d873e065224901555fb8821590a33bacc61e39701cf9b46bd25bf5f0595bbe24655141438e7a100b";

describe("algorithm registry", () => {
  it("Ed25519 from raw keys reproduces RFC 8032 test 1", () => {
    const ed = getAlgorithm("ed25519");
    const priv = ed.privateKeyFromRaw(Buffer.from(RFC8032_SEED, "hex"));
    const pub = ed.publicKeyFromRaw(Buffer.from(RFC8032_PUB, "hex"));
    expect(Buffer.from(ed.sign(priv, new Uint8Array(0))).toString("hex")).toBe(RFC8032_SIG);
    expect(ed.verify(pub, new Uint8Array(0), Buffer.from(RFC8032_SIG, "hex"))).toBe(true);
    expect(ed.verify(pub, Uint8Array.of(0), Buffer.from(RFC8032_SIG, "hex"))).toBe(false);
    expect(ed.verify(pub, new Uint8Array(0), Buffer.from(RFC8032_SIG.slice(2), "hex"))).toBe(false);
    expect(Buffer.from(ed.privateKeyToRaw(priv)).toString("hex")).toBe(RFC8032_SEED);
    expect(Buffer.from(ed.publicKeyToRaw(pub)).toString("hex")).toBe(RFC8032_PUB);
    expect(codeOf(() => ed.publicKeyFromRaw(new Uint8Array(31)))).toBe("SIGN_BAD_KEY");
  });

  it("registers ed25519 only; sm2-sm3 is reported unsupported on this runtime", () => {
    expect(supportedAlgorithms()).toEqual(["ed25519"]);
    expect(codeOf(() => getAlgorithm("sm2-sm3"))).toBe("SIGN_UNSUPPORTED_ALGORITHM");
  });
});

describe("gateway keys", () => {
  it("keyId is derived from the public key as documented", () => {
    const k = gatewayPublicKey("ed25519", Buffer.from(RFC8032_PUB, "hex"));
    const expected = createHash("sha256")
      .update(Buffer.concat([Buffer.from("ed25519\n"), Buffer.from(RFC8032_PUB, "hex")]))
      .digest()
      .subarray(0, 8)
      .toString("hex");
    expect(k.keyId).toBe(expected);
    expect(keyIdFor("ed25519", Buffer.from(RFC8032_PUB, "hex"))).toBe(expected);
  });

  it("export/import round-trips as PEM and raw", () => {
    const k = generateGatewayKey();
    expect(k.publicKeyRaw).toHaveLength(32);
    expect(k.keyId).toMatch(/^[0-9a-f]{16}$/);
    for (const format of ["pem", "raw"] as const) {
      const priv = importKey(exportKey(k.privateKey, format), { type: "private" });
      const pub = importKey(exportKey(k.publicKey, format), { type: "public" });
      expect(priv.keyId).toBe(k.keyId);
      expect(pub.keyId).toBe(k.keyId);
      expect(pub.privateKey).toBeUndefined();
      expect(priv.privateKey?.type).toBe("private");
    }
    expect(exportKey(k.publicKey, "pem")).toMatch(/^-----BEGIN PUBLIC KEY-----/);
    expect(exportKey(k.privateKey, "pem")).toMatch(/^-----BEGIN PRIVATE KEY-----/);
    expect(codeOf(() => importKey("not base64!", { type: "public" }))).toBe("SIGN_BAD_KEY");
    expect(codeOf(() => importKey("AAAA", { type: "public" }))).toBe("SIGN_BAD_KEY");
    expect(codeOf(() => importKey("-----BEGIN PUBLIC KEY-----\nAAAA\n-----END PUBLIC KEY-----\n"))).toBe(
      "SIGN_BAD_KEY",
    );
  });
});

function header(over: Partial<BatchHeader> = {}): BatchHeader {
  return {
    version: 1,
    gatewayId: "gw-01",
    keyId: "k1",
    algorithm: "ed25519",
    firstSeq: 258n,
    count: 3,
    prevBatchHash: new Uint8Array(32).fill(0xaa),
    eventsRoot: new Uint8Array(32).fill(0xbb),
    createdAt: "2024-05-01T08:00:00.123Z",
    ...over,
  };
}

describe("canonical header bytes", () => {
  it("follow the documented layout exactly", () => {
    const expected =
      Buffer.from("suyuan-batch-v1\0").toString("hex") +
      "01" +
      "0005" +
      Buffer.from("gw-01").toString("hex") +
      "0002" +
      Buffer.from("k1").toString("hex") +
      "0007" +
      Buffer.from("ed25519").toString("hex") +
      "0000000000000102" +
      "00000003" +
      "20" +
      "aa".repeat(32) +
      "20" +
      "bb".repeat(32) +
      "0018" +
      Buffer.from("2024-05-01T08:00:00.123Z").toString("hex");
    expect(Buffer.from(canonicalHeaderBytes(header())).toString("hex")).toBe(expected);
    expect(Buffer.from(batchHash(header())).toString("hex")).toBe(
      createHash("sha256").update(Buffer.from(expected, "hex")).digest("hex"),
    );
  });

  it("length prefixes keep field boundaries unambiguous", () => {
    const a = canonicalHeaderBytes(header({ gatewayId: "ab", keyId: "c" }));
    const b = canonicalHeaderBytes(header({ gatewayId: "a", keyId: "bc" }));
    expect(Buffer.from(a).equals(Buffer.from(b))).toBe(false);
  });

  it("distinct headers give distinct bytes (property)", () => {
    const arbHeader = fc.record({
      gatewayId: fc
        .string({ minLength: 1, maxLength: 8, unit: "grapheme-ascii" })
        .filter((s) => !/[\u0000-\u001f\u007f]/.test(s)),
      keyId: fc
        .string({ minLength: 1, maxLength: 8, unit: "grapheme-ascii" })
        .filter((s) => !/[\u0000-\u001f\u007f]/.test(s)),
      firstSeq: fc.bigInt({ min: 0n, max: (1n << 63n) - 1n }),
      count: fc.integer({ min: 1, max: 0xffff }),
    });
    fc.assert(
      fc.property(arbHeader, arbHeader, (x, y) => {
        const hx = header(x);
        const hy = header(y);
        const same =
          x.gatewayId === y.gatewayId && x.keyId === y.keyId && x.firstSeq === y.firstSeq && x.count === y.count;
        expect(Buffer.from(canonicalHeaderBytes(hx)).equals(Buffer.from(canonicalHeaderBytes(hy)))).toBe(same);
      }),
      { numRuns: 300 },
    );
  });

  it("rejects invalid headers with SIGN_BAD_HEADER naming the field", () => {
    const cases: Array<[Partial<BatchHeader> | Record<string, unknown>, string]> = [
      [{ version: 2 }, "version"],
      [{ gatewayId: "" }, "gatewayId"],
      [{ gatewayId: "a\nb" }, "gatewayId"],
      [{ keyId: "x".repeat(257) }, "keyId"],
      [{ algorithm: "Ed25519" }, "algorithm"],
      [{ firstSeq: -1n }, "firstSeq"],
      [{ firstSeq: 5 }, "firstSeq"],
      [{ firstSeq: 1n << 64n }, "firstSeq"],
      [{ firstSeq: (1n << 64n) - 2n, count: 3 }, "firstSeq"],
      [{ count: 0 }, "count"],
      [{ count: 1.5 }, "count"],
      [{ count: 2 ** 32 }, "count"],
      [{ prevBatchHash: new Uint8Array(31) }, "prevBatchHash"],
      [{ eventsRoot: "00" }, "eventsRoot"],
      [{ createdAt: "2024-05-01T08:00:00Z" }, "createdAt"],
      [{ createdAt: "2024-05-01T08:00:00.000+08:00" }, "createdAt"],
      [{ createdAt: "2024-02-30T08:00:00.000Z" }, "createdAt"],
    ];
    for (const [over, field] of cases) {
      try {
        canonicalHeaderBytes(header(over as Partial<BatchHeader>));
        expect.unreachable(`accepted ${field}`);
      } catch (e) {
        expect(isSuyuanError(e, "SIGN_BAD_HEADER"), String(e)).toBe(true);
        expect((e as { field?: string }).field).toBe(field);
      }
    }
  });
});

describe("seal and verify", () => {
  const key = generateGatewayKey();
  const params = {
    gatewayId: "gw-01",
    keyId: key.keyId,
    algorithm: "ed25519" as const,
    firstSeq: 0n,
    prevBatchHash: ZERO_HASH,
    createdAt: "2024-05-01T08:00:00.000Z",
  };

  it("a sealed batch verifies, with and without its events", () => {
    const ev = digests(10);
    const { header: h, signature } = sealBatch(params, ev, key);
    expect(h.count).toBe(10);
    expect(signature).toHaveLength(64);
    verifyBatch(h, signature, key, ev);
    verifyBatch(h, signature, key.publicKey);
    verifyBatch(h, signature, importKey(exportKey(key.publicKey, "raw"), { type: "public" }), ev);
  });

  it("events root is the RFC 9162 root over SHA-256(0x00 ‖ digest) leaves", () => {
    const ev = digests(3);
    const l = ev.map((d) => createHash("sha256").update(Uint8Array.of(0)).update(d).digest());
    const node = (a: Uint8Array, b: Uint8Array) =>
      createHash("sha256").update(Uint8Array.of(1)).update(a).update(b).digest();
    expect(Buffer.from(eventsRootOf(ev)).equals(node(node(l[0]!, l[1]!), l[2]!))).toBe(true);
  });

  it("tampering with any header byte, signature byte, root or count fails with the right code", () => {
    const ev = digests(7);
    const { header: h, signature } = sealBatch(params, ev, key);
    // every byte of the signature
    for (let i = 0; i < signature.length; i++) {
      const s = new Uint8Array(signature);
      s[i]! ^= 0x01;
      expect(codeOf(() => verifyBatch(h, s, key, ev))).toBe("SIGN_BAD_SIGNATURE");
    }
    expect(codeOf(() => verifyBatch(h, signature.subarray(0, 63), key, ev))).toBe("SIGN_BAD_SIGNATURE");
    // every byte of the two hashes
    for (let i = 0; i < 32; i++) {
      const prev = new Uint8Array(h.prevBatchHash);
      prev[i]! ^= 0x80;
      expect(codeOf(() => verifyBatch({ ...h, prevBatchHash: prev }, signature, key, ev))).toBe("SIGN_BAD_SIGNATURE");
      const root = new Uint8Array(h.eventsRoot);
      root[i]! ^= 0x80;
      expect(codeOf(() => verifyBatch({ ...h, eventsRoot: root }, signature, key, ev))).toBe("SIGN_ROOT_MISMATCH");
      expect(codeOf(() => verifyBatch({ ...h, eventsRoot: root }, signature, key))).toBe("SIGN_BAD_SIGNATURE");
    }
    // scalar fields
    for (const over of [
      { gatewayId: "gw-02" },
      { firstSeq: 1n },
      { createdAt: "2024-05-01T08:00:00.001Z" },
    ] as Partial<BatchHeader>[]) {
      expect(codeOf(() => verifyBatch({ ...h, ...over }, signature, key.publicKey, ev))).toBe("SIGN_BAD_SIGNATURE");
    }
    expect(codeOf(() => verifyBatch({ ...h, keyId: "other" }, signature, key, ev))).toBe("SIGN_KEY_MISMATCH");
    expect(codeOf(() => verifyBatch({ ...h, keyId: "other" }, signature, key.publicKey, ev))).toBe(
      "SIGN_BAD_SIGNATURE",
    );
    expect(codeOf(() => verifyBatch({ ...h, count: 8 }, signature, key, ev))).toBe("SIGN_COUNT_MISMATCH");
    expect(codeOf(() => verifyBatch({ ...h, count: 6 }, signature, key))).toBe("SIGN_BAD_SIGNATURE");
    expect(codeOf(() => verifyBatch(h, signature, key, ev.slice(1)))).toBe("SIGN_COUNT_MISMATCH");
    // a changed event
    const ev2 = ev.slice();
    ev2[3] = new Uint8Array(sha("other"));
    expect(codeOf(() => verifyBatch(h, signature, key, ev2))).toBe("SIGN_ROOT_MISMATCH");
    // reordered events
    expect(codeOf(() => verifyBatch(h, signature, key, [ev[1]!, ev[0]!, ...ev.slice(2)]))).toBe("SIGN_ROOT_MISMATCH");
    // wrong key
    expect(codeOf(() => verifyBatch(h, signature, generateGatewayKey().publicKey, ev))).toBe("SIGN_BAD_SIGNATURE");
    // algorithm
    expect(codeOf(() => verifyBatch({ ...h, algorithm: "sm2-sm3" }, signature, key.publicKey, ev))).toBe(
      "SIGN_UNSUPPORTED_ALGORITHM",
    );
    // wire garbage never crashes raw
    expect(codeOf(() => verifyBatch({ ...h, count: "7" as unknown as number }, signature, key, ev))).toBe(
      "SIGN_BAD_HEADER",
    );
    expect(codeOf(() => verifyBatch(h, signature, key, [new Uint8Array(3), ...ev.slice(1)]))).toBe(
      "SIGN_BAD_EVENT_DIGEST",
    );
  });

  it("flipping any byte of the canonical header invalidates the signature", () => {
    const ev = digests(4);
    const { header: h, signature } = sealBatch(params, ev, key);
    const bytes = canonicalHeaderBytes(h);
    const ed = getAlgorithm("ed25519");
    expect(ed.verify(key.publicKey, bytes, signature)).toBe(true);
    for (let i = 0; i < bytes.length; i++) {
      const b = new Uint8Array(bytes);
      b[i]! ^= 0x04;
      expect(ed.verify(key.publicKey, b, signature)).toBe(false);
    }
  });

  it("batches chain by firstSeq and prevBatchHash", () => {
    const a = sealBatch(params, digests(5, "a"), key);
    const link = nextBatchLink(a.header);
    expect(link.firstSeq).toBe(5n);
    expect(Buffer.from(link.prevBatchHash).equals(Buffer.from(batchHash(a.header)))).toBe(true);
    const b = sealBatch({ ...params, ...link }, digests(3, "b"), key);
    expect(b.header.firstSeq).toBe(5n);
    verifyBatch(b.header, b.signature, key);
    expect(codeOf(() => sealBatch(params, [], key))).toBe("SIGN_EMPTY_BATCH");
    expect(() => sealBatch({ ...params, keyId: "someone-else" }, digests(1), key)).toThrow(TypeError);
  });

  it("per-event proofs verify against the header and fail for other events or positions", () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 70 }), (n) => {
        const ev = digests(n, `p${n}`);
        const { header: h } = sealBatch(params, ev, key);
        const all = eventProofsForBatch(ev);
        for (let i = 0; i < n; i++) {
          const proof = eventProofInBatch(i, ev);
          expect(proof.map((p) => Buffer.from(p).toString("hex"))).toEqual(
            all[i]!.map((p) => Buffer.from(p).toString("hex")),
          );
          expect(verifyEventInBatch(ev[i]!, i, h, proof)).toBe(true);
          if (n > 1) {
            const j = (i + 1) % n;
            expect(verifyEventInBatch(ev[j]!, i, h, proof)).toBe(false);
            expect(verifyEventInBatch(ev[i]!, j, h, proof)).toBe(false);
          }
          expect(verifyEventInBatch(ev[i]!, i, { ...h, eventsRoot: new Uint8Array(32) }, proof)).toBe(false);
        }
      }),
      { numRuns: 30 },
    );
  });
});
