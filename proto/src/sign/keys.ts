// Gateway signing keys. A key is identified by keyId = lowercase hex of the first 8 bytes of
// SHA-256(algorithm name || 0x0A || raw public key): derived from the key itself, so it cannot
// be claimed for another key, and domain-separated by algorithm.
import { createHash, createPrivateKey, createPublicKey, type KeyObject } from "node:crypto";
import { SuyuanError } from "../errors.ts";
import { type AlgorithmName, getAlgorithm } from "./algorithms.ts";
import { decodeBase64Strict, encodeBase64 } from "./encoding.ts";

/** A gateway key: the public half always, the private half when held. KeyObjects are reused. */
export interface GatewayKey {
  algorithm: AlgorithmName;
  keyId: string;
  publicKey: KeyObject;
  publicKeyRaw: Uint8Array;
  privateKey?: KeyObject;
}

export interface GatewayKeyPair extends GatewayKey {
  privateKey: KeyObject;
}

export function keyIdFor(algorithm: AlgorithmName, publicKeyRaw: Uint8Array): string {
  return createHash("sha256")
    .update(algorithm)
    .update(Uint8Array.of(0x0a))
    .update(publicKeyRaw)
    .digest()
    .subarray(0, 8)
    .toString("hex");
}

/** Generates a new gateway key pair (default Ed25519). */
export function generateGatewayKey(algorithm: AlgorithmName = "ed25519"): GatewayKeyPair {
  const alg = getAlgorithm(algorithm);
  const { privateKey, publicKey } = alg.keygen();
  const publicKeyRaw = alg.publicKeyToRaw(publicKey);
  return { algorithm, keyId: keyIdFor(algorithm, publicKeyRaw), publicKey, publicKeyRaw, privateKey };
}

/** Wraps a raw public key (e.g. from enrollment) as a GatewayKey. */
export function gatewayPublicKey(algorithm: AlgorithmName, publicKeyRaw: Uint8Array): GatewayKey {
  const alg = getAlgorithm(algorithm);
  const publicKey = alg.publicKeyFromRaw(publicKeyRaw);
  const raw = new Uint8Array(publicKeyRaw);
  return { algorithm, keyId: keyIdFor(algorithm, raw), publicKey, publicKeyRaw: raw };
}

/**
 * Exports one half of a key: "pem" gives SPKI (public) or PKCS#8 (private) PEM; "raw" gives
 * base64 of the raw public key or of the raw private key (the Ed25519 seed).
 */
export function exportKey(key: KeyObject, format: "pem" | "raw", algorithm: AlgorithmName = "ed25519"): string {
  if (format === "pem") {
    return key.type === "private"
      ? (key.export({ type: "pkcs8", format: "pem" }) as string)
      : (key.export({ type: "spki", format: "pem" }) as string);
  }
  const alg = getAlgorithm(algorithm);
  return encodeBase64(key.type === "private" ? alg.privateKeyToRaw(key) : alg.publicKeyToRaw(key));
}

function badKey(message: string, cause?: unknown): SuyuanError {
  return new SuyuanError("SIGN_BAD_KEY", message, { field: "key", ...(cause === undefined ? {} : { cause }) });
}

/**
 * Imports a key exported by exportKey (or any SPKI/PKCS#8 PEM of a supported algorithm). A
 * private key yields the full pair. Raw base64 needs `type` ("public" | "private").
 */
export function importKey(
  text: string,
  options: { algorithm?: AlgorithmName; type?: "public" | "private" } = {},
): GatewayKey {
  const algorithm = options.algorithm ?? "ed25519";
  const alg = getAlgorithm(algorithm);
  if (typeof text !== "string") throw badKey("key text must be a string");
  const trimmed = text.trim();
  let privateKey: KeyObject | undefined;
  let publicKey: KeyObject;
  if (trimmed.startsWith("-----BEGIN")) {
    try {
      if (/-----BEGIN PRIVATE KEY-----/.test(trimmed)) {
        privateKey = createPrivateKey({ key: trimmed, format: "pem" });
        publicKey = createPublicKey(privateKey);
      } else {
        publicKey = createPublicKey({ key: trimmed, format: "pem" });
      }
    } catch (e) {
      throw badKey("PEM key could not be read", e);
    }
    if (publicKey.asymmetricKeyType !== algorithm) {
      throw badKey(`PEM key is ${publicKey.asymmetricKeyType}, expected ${algorithm}`);
    }
  } else {
    const raw = decodeBase64Strict(trimmed);
    if (raw === undefined) throw badKey("raw key is not canonical base64");
    if (options.type === "private") {
      if (raw.length !== alg.privateKeyLength)
        throw badKey(`raw private key: ${raw.length} bytes, expected ${alg.privateKeyLength}`);
      privateKey = alg.privateKeyFromRaw(raw);
      publicKey = createPublicKey(privateKey);
    } else if (options.type === "public") {
      publicKey = alg.publicKeyFromRaw(raw);
    } else {
      throw new TypeError('importKey: raw keys need options.type ("public" or "private")');
    }
  }
  const publicKeyRaw = alg.publicKeyToRaw(publicKey);
  const key: GatewayKey = { algorithm, keyId: keyIdFor(algorithm, publicKeyRaw), publicKey, publicKeyRaw };
  if (privateKey !== undefined) key.privateKey = privateKey;
  return key;
}
