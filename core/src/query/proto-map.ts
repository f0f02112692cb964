// Pure mappings between the query engine's answers and the QueryService protobuf messages
// (proto/suyuan/v1/query.proto): via strings → ChainVia, provenance → ProofStatus, the
// checkpoint, QueryEventsRequest → EPCIS 2.0 §8.2.7.1 parameter names, and the reduced
// public view of an event. No I/O here; query-service.ts fetches and calls these.
import { type EpcisEvent, type ExtensionElement, parseEventHashId, SuyuanError, toCbvWordOrSelf } from "@suyuan/proto";
import { Action, EventType } from "@suyuan/proto/gen/suyuan/v1/epcis.ts";
import type { Checkpoint, InclusionProof } from "@suyuan/proto/gen/suyuan/v1/ledger.ts";
import {
  ChainVia,
  OrderDirection,
  type ProofStatus,
  type QueryEventsRequest,
  type TypedValues,
} from "@suyuan/proto/gen/suyuan/v1/query.ts";
import type { LoggedEvent } from "../model.ts";
import type { EventQueryParams } from "./events.ts";
import type { CheckpointInfo } from "./types.ts";

function bad(field: string, rule: string): never {
  throw new SuyuanError("QUERY_BAD_PARAMETER", `${field}: ${rule}`, { field });
}

/** The engine's `self | container:<id> | lot:<id> | input:<id>` as the proto enum and identifier. */
export function viaToProto(via: string): { via: ChainVia; viaIdentifier: string } {
  if (via === "self") return { via: ChainVia.SELF, viaIdentifier: "" };
  const colon = via.indexOf(":");
  const kind = colon < 0 ? via : via.slice(0, colon);
  const id = colon < 0 ? "" : via.slice(colon + 1);
  switch (kind) {
    case "container":
      return { via: ChainVia.CONTAINER, viaIdentifier: id };
    case "lot":
      return { via: ChainVia.LOT, viaIdentifier: id };
    case "input":
      return { via: ChainVia.INPUT, viaIdentifier: id };
    default:
      return { via: ChainVia.UNSPECIFIED, viaIdentifier: id };
  }
}

/** The engine's checkpoint (base64 root) as the ledger.proto message. */
export function checkpointInfoToProto(cp: CheckpointInfo): Checkpoint {
  return {
    origin: cp.origin,
    size: BigInt(cp.size),
    rootHash: Buffer.from(cp.rootHash, "base64"),
    signedNote: cp.note,
  };
}

/** CBV 2.0 §8.9 event hash as raw bytes (32), or empty when the stored id does not parse. */
export function eventHashBytes(hashId: string): Buffer {
  try {
    return Buffer.from(parseEventHashId(hashId));
  } catch {
    return Buffer.alloc(0);
  }
}

/**
 * Where an event stands in the log. `checkpoint_size` is the size of the checkpoint the answer
 * refers to when that checkpoint covers the event (RFC 9162 §2.1.3: an inclusion proof exists
 * only for index < tree size), else 0 ("not yet checkpointed", query.proto ProofStatus).
 */
