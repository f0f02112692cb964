import { describe, expect, it } from "vitest";
import { isSuyuanError } from "../errors.ts";
import {
  generateNoteKey,
  type NoteVerifier,
  openNote,
  parseNote,
  parseSignerKey,
  parseVerifierKey,
  signNote,
} from "./note.ts";

// Test vectors published with golang.org/x/mod/sumdb/note (note_test.go): a known key pair,
// a second verifier key, the exact signed output for a known text and signatures by both keys.
const PETER_VKEY = "PeterNeumann+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW";
const PETER_SKEY = "PRIVATE+KEY+PeterNeumann+c74f20a3+AYEKFALVFGyNhPJEMzD1QIDr+Y7hfZx09iUvxdXHKDFz";
const ENOCH_VKEY = "EnochRoot+af0cfe78+ATtqJ7zOtqQtYqOo0CpvDXNlMhV3HeJDpjrASKGLWdop";
const TEXT = "If you think cryptography is the answer to your problem,\nthen you don't know what your problem is.\n";
const PETER_SIG_B64 = "x08go/ZJkuBS9UG/SffcvIAQxVBtiFupLLr8pAcElZInNIuGUgYN1FFYC2pZSNXgKvqfqdngotpRZb6KE6RyyBwJnAM=";
const PETER_SIG = `— PeterNeumann ${PETER_SIG_B64}\n`;
const ENOCH_SIG_B64 = "rwz+eBzmZa0SO3NbfRGzPCpDckykFXSdeX+MNtCOXm2/5n2tiOHp+vAF1aGrQ5ovTG01oOTGwnWLox33WWd1RvMc+QQ=";
const ENOCH_SIG = `— EnochRoot ${ENOCH_SIG_B64}\n`;

const codeOf = (f: () => unknown): string => {
  try {
    f();
  } catch (e) {
    return isSuyuanError(e) ? e.code : `raw ${String(e)}`;
  }
  return "no error";
};

describe("signed-note keys", () => {
  it("parses the published verifier and signer keys", () => {
    const v = parseVerifierKey(PETER_VKEY);
    expect(v.name).toBe("PeterNeumann");
    expect(v.keyId).toBe(0xc74f20a3);
    const s = parseSignerKey(PETER_SKEY);
    expect(s.name).toBe("PeterNeumann");
    expect(s.keyId).toBe(0xc74f20a3);
    // The signer's derived public key is the published verifier key.
    expect(s.verifierKey).toBe(PETER_VKEY);
    expect(parseVerifierKey(ENOCH_VKEY).keyId).toBe(0xaf0cfe78);
  });

  it("rejects every proper substring and every single-byte change of the keys", () => {
    for (const [key, parse] of [
      [PETER_VKEY, parseVerifierKey],
      [PETER_SKEY, parseSignerKey],
    ] as const) {
      for (let i = 0; i <= key.length; i++) {
        for (let j = i + 1; j <= key.length; j++) {
          if (i === 0 && j === key.length) continue;
          expect(
            codeOf(() => parse(key.slice(i, j))),
            key.slice(i, j),
          ).toBe("CKPT_BAD_KEY");
        }
      }
      for (let i = 0; i < key.length; i++) {
        const mangled = key.slice(0, i) + String.fromCharCode(key.charCodeAt(i) + 1) + key.slice(i + 1);
        expect(
          codeOf(() => parse(mangled)),
          mangled,
        ).toBe("CKPT_BAD_KEY");
      }
    }
    // wrong key length with a matching key ID; unknown algorithm with a matching key ID
    expect(
      codeOf(() => parseVerifierKey("PeterNeumann+cc469956+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TWBADKEY==")),
    ).toBe("CKPT_BAD_KEY");
    expect(codeOf(() => parseVerifierKey("PeterNeumann+173116ae+ZRpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW"))).toBe(
      "CKPT_BAD_KEY",
    );
  });

  it("generated keys round-trip and sign/verify", () => {
    const { signerKey, verifierKey } = generateNoteKey("EnochRoot");
    const s = parseSignerKey(signerKey);
    const v = parseVerifierKey(verifierKey);
    expect(s.verifierKey).toBe(verifierKey);
    expect(s.keyId).toBe(v.keyId);
    const msg = Buffer.from("hi");
    const sig = s.sign(msg);
    expect(v.verify(msg, sig)).toBe(true);
    sig[0]! ^= 1;
    expect(v.verify(msg, sig)).toBe(false);
    expect(codeOf(() => generateNoteKey("bad name"))).toBe("CKPT_BAD_KEY");
    expect(codeOf(() => generateNoteKey("a+b"))).toBe("CKPT_BAD_KEY");
  });
});

