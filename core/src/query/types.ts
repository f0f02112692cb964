// Answer shapes of the query service (issue 3 §4, §7 `--json` outputs). Identifiers are
// canonical (GS1 Digital Link, or the canonical form of a non-GS1 code).
import type { Ledger, LoggedEvent, MasterDataReader } from "../model.ts";
import type { LedgerStore } from "../store/store.ts";

export type QueryLedger = Pick<Ledger, "getEvents" | "checkpoint" | "indexOf"> &
  Partial<Pick<Ledger, "inclusionProof">>;

/**
 * Master data as the query side reads it. `childLocations` is optional: with it,
 * WD_bizLocation / WD_readPoint (EPCIS 2.0 §8.2.7.1) include descendants; without it they
 * behave like EQ_.
 */
export type QueryMasterData = MasterDataReader & {
  childLocations?(locationId: string): readonly string[];
};

export interface QueryEngineOptions {
  store: LedgerStore;
  ledger: QueryLedger;
  master: QueryMasterData;
  /** Decoded events kept in memory (LRU by log index). Default 50 000. */
  cacheSize?: number;
  log?: (msg: string, fields?: object) => void;
}

export interface CheckpointInfo {
  origin: string;
  size: number;
  /** Base64 root hash. */
  rootHash: string;
  note: string;
}

export interface StepProof {
  kind: "gateway" | "partner" | "core";
  gatewayId?: string;
  /** Submitting / signing party. */
  party?: string;
  logIndex: number;
  checkpointSize: number;
  /** The entry is covered by the checkpoint (logIndex < checkpointSize). */
  included: boolean;
}

export interface SensorSummary {
  /** Measurement type (GS1 Web Vocabulary word when standard, e.g. "Temperature"). */
  type: string;
  count: number;
  min?: number;
  max?: number;
  uom?: string;
  exceptions?: string[];
}

export interface ChainStep {
  eventId: string;
  eventType: string;
  eventTime: string;
  recordTime: string;
  bizStep?: string;
  disposition?: string;
  action?: string;
  readPoint?: string;
  bizLocation?: string;
  /** Location name from master data (bizLocation, else readPoint). */
  location?: string;
  party?: { id: string; name?: string };
  /** How the step joins the chain: self | container:<id> | lot:<id> | input:<id>. */
  via: string;
  source?: Array<{ type: string; id: string }>;
  destination?: Array<{ type: string; id: string }>;
  /** Party-private (issue 3 §5): a public view drops it. */
  bizTransactions?: Array<{ type?: string; bizTransaction: string }>;
  sensors?: SensorSummary[];
  declaredErroneous?: { reason?: string; correctiveEventIDs: string[]; declarationTime: string };
  /** Present on corrective events: the erroneous event they replace. */
  corrects?: string;
  /**
   * Present on the core's own recall notices (recall/recall-service.ts): a statement that
   * the goods are recalled, not an observation of them — it says nothing about where they are.
   */
  recallNotice?: { recallId?: string };
  proof: StepProof;
}

export interface ChainAnswer {
  code: string;
  canonical: string;
  kind: "unit" | "container" | "lot" | "class";
  /** The unit's lot, when known. */
  lot?: string;
  steps: ChainStep[];
  checkpoint: CheckpointInfo;
}

export interface TraceNode {
  id: string;
  kind: "unit" | "container" | "lot" | "class" | "transformation";
  depth: number;
}

export interface TraceEdge {
  from: string;
  to: string;
  /** contains: container → child; member: lot → unit; input: input → transformation; output: transformation → output. */
  kind: "contains" | "member" | "input" | "output";
  /** Log indexes of the events that state the edge. */
  logIndexes: number[];
  /** Containment interval (time keys, inclusive), for `contains`. */
  since?: string;
  until?: string;
}

export interface TraceAnswer {
  root: string;
  direction: "backward" | "forward";
  depth: number;
  nodes: TraceNode[];
  edges: TraceEdge[];
  /** Some neighbour lists were cut at the node limit. */
  truncated: boolean;
}

export interface RecallRequest {
  lots?: readonly string[];
  identifiers?: readonly string[];
  location?: { id: string; from: string; to: string };
}

export interface RecallUnit {
  id: string;
  /**
   * CBV disposition word of the unit's latest event with one (e.g. retail_sold, in_transit),
   * "consumed" once a TransformationEvent took it as an input, else "unknown". The core's own
   * recall notices never set it.
   */
  status: string;
  location?: string;
  party?: string;
  /** The unit is on a shipment not yet received (location is its destination). */
  inTransit?: boolean;
  lot?: string;
  /** Time of the last known event, UTC (ISO 8601 with ms). */
  lastEventTime?: string;
  lastLogIndex?: number;
}

export interface RecallTransformation {
  id: string;
  logIndexes: number[];
  inputs: string[];
  outputs: string[];
}

export interface RecallShipment {
  eventId: string;
  logIndex: number;
  eventTime: string;
  bizStep: string;
  bizLocation?: string;
  destination?: string;
  /** The affected containers / units the event names. */
  objects: number;
}

export interface RecallHolder {
  location: string;
  locationName?: string;
  party: string;
  partyName?: string;
  units: number;
}

export interface RecallAnswer {
  lots: string[];
  units: RecallUnit[];
  containers: string[];
  lotsDerived: string[];
  transformations: RecallTransformation[];
  shipments: RecallShipment[];
  /** Current holders with unit counts; units sold, dispensed, destroyed… are not counted (see statusTotals). */
  holders: RecallHolder[];
  /** Units per status (e.g. {retail_sold: 1, in_progress: 11}). */
  statusTotals: Record<string, number>;
  checkpoint: CheckpointInfo;
}

export interface ProofBundle {
  checkpoint: CheckpointInfo;
  entries: Array<{ index: number; eventId: string; record: string; inclusionProof: string[] }>;
}

export type { LoggedEvent };
