// Test support for the capture tests: a small master-data reader, an enrolled gateway with a
// real Ed25519 key that seals real batches (proto sealBatch), a real verifiable log over the
// in-memory store, and a ledger wrapper that can hold appends (for pushback).
import {
  type BatchHeader,
  batchHash,
  type EpcisEvent,
  encodeBase64,
  eventHashBytes,
  eventToProto,
  type GatewayKeyPair,
  generateGatewayKey,
  generateNoteKey,
  parseCode,
  parseSignerKey,
  sealBatch,
  ZERO_HASH,
} from "@suyuan/proto";
import type { SignedBatch } from "@suyuan/proto/gen/suyuan/v1/batch.ts";
import { VerifiableLog } from "../log/verifiable-log.ts";
import type { GatewayEnrolment, Ledger, MasterDataReader } from "../model.ts";
import { MemoryStore } from "../store/memory/memory-store.ts";
import type { MetaPut } from "../store/store.ts";
import type { KeyStatusFn } from "./processor.ts";
import { headerToProto } from "./proto-header.ts";

export const PARTY_A = "https://id.gs1.org/417/0614141000005";
export const PARTY_B = "https://id.gs1.org/417/0012345000008";
/** A site of party A (EPC URI as a reader would write it) and another one of party B. */
export const SITE_A = "urn:epc:id:sgln:0614141.07346.0";
export const DOCK_A = "urn:epc:id:sgln:0614141.07346.1234";
export const SITE_B = "urn:epc:id:sgln:0012345.11111.0";

export const canonical = (id: string): string => parseCode(id).canonical;

export class FakeMaster implements MasterDataReader {
  readonly locations = new Map<string, string>();
  readonly gateways = new Map<string, GatewayEnrolment>();
  readonly revoked = new Set<string>();

  /** Registers a location (any code form; stored under its canonical id) for a party. */
  own(party: string, locationId: string): this {
    this.locations.set(canonical(locationId), party);
    return this;
  }
  partyOfLocation(locationId: string): string | undefined {
    return this.locations.get(locationId);
  }
  location(locationId: string) {
    const party = this.locations.get(locationId);
    return party === undefined ? undefined : { id: locationId, name: locationId, party };
  }
  party(partyId: string) {
    return { id: partyId, name: partyId };
  }
  product() {
    return undefined;
  }
  gateway(gatewayId: string): GatewayEnrolment | undefined {
    return this.gateways.get(gatewayId);
  }
  keyStatus: KeyStatusFn = (gatewayId, keyId) => (this.revoked.has(`${gatewayId}/${keyId}`) ? "revoked" : undefined);
}

/** A gateway as the gateway process would run it: its key, sequence and hash chain. */
export class TestGateway {
  readonly key: GatewayKeyPair = generateGatewayKey();
  nextSeq = 0n;
  prev: Uint8Array = ZERO_HASH;

  constructor(
    readonly id: string,
    readonly party: string,
    readonly allowedReadPoints: string[] = [],
  ) {}

  enrolment(): GatewayEnrolment {
    return {
      gatewayId: this.id,
      party: this.party,
      keys: [
        {
          keyId: this.key.keyId,
          algorithm: "ed25519",
          publicKey: encodeBase64(this.key.publicKeyRaw),
          status: "active",
          enrolledAt: "2024-01-01T00:00:00.000Z",
        },
      ],
      allowedReadPoints: this.allowedReadPoints.map(canonical),
    };
  }

  /**
   * Seals the next batch over `events` and advances the chain (unless `advance: false`).
   * `firstSeq`/`prev` override the chain position (to build gaps and forks).
   */
  seal(
    events: EpcisEvent[],
    opts: { firstSeq?: bigint; prev?: Uint8Array; advance?: boolean; hints?: boolean; key?: GatewayKeyPair } = {},
  ): { batch: SignedBatch; header: BatchHeader } {
    const digests = events.map((e) => eventHashBytes(e));
    const key = opts.key ?? this.key;
    const sealed = sealBatch(
      {
        gatewayId: this.id,
        keyId: key.keyId,
        algorithm: "ed25519",
        firstSeq: opts.firstSeq ?? this.nextSeq,
        prevBatchHash: opts.prev ?? this.prev,
        createdAt: "2024-03-01T08:00:00.000Z",
      },
      digests,
      key,
    );
    if (opts.advance !== false) {
      this.nextSeq = sealed.header.firstSeq + BigInt(sealed.header.count);
      this.prev = batchHash(sealed.header);
    }
    return {
      header: sealed.header,
      batch: {
        header: headerToProto(sealed.header),
        signature: Buffer.from(sealed.signature),
        events: events.map(eventToProto),
        eventHashes: opts.hints === false ? [] : digests.map((d) => Buffer.from(d)),
      },
    };
  }
}

/** An ObjectEvent observing one SGTIN at `readPoint` (distinct serial per n). */
export function observe(n: number, readPoint = DOCK_A, extra: Partial<EpcisEvent> = {}): EpcisEvent {
  return {
    type: "ObjectEvent",
    eventTime: `2024-03-01T08:00:${String(n % 60).padStart(2, "0")}.000+08:00`,
    eventTimeZoneOffset: "+08:00",
    action: "OBSERVE",
    epcList: [`urn:epc:id:sgtin:0614141.107346.${1000 + n}`],
    bizStep: "receiving",
    disposition: "in_progress",
    readPoint: { id: readPoint },
    bizLocation: { id: SITE_A },
    ...extra,
  };
}

export async function openLog(): Promise<{ log: VerifiableLog; store: MemoryStore }> {
  const store = new MemoryStore();
  await store.open();
  const { signerKey, verifierKey } = generateNoteKey("suyuan.test");
  const log = await VerifiableLog.open({
    store,
    signer: parseSignerKey(signerKey),
    verifierKey,
    origin: "suyuan.test/capture",
    checkpointIntervalMs: 60_000,
  });
  return { log, store };
}

/** A ledger whose appends wait until released (to keep events "in flight"). */
export class HeldLedger implements Ledger {
  private gate: Promise<void> | undefined;
  private open: (() => void) | undefined;
  appendCalls = 0;

  constructor(private readonly inner: Ledger) {}

  hold(): void {
    this.gate = new Promise((resolve) => {
      this.open = resolve;
    });
  }
  release(): void {
    this.open?.();
    this.gate = undefined;
  }
  async append(items: Parameters<Ledger["append"]>[0], meta?: readonly MetaPut[]) {
    this.appendCalls++;
    if (this.gate !== undefined) await this.gate;
    return this.inner.append(items, meta);
  }
  async appendPrepared(items: Parameters<Ledger["appendPrepared"]>[0], meta?: readonly MetaPut[]) {
    this.appendCalls++;
    if (this.gate !== undefined) await this.gate;
    return this.inner.appendPrepared(items, meta);
  }
  size() {
    return this.inner.size();
  }
  getEvent(i: number) {
    return this.inner.getEvent(i);
  }
  getEvents(is: readonly number[]) {
    return this.inner.getEvents(is);
  }
  indexOf(h: string) {
    return this.inner.indexOf(h);
  }
  checkpoint() {
    return this.inner.checkpoint();
  }
  signCheckpointNow() {
    return this.inner.signCheckpointNow();
  }
  inclusionProof(i: number, n: number) {
    return this.inner.inclusionProof(i, n);
  }
  consistencyProof(a: number, b: number) {
    return this.inner.consistencyProof(a, b);
  }
  close() {
    return this.inner.close();
  }
}