describe("signNote", () => {
  it("produces the published signed note byte for byte", () => {
    expect(signNote(TEXT, parseSignerKey(PETER_SKEY))).toBe(`${TEXT}\n${PETER_SIG}`);
  });

  it("rejects text that is not note text", () => {
    const s = parseSignerKey(PETER_SKEY);
    expect(codeOf(() => signNote("abc", s))).toBe("CKPT_MALFORMED_NOTE");
    expect(codeOf(() => signNote("", s))).toBe("CKPT_MALFORMED_NOTE");
    expect(codeOf(() => signNote("a\u0001b\n", s))).toBe("CKPT_MALFORMED_NOTE");
    expect(codeOf(() => signNote("lone \ud800 surrogate\n", s))).toBe("CKPT_MALFORMED_NOTE");
  });

  it("signs with several keys in order", () => {
    const a = parseSignerKey(generateNoteKey("a.example/log").signerKey);
    const b = parseSignerKey(generateNoteKey("b.example/witness").signerKey);
    const note = signNote("hello\n", [a, b]);
    const { signatures } = parseNote(note);
    expect(signatures.map((x) => x.name)).toEqual(["a.example/log", "b.example/witness"]);
  });
});

describe("openNote", () => {
  const peter = parseVerifierKey(PETER_VKEY);
  const enoch = parseVerifierKey(ENOCH_VKEY);

  it("verifies the known signature and ignores the unknown one", () => {
    const n = openNote(`${TEXT}\n${PETER_SIG}${ENOCH_SIG}`, [peter]);
    expect(n.body).toBe(TEXT);
    expect(n.verified).toEqual([{ name: "PeterNeumann", keyId: 0xc74f20a3, base64: PETER_SIG_B64 }]);
    expect(n.unverified).toEqual([{ name: "EnochRoot", keyId: 0xaf0cfe78, base64: ENOCH_SIG_B64 }]);
  });

  it("verifies both published signatures", () => {
    const n = openNote(`${TEXT}\n${PETER_SIG}${ENOCH_SIG}`, [peter, enoch]);
    expect(n.verified.map((s) => s.name)).toEqual(["PeterNeumann", "EnochRoot"]);
    expect(n.unverified).toEqual([]);
  });

  it("accepts bytes as well as strings", () => {
    expect(openNote(Buffer.from(`${TEXT}\n${PETER_SIG}`), [peter]).body).toBe(TEXT);
  });

  it("rejects a note with no signature from a known key", () => {
    expect(codeOf(() => openNote(`${TEXT}\n${PETER_SIG}${ENOCH_SIG}`, []))).toBe("CKPT_NO_VERIFIED_SIGNATURE");
    // same name, other key ID → unknown key, ignored
    const other = parseVerifierKey(generateNoteKey("PeterNeumann").verifierKey);
    expect(codeOf(() => openNote(`${TEXT}\n${PETER_SIG}`, [other]))).toBe("CKPT_NO_VERIFIED_SIGNATURE");
  });

  it("rejects ambiguous verifiers only when they are needed", () => {
    expect(codeOf(() => openNote(`${TEXT}\n${ENOCH_SIG}`, [enoch, peter, enoch]))).toBe("CKPT_AMBIGUOUS_KEY");
    expect(openNote(`${TEXT}\n${PETER_SIG}`, [enoch, peter, enoch]).verified).toHaveLength(1);
  });

  it("limits the number of signatures", () => {
    expect(codeOf(() => openNote(`${TEXT}\n${PETER_SIG.repeat(101)}`, [peter]))).toBe("CKPT_MALFORMED_NOTE");
    expect(codeOf(() => openNote(`${TEXT}\n${PETER_SIG.repeat(101)}`, []))).toBe("CKPT_MALFORMED_NOTE");
    // at least 16 MUST be accepted (signed-note); duplicates collapse
    expect(openNote(`${TEXT}\n${PETER_SIG.repeat(16)}`, [peter]).verified).toHaveLength(1);
  });

  it("rejects the whole note when a known key's signature fails", () => {
    const bad = `${PETER_SIG.slice(0, 60)}ABCD${PETER_SIG.slice(60)}`;
    expect(codeOf(() => openNote(`${TEXT}\n${bad}`, [peter]))).toBe("CKPT_BAD_SIGNATURE");
    // a changed text fails the known signature
    expect(codeOf(() => openNote(`${TEXT.replace("answer", "Answer")}\n${PETER_SIG}`, [peter]))).toBe(
      "CKPT_BAD_SIGNATURE",
    );
  });

  it("de-duplicates repeated signatures", () => {
    // Go's test inserts "ABCD" at byte 60 of the line (the em dash is 3 bytes in UTF-8).
    const abcdB64 = "rwz+eBzmZa0SO3NbfRGzPCpDckykFXSdeX+MNtCOXm2/5nABCD2tiOHp+vAF1aGrQ5ovTG01oOTGwnWLox33WWd1RvMc+QQ=";
    const enochAbcd = `— EnochRoot ${abcdB64}\n`;
    const n = openNote(`${TEXT}\n${PETER_SIG}${PETER_SIG}${ENOCH_SIG}${ENOCH_SIG}${enochAbcd}`, [peter]);
    expect(n.verified.map((s) => s.name)).toEqual(["PeterNeumann"]);
    expect(n.unverified.map((s) => s.base64)).toEqual([ENOCH_SIG_B64, abcdB64]);
  });

  it("rejects malformed notes", () => {
    const bad: Array<string | Uint8Array> = [
      TEXT,
      `${TEXT}\n`,
      `${TEXT}\n${PETER_SIG.slice(0, -1)}`,
      `\u0001${TEXT}\n${PETER_SIG}`,
      Buffer.concat([Buffer.from([0xff]), Buffer.from(`${TEXT}\n${PETER_SIG}`)]),
      `${TEXT}\n— Bad Name ${PETER_SIG_B64}`,
      `${TEXT}\n${PETER_SIG}Unexpected line.\n`,
      `${TEXT}\n— PeterNeumann ${PETER_SIG_B64.slice(0, -1)}\n`, // unpadded base64
      `${TEXT}\n— PeterNeumann AAAA\n`, // too short for keyID + signature
      `${TEXT}\n—  ${PETER_SIG_B64}\n`, // empty key name
      `${TEXT}\n- PeterNeumann ${PETER_SIG_B64}\n`, // hyphen, not em dash
    ];
    for (const b of bad)
      expect(
        codeOf(() => openNote(b, [peter])),
        String(b),
      ).toBe("CKPT_MALFORMED_NOTE");
  });

  it("the body may contain blank lines: the last blank line separates the signatures", () => {
    const s = parseSignerKey(PETER_SKEY);
    const body = "para one\n\npara two\n";
    expect(openNote(signNote(body, s), [peter]).body).toBe(body);
  });

  it("a verifier that claims another key cannot verify", () => {
    const fake: NoteVerifier = { name: "CarmenSandiego", keyId: 0xc74f20a3, verify: peter.verify };
    const misnamed = PETER_SIG.replace("PeterNeumann", "CarmenSandiego");
    // the verifier answers for the name/ID it claims and the signature is Peter's: opening with
    // only Peter's real verifier must not accept the renamed line
    expect(codeOf(() => openNote(`${TEXT}\n${misnamed}`, [peter]))).toBe("CKPT_NO_VERIFIED_SIGNATURE");
    expect(openNote(`${TEXT}\n${misnamed}`, [fake]).verified).toHaveLength(1);
  });
});