export function proofStatus(le: LoggedEvent, checkpointSize: number, proof?: readonly Uint8Array[]): ProofStatus {
  const p = le.provenance;
  const out: ProofStatus = {
    gatewayId: "",
    batchHash: Buffer.alloc(0),
    batchFirstSeq: 0n,
    logIndex: BigInt(le.index),
    checkpointSize: le.index < checkpointSize ? BigInt(checkpointSize) : 0n,
  };
  if (p.kind === "gateway") {
    out.gatewayId = p.gatewayId;
    if (/^[0-9a-f]{64}$/i.test(p.batchHash)) out.batchHash = Buffer.from(p.batchHash, "hex");
    // model.ts Provenance: seq = the batch's firstSeq + the event's position in the batch.
    if (/^\d+$/.test(p.seq) && Number.isInteger(p.batchIndex) && p.batchIndex >= 0) {
      const first = BigInt(p.seq) - BigInt(p.batchIndex);
      if (first >= 0n) out.batchFirstSeq = first;
    }
  }
  if (proof !== undefined && le.index < checkpointSize) {
    const ip: InclusionProof = {
      logIndex: BigInt(le.index),
      treeSize: BigInt(checkpointSize),
      path: proof.map((h) => Buffer.from(h)),
    };
    out.inclusionProof = ip;
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// The public view (issue 3 §5: "A public caller gets a reduced chain (no party-private fields
// such as business transactions)").
//
// Party-private, i.e. what one trading party knows about its own business and a consumer
// scanning a pack must not learn, is:
//   - bizTransactionList (EPCIS 2.0 §7.3.6.2): purchase orders, invoices, despatch advices;
//   - source / destination entries that name a party (CBV 2.0 §7.5 owning_party,
//     possessing_party, or any non-CBV type): who sells to whom. Entries of type `location`
//     stay: the next step of the chain shows that place anyway;
//   - user extensions (EPCIS 2.0 §7.3.6.5 / §9.3 namespaced fields) on the event, on its read
//     point and business location, on sensor elements and on an error declaration: their
//     meaning is private to whoever defined the namespace;
//   - ILMD (EPCIS 2.0 §7.3.6.5) except the lot number and expiry date (CBV 2.0 §8.2
//     cbvmda:lotNumber, cbvmda:itemExpirationDate), which are printed on the pack anyway;
//   - sensor device details (EPCIS 2.0 §7.3.7 deviceID, deviceMetadata, rawData,
//     dataProcessingMethod, bizRules): they identify a party's equipment and internal
//     documents. The readings themselves (type, value, uom, time, min/max/mean…) stay: cold
//     chain conformance is what a public check is for.
// Everything else stays: what (identifiers, quantities), when, where (read point, business
// location), why (bizStep, disposition, persistentDisposition), certificationInfo, and error
// declarations (reason, corrective events). The event hash stays that of the stored event,
// so a reduced event does not hash to it; the proof status still refers to the full record.
// ---------------------------------------------------------------------------------------------

const MDA_NS = new Set(["urn:epcglobal:cbv:mda", "urn:epcglobal:cbv:mda#", "https://ref.gs1.org/cbv/mda"]);
const PUBLIC_ILMD = new Set(["lotNumber", "itemExpirationDate"]);

function publicIlmd(ilmd: readonly ExtensionElement[]): ExtensionElement[] {
  return ilmd
    .filter((el) => MDA_NS.has(el.ns.replace(/[#/]$/, "")) && PUBLIC_ILMD.has(el.name))
    .map((el) => {
      const out: ExtensionElement = { ns: el.ns, name: el.name };
      if (el.prefix !== undefined) out.prefix = el.prefix;
      if (el.value !== undefined) out.value = el.value;
      return out;
    });
}

/** The reduced event a public caller sees (see the comment above for what is dropped and why). */
export function publicEvent(ev: EpcisEvent): EpcisEvent {
  const {
    bizTransactionList: _bt,
    sourceList,
    destinationList,
    extensions: _ext,
    ilmd,
    sensorElementList,
    errorDeclaration,
    readPoint,
    bizLocation,
    ...rest
  } = ev;
  const out: EpcisEvent = { ...rest };
  if (readPoint !== undefined) out.readPoint = { id: readPoint.id };
  if (bizLocation !== undefined) out.bizLocation = { id: bizLocation.id };
  // CBV 2.0 §7.5: the type compares equal in any spelling (bare word, Web URI, URN).
  const places = (xs: EpcisEvent["sourceList"]) =>
    (xs ?? []).filter((s) => toCbvWordOrSelf("sourceDestType", s.type) === "location");
  if (sourceList !== undefined && places(sourceList).length > 0) out.sourceList = places(sourceList);
  if (destinationList !== undefined && places(destinationList).length > 0)
    out.destinationList = places(destinationList);
  if (ilmd !== undefined) {
    const kept = publicIlmd(ilmd);
    if (kept.length > 0) out.ilmd = kept;
  }
  if (sensorElementList !== undefined) {
    out.sensorElementList = sensorElementList.map((se) => {
      const reports = se.sensorReport.map(
        ({ deviceID: _d, deviceMetadata: _m, rawData: _r, dataProcessingMethod: _p, bizRules: _b, ...r }) => r,
      );
      const element: (typeof sensorElementList)[number] = { sensorReport: reports };
      if (se.sensorMetadata !== undefined) {
        const { time, startTime, endTime } = se.sensorMetadata;
        const md: NonNullable<typeof se.sensorMetadata> = {};
        if (time !== undefined) md.time = time;
        if (startTime !== undefined) md.startTime = startTime;
        if (endTime !== undefined) md.endTime = endTime;
        element.sensorMetadata = md;
      }
      return element;
    });
  }
  if (errorDeclaration !== undefined) {
    const { extensions: _e, ...decl } = errorDeclaration;
    out.errorDeclaration = decl;
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// QueryEventsRequest → EventQueryParams (EPCIS 2.0 §8.2.7.1 names).
// ---------------------------------------------------------------------------------------------

const EVENT_TYPE_NAMES: Partial<Record<EventType, string>> = {
  [EventType.OBJECT_EVENT]: "ObjectEvent",
  [EventType.AGGREGATION_EVENT]: "AggregationEvent",
  [EventType.TRANSACTION_EVENT]: "TransactionEvent",
  [EventType.TRANSFORMATION_EVENT]: "TransformationEvent",
  [EventType.ASSOCIATION_EVENT]: "AssociationEvent",
};

const ACTION_NAMES: Partial<Record<Action, string>> = {
  [Action.ADD]: "ADD",
  [Action.OBSERVE]: "OBSERVE",
  [Action.DELETE]: "DELETE",
};

/** Default and largest page (EPCIS 2.0 §12 perPage: the server may return fewer). */
export const DEFAULT_PAGE_SIZE = 100;
export const MAX_PAGE_SIZE = 1000;

/** The engine's parameters for a QueryEventsRequest. Throws QUERY_BAD_PARAMETER naming the proto field. */
export function queryParamsFromProto(req: QueryEventsRequest): EventQueryParams {
  const p: EventQueryParams = {};
  const lists: Array<[string, readonly string[]]> = [
    ["EQ_bizStep", req.eqBizStep],
    ["EQ_disposition", req.eqDisposition],
    ["EQ_readPoint", req.eqReadPoint],
    ["WD_readPoint", req.wdReadPoint],
    ["EQ_bizLocation", req.eqBizLocation],
    ["WD_bizLocation", req.wdBizLocation],
    ["EQ_transformationID", req.eqTransformationId],
    ["MATCH_epc", req.matchEpc],
    ["MATCH_parentID", req.matchParentId],
    ["MATCH_inputEPC", req.matchInputEpc],
    ["MATCH_outputEPC", req.matchOutputEpc],
    ["MATCH_anyEPC", req.matchAnyEpc],
    ["MATCH_epcClass", req.matchEpcClass],
    ["MATCH_inputEPCClass", req.matchInputEpcClass],
    ["MATCH_outputEPCClass", req.matchOutputEpcClass],
    ["MATCH_anyEPCClass", req.matchAnyEpcClass],
    ["EQ_eventID", req.eqEventId],
    ["EQ_errorReason", req.eqErrorReason],
    ["EQ_correctiveEventID", req.eqCorrectiveEventId],
  ];
  for (const [name, values] of lists) if (values.length > 0) p[name] = [...values];

  if (req.eqPersistentDisposition.length > 0) {
    bad("eq_persistent_disposition", "is not supported by this service (EPCIS 2.0 §8.2.7.1 QueryParameterException)");
  }
  if (req.eventTypes.length > 0) {
    p.eventType = req.eventTypes.map(
      (t) => EVENT_TYPE_NAMES[t] ?? bad("event_types", `${String(t)} is not an EPCIS 2.0 event type`),
    );
  }
  if (req.eqAction.length > 0) {
    p.EQ_action = req.eqAction.map((a) => ACTION_NAMES[a] ?? bad("eq_action", "values must be ADD, OBSERVE or DELETE"));
  }
  if (req.geEventTime !== undefined) p.GE_eventTime = req.geEventTime;
  if (req.ltEventTime !== undefined) p.LT_eventTime = req.ltEventTime;
  if (req.geRecordTime !== undefined) p.GE_recordTime = req.geRecordTime;
  if (req.ltRecordTime !== undefined) p.LT_recordTime = req.ltRecordTime;

  // EPCIS 2.0 §8.2.7.1: the type is part of the parameter name (EQ_bizTransaction_<type>,
  // EQ_source_<type>, EQ_destination_<type>).
  const typed = (prefix: string, field: string, xs: readonly TypedValues[]) => {
    for (const tv of xs) {
      const type = tv.type.trim();
      if (type === "") bad(field, "every entry needs a type (EPCIS 2.0 §8.2.7.1 names the type in the parameter)");
      const name = `${prefix}${type}`;
      const prev = (p[name] as string[] | undefined) ?? [];
      p[name] = [...prev, ...tv.values];
    }
  };
  typed("EQ_bizTransaction_", "eq_biz_transaction", req.eqBizTransaction);
  typed("EQ_source_", "eq_source", req.eqSource);
  typed("EQ_destination_", "eq_destination", req.eqDestination);

  if (req.existsErrorDeclaration !== undefined) p.EXISTS_errorDeclaration = req.existsErrorDeclaration;
  if (req.orderBy !== undefined && req.orderBy !== "") p.orderBy = req.orderBy;
  if (req.orderDirection === OrderDirection.ASC) p.orderDirection = "ASC";
  else if (req.orderDirection === OrderDirection.DESC) p.orderDirection = "DESC";
  else if (req.orderDirection !== OrderDirection.UNSPECIFIED) bad("order_direction", "must be ASC or DESC");
  // 0 goes to the engine, which refuses it (eventCountLimit must be a positive integer).
  if (req.eventCountLimit !== undefined) p.eventCountLimit = req.eventCountLimit;
  p.perPage = req.pageSize === 0 ? DEFAULT_PAGE_SIZE : Math.min(req.pageSize, MAX_PAGE_SIZE);
  if (req.pageToken !== "") p.nextPageToken = req.pageToken;
  return p;
}
