// A chain as an EPCIS 2.0 JSON-LD document (issue 6 §3): the chain's events, each once, in
// event-time order, so a partner's EPCIS tooling can load what the inspector sees.
import { type EpcisDocument, type EpcisEvent, writeEpcisDocument } from "@suyuan/proto";
import type { Ledger } from "../model.ts";
import type { QueryEngine } from "../query/engine.ts";

export interface ChainDocumentSources {
  query: Pick<QueryEngine, "getChain">;
  ledger: Pick<Ledger, "getEvents">;
  now?: () => Date;
}

/** The chain's events as an EPCIS document model (events deduplicated, ordered by event time). */
export async function chainDocument(src: ChainDocumentSources, code: string): Promise<EpcisDocument> {
  const chain = await src.query.getChain(code);
  // Steps are already ordered by event time (ties by log index); a log index can appear once
  // per `via`, so keep the first.
  const order: number[] = [];
  const seen = new Set<number>();
  for (const s of chain.steps) {
    if (seen.has(s.proof.logIndex)) continue;
    seen.add(s.proof.logIndex);
    order.push(s.proof.logIndex);
  }
  const logged = new Map((await src.ledger.getEvents(order)).map((e) => [e.index, e]));
  const events: EpcisEvent[] = [];
  for (const i of order) {
    const le = logged.get(i);
    if (le === undefined) continue;
    const ev: EpcisEvent = structuredClone(le.event);
    // EPCIS 2.0 §7.4.1: recordTime is set by the capturing repository (here, the core);
    // CBV 2.0 §8.9.4 leaves eventID and recordTime out of the event hash, so giving an
    // event without an eventID its hash ID as eventID keeps every event's hash unchanged.
    ev.recordTime = le.recordTime;
    if (ev.eventID === undefined) ev.eventID = le.hashId;
    events.push(ev);
  }
  return {
    kind: "EPCISDocument",
    schemaVersion: "2.0",
    creationDate: (src.now?.() ?? new Date()).toISOString(),
    events,
  };
}

/** The chain as EPCIS 2.0 JSON-LD text (EPCIS 2.0 §9). */
export async function chainJsonLd(src: ChainDocumentSources, code: string): Promise<string> {
  return writeEpcisDocument(await chainDocument(src, code), "jsonld");
}
