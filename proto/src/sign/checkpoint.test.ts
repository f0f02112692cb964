import { describe, expect, it } from "vitest";
import { isSuyuanError } from "../errors.ts";
import { leafHash } from "../merkle/hash.ts";
import { formatCheckpoint, openCheckpoint, parseCheckpoint, signCheckpoint } from "./checkpoint.ts";
import { generateNoteKey, parseSignerKey, parseVerifierKey } from "./note.ts";

const codeOf = (f: () => unknown): string => {
  try {
    f();
  } catch (e) {
    return isSuyuanError(e) ? e.code : `raw ${String(e)}`;
  }
  return "no error";
};

// golang.org/x/mod/sumdb/tlog note_test.go: the tree head text for size 123456789012 whose
// hash is RecordHash("hello world") = SHA-256(0x00 || "hello world") (RFC 6962 leaf hash).
const GO_TREE = "go.sum database tree\n123456789012\nTszzRgjTG6xce+z2AG31kAXYKBgQVtCSCE40HmuwBb0=\n";

describe("checkpoint text", () => {
  it("formats the published tree head", () => {
    const rootHash = leafHash(Buffer.from("hello world"));
    expect(formatCheckpoint({ origin: "go.sum database tree", size: 123456789012, rootHash })).toBe(GO_TREE);
  });

  it("parses it back, with and without extension lines", () => {
    const cp = parseCheckpoint(GO_TREE);
    expect(cp.origin).toBe("go.sum database tree");
    expect(cp.size).toBe(123456789012);
    expect(Buffer.from(cp.rootHash).toString("base64")).toBe("TszzRgjTG6xce+z2AG31kAXYKBgQVtCSCE40HmuwBb0=");
    expect(cp.extensions).toEqual([]);
    expect(parseCheckpoint(`${GO_TREE}JOE\n`).extensions).toEqual(["JOE"]);
    expect(parseCheckpoint(GO_TREE + "JOE\n".repeat(1000)).extensions).toHaveLength(1000);
    const withExt = formatCheckpoint({ ...cp, extensions: ["ext one", "ext two"] });
    expect(parseCheckpoint(withExt)).toEqual({ ...cp, extensions: ["ext one", "ext two"] });
  });

  it("formats the empty tree as size 0 with SHA-256 of the empty string", () => {
    const t = formatCheckpoint({
      origin: "example.com/log",
      size: 0,
      rootHash: Buffer.from("e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855", "hex"),
    });
    expect(t).toBe("example.com/log\n0\n47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=\n");
  });

  it("rejects malformed checkpoint text", () => {
    const bad = [
      "go.sum database tree\n0xabcdef\nTszzRgjTG6xce+z2AG31kAXYKBgQVtCSCE40HmuwBb0=\n",
      "go.sum database tree\n123456789012\nTszzRgjTG6xce+z2AG31kAXYKBgQVtCSCE40HmuwBTOOBIG=\n",
      "go.sum database tree\n0123\nTszzRgjTG6xce+z2AG31kAXYKBgQVtCSCE40HmuwBb0=\n", // leading zero
      "go.sum database tree\n-1\nTszzRgjTG6xce+z2AG31kAXYKBgQVtCSCE40HmuwBb0=\n",
      "go.sum database tree\n99999999999999999999\nTszzRgjTG6xce+z2AG31kAXYKBgQVtCSCE40HmuwBb0=\n",
      "\n1\nTszzRgjTG6xce+z2AG31kAXYKBgQVtCSCE40HmuwBb0=\n", // empty origin
      "o\n1\nAAAA\n", // not 32 bytes
      "o\n1\n", // too few lines
      GO_TREE.slice(0, -1), // no final newline
      `${GO_TREE}JOE`, // unterminated extension
      `${GO_TREE}\n`, // empty extension line
      `${GO_TREE}a\u0001\n`,
    ];
    for (const b of bad)
      expect(
        codeOf(() => parseCheckpoint(b)),
        JSON.stringify(b),
      ).toBe("CKPT_MALFORMED_CHECKPOINT");
    const root = new Uint8Array(32);
    expect(codeOf(() => formatCheckpoint({ origin: "", size: 1, rootHash: root }))).toBe("CKPT_MALFORMED_CHECKPOINT");
    expect(codeOf(() => formatCheckpoint({ origin: "a\nb", size: 1, rootHash: root }))).toBe(
      "CKPT_MALFORMED_CHECKPOINT",
    );
    expect(codeOf(() => formatCheckpoint({ origin: "o", size: -1, rootHash: root }))).toBe("CKPT_MALFORMED_CHECKPOINT");
    expect(codeOf(() => formatCheckpoint({ origin: "o", size: 1, rootHash: new Uint8Array(31) }))).toBe(
      "CKPT_MALFORMED_CHECKPOINT",
    );
    expect(codeOf(() => formatCheckpoint({ origin: "o", size: 1, rootHash: root, extensions: [""] }))).toBe(
      "CKPT_MALFORMED_CHECKPOINT",
    );
  });
});

describe("signed checkpoints", () => {
  const log = generateNoteKey("suyuan.example/log");
  const signer = parseSignerKey(log.signerKey);
  const verifier = parseVerifierKey(log.verifierKey);
  const cp = { origin: "suyuan.example/log", size: 42, rootHash: leafHash(Buffer.from("x")) };

  it("sign → open round trip, origin checked", () => {
    const note = signCheckpoint(cp, signer);
    expect(note.startsWith(formatCheckpoint(cp))).toBe(true);
    expect(note).toMatch(/\n\n— suyuan\.example\/log [A-Za-z0-9+/=]+\n$/);
    const opened = openCheckpoint(note, [verifier], { origin: "suyuan.example/log" });
    expect(opened.size).toBe(42);
    expect(Buffer.from(opened.rootHash).equals(cp.rootHash)).toBe(true);
    expect(opened.verified).toHaveLength(1);
    expect(codeOf(() => openCheckpoint(note, [verifier], { origin: "other/log" }))).toBe("CKPT_ORIGIN_MISMATCH");
  });

  it("a witness cosignature from an unknown key is ignored; tampering is caught", () => {
    const witness = parseSignerKey(generateNoteKey("witness.example/w1").signerKey);
    const note = signCheckpoint(cp, [signer, witness]);
    expect(openCheckpoint(note, [verifier]).unverified.map((s) => s.name)).toEqual(["witness.example/w1"]);
    const tampered = note.replace("\n42\n", "\n43\n");
    expect(codeOf(() => openCheckpoint(tampered, [verifier]))).toBe("CKPT_BAD_SIGNATURE");
    // flipping any character of the body or of the log's signature line fails verification
    // or parsing (the witness line belongs to an unknown key and is ignored either way)
    const end = note.indexOf("— witness.example/w1");
    for (let i = 0; i < end - 1; i++) {
      const c = note[i]!;
      if (c === "\n" || c === "\u2014") continue;
      const repl = c === "A" ? "B" : "A";
      const mutated = note.slice(0, i) + repl + note.slice(i + 1);
      expect(
        codeOf(() => openCheckpoint(mutated, [verifier], { origin: cp.origin })),
        `at ${i}`,
      ).toMatch(/^CKPT_/);
    }
  });
});
