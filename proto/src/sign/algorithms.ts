// Signature algorithm registry: the batch header names its algorithm, so another one can be
// added here without changing the batch format. KeyObjects are built once per key and reused
// (importing a key costs far more than an Ed25519 signature).
//
// SM2-with-SM3 (GM/T 0003.2 / GB/T 32918.2 with GM/T 0009 user ID) is NOT registered. Checked
// on Node 20 (OpenSSL 3.0): `generateKeyPairSync("ec", {namedCurve: "SM2"})` yields an "ec"
// key and `sign("sm3", …)` then computes plain ECDSA over the SM2 curve, not SM2. A key
// re-imported from DER becomes an SM2 key and does produce SM2 signatures, but with the
// Z value computed over an EMPTY distinguishing ID, and Node offers no way to set the
// GM/T 0009 default ID "1234567812345678" — so signatures would not verify in conformant
// SM2 implementations. Adding it needs an SM2 implementation that takes the ID.
import { createPrivateKey, createPublicKey, generateKeyPairSync, type KeyObject, sign, verify } from "node:crypto";
import { SuyuanError } from "../errors.ts";

export type AlgorithmName = "ed25519" | "sm2-sm3";

export interface SignatureAlgorithm {
  readonly name: AlgorithmName;
  /** Length of the raw public key encoding. */
  readonly publicKeyLength: number;
  /** Length of the raw private key encoding (the Ed25519 seed). */
  readonly privateKeyLength: number;
  keygen(): { privateKey: KeyObject; publicKey: KeyObject };
  sign(privateKey: KeyObject, message: Uint8Array): Uint8Array;
  /** Never throws on malformed signatures: returns false. */
  verify(publicKey: KeyObject, message: Uint8Array, signature: Uint8Array): boolean;
  publicKeyFromRaw(raw: Uint8Array): KeyObject;
  publicKeyToRaw(publicKey: KeyObject): Uint8Array;
  privateKeyFromRaw(raw: Uint8Array): KeyObject;
  privateKeyToRaw(privateKey: KeyObject): Uint8Array;
}

// RFC 8410 §7 / §10.3: DER prefixes of an Ed25519 SubjectPublicKeyInfo and of a PKCS#8
// OneAsymmetricKey (v1) wrapping a 32-byte seed; the raw key follows the prefix.
const ED25519_SPKI_PREFIX = Buffer.from("302a300506032b6570032100", "hex");
const ED25519_PKCS8_PREFIX = Buffer.from("302e020100300506032b657004220420", "hex");

function badKey(message: string): SuyuanError {
  return new SuyuanError("SIGN_BAD_KEY", message, { field: "key" });
}

const ed25519: SignatureAlgorithm = {
  name: "ed25519",
  publicKeyLength: 32,
  privateKeyLength: 32,
  keygen() {
    return generateKeyPairSync("ed25519");
  },
  sign(privateKey, message) {
    return sign(null, message, privateKey);
  },
  verify(publicKey, message, signature) {
    // RFC 8032 §5.1: a signature is 64 bytes; anything else is simply invalid.
    if (signature.length !== 64) return false;
    try {
      return verify(null, message, publicKey, signature);
    } catch {
      return false;
    }
  },
  publicKeyFromRaw(raw) {
    if (raw.length !== 32) throw badKey(`Ed25519 public key: ${raw.length} bytes, expected 32`);
    try {
      return createPublicKey({ key: Buffer.concat([ED25519_SPKI_PREFIX, raw]), format: "der", type: "spki" });
    } catch (e) {
      throw new SuyuanError("SIGN_BAD_KEY", "Ed25519 public key: not a valid key", { field: "key", cause: e });
    }
  },
  publicKeyToRaw(publicKey) {
    if (publicKey.asymmetricKeyType !== "ed25519")
      throw badKey(`expected an Ed25519 key, got ${publicKey.asymmetricKeyType}`);
    const der = publicKey.export({ type: "spki", format: "der" });
    return new Uint8Array(der.subarray(der.length - 32));
  },
  privateKeyFromRaw(raw) {
    if (raw.length !== 32) throw badKey(`Ed25519 private key seed: ${raw.length} bytes, expected 32`);
    return createPrivateKey({ key: Buffer.concat([ED25519_PKCS8_PREFIX, raw]), format: "der", type: "pkcs8" });
  },
  privateKeyToRaw(privateKey) {
    if (privateKey.asymmetricKeyType !== "ed25519" || privateKey.type !== "private") {
      throw badKey("expected an Ed25519 private key");
    }
    const der = privateKey.export({ type: "pkcs8", format: "der" });
    return new Uint8Array(der.subarray(der.length - 32));
  },
};

const REGISTRY: ReadonlyMap<string, SignatureAlgorithm> = new Map([[ed25519.name, ed25519]]);

/** Names of the algorithms this build can sign and verify with. */
export function supportedAlgorithms(): AlgorithmName[] {
  return [...REGISTRY.keys()] as AlgorithmName[];
}

/** Looks up an algorithm by the name a header carries; SIGN_UNSUPPORTED_ALGORITHM if unknown. */
export function getAlgorithm(name: string): SignatureAlgorithm {
  const a = REGISTRY.get(name);
  if (a === undefined) {
    throw new SuyuanError(
      "SIGN_UNSUPPORTED_ALGORITHM",
      `algorithm "${name}" is not supported here (supported: ${supportedAlgorithms().join(", ")})`,
      { field: "algorithm" },
    );
  }
  return a;
}
