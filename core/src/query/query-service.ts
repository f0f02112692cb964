// gRPC QueryService (proto/suyuan/v1/query.proto) over the QueryEngine (issue 3 §4, §5):
// chains, traces, recall scope and EPCIS 2.0 §8.2.7.1 event queries. Every call goes through
// auth/grpc-call.ts (token, role, access record, error mapping); this file only decides what
// each caller may see and maps answers to the proto messages.
import { eventToProto, SuyuanError } from "@suyuan/proto";
import type { Holder, LocationRef, PartyRef } from "@suyuan/proto/gen/suyuan/v1/common.ts";
import type { ChainStep as PChainStep, QueriedEvent, QueryServiceServer } from "@suyuan/proto/gen/suyuan/v1/query.ts";
import type { AuthService } from "../auth/auth.ts";
import { type CallLog, unaryCall } from "../auth/grpc-call.ts";
import { canon } from "../index/canon.ts";
import type { Ledger, LoggedEvent, MasterDataReader, Principal, Role } from "../model.ts";
import { QueryEngine } from "./engine.ts";
import type { EventQueryResult } from "./events.ts";
import {
  checkpointInfoToProto,
  eventHashBytes,
  proofStatus,
  publicEvent,
  queryParamsFromProto,
  viaToProto,
} from "./proto-map.ts";
import { GONE } from "./recall.ts";
import { MAX_TRACE_DEPTH } from "./trace.ts";
import type { ChainStep, RecallAnswer, RecallUnit, TraceAnswer, TraceEdge } from "./types.ts";

export interface QueryServiceOptions {
  /** Events by log index and RFC 9162 inclusion proofs. */
  ledger: Pick<Ledger, "getEvents" | "inclusionProof">;
  /**
   * Location names and owners. Without it, trace steps carry no location names, and a
   * partner's QueryEvents sees only the events its own party submitted or signed (the
   * "locations of its party" half of the rule needs the location → party map).
   */
  master?: Pick<MasterDataReader, "partyOfLocation" | "location" | "party">;
  log?: CallLog;
}

/** Roles that see whole events in every answer (issue 3 §5). */
const FULL_VIEW: readonly Role[] = ["admin", "inspector", "recall_officer"];
const TRACE_ROLES: readonly Role[] = ["inspector", "recall_officer", "admin"];
const RECALL_ROLES: readonly Role[] = ["recall_officer", "admin", "inspector"];
const EVENTS_ROLES: readonly Role[] = ["inspector", "recall_officer", "admin", "partner"];

/** A partner QueryEvents page is filled from at most this many engine pages. */
const MAX_FILL_ROUNDS = 16;

export function queryServiceHandlers(
  engine: QueryEngine,
  auth: AuthService,
  opts: QueryServiceOptions,
): QueryServiceServer {
  const { ledger, master, log } = opts;

  const partyRef = (id: string | undefined, name?: string): PartyRef | undefined =>
    id === undefined || id === "" ? undefined : { id, name: name ?? master?.party(id)?.name ?? "" };
  const locationRef = (id: string | undefined, name?: string): LocationRef | undefined => {
    if (id === undefined || id === "") return undefined;
    const l = master?.location(id);
    return { id, name: name ?? l?.name ?? "", owner: partyRef(l?.party ?? master?.partyOfLocation(id)) };
  };
  const ownerOf = (loc: string | undefined): string | undefined => {
    if (loc === undefined || master === undefined) return undefined;
    const c = canon(loc);
    return master.partyOfLocation(c) ?? master.location(c)?.party;
  };

  /**
   * The event is its party's own: submitted or signed for the party (provenance), or observed
   * at a read point / business location the party operates (master data).
   */
  const ownedBy = (party: string, le: LoggedEvent): boolean => {
    const p = canon(party);
    const prov = le.provenance;
    if (prov.kind !== "core" && canon(prov.party) === p) return true;
    for (const loc of [le.event.bizLocation?.id, le.event.readPoint?.id]) {
      const o = ownerOf(loc);
      if (o !== undefined && canon(o) === p) return true;
    }
    return false;
  };

  /**
   * Whole event or the public view (proto-map.ts publicEvent: what "party-private" means,
   * issue 3 §5). Admins, inspectors and recall officers see everything; the public sees the
   * reduced view; a partner or gateway sees its own party's events whole and others' reduced.
   */
  const wholeFor = (principal: Principal): ((le: LoggedEvent) => boolean) => {
    if (FULL_VIEW.includes(principal.role)) return () => true;
    const party = principal.party;
    if (principal.role === "public" || party === undefined) return () => false;
    return (le) => ownedBy(party, le);
  };

  const loadEvents = async (indexes: readonly number[]): Promise<Map<number, LoggedEvent>> => {
    const uniq = [...new Set(indexes)];
    const evs = await ledger.getEvents(uniq);
    const m = new Map(evs.map((le) => [le.index, le]));
    for (const i of uniq) {
      if (!m.has(i))
        throw new SuyuanError("STORE_CORRUPT", `log entry ${i} named by an index is missing`, { field: "index" });
    }
    return m;
  };

  /** RFC 9162 §2.1.3 audit paths against the checkpoint of size `size`, for entries it covers. */
  const proofsFor = async (indexes: readonly number[], size: number): Promise<Map<number, Uint8Array[]>> => {
    const covered = [...new Set(indexes)].filter((i) => i < size);
    const paths = await Promise.all(covered.map((i) => ledger.inclusionProof(i, size)));
    return new Map(covered.map((i, k) => [i, paths[k]!]));
  };

  const eventMessage = (le: LoggedEvent, whole: boolean) => eventToProto(whole ? le.event : publicEvent(le.event));

  /** Engine chain steps as proto ChainSteps. */
  const chainSteps = async (
    steps: readonly ChainStep[],
    cpSize: number,
    withProofs: boolean,
    whole: (le: LoggedEvent) => boolean,
  ): Promise<PChainStep[]> => {
    const idxs = steps.map((s) => s.proof.logIndex);
    const [evs, proofs] = await Promise.all([
      loadEvents(idxs),
      withProofs ? proofsFor(idxs, cpSize) : Promise.resolve(undefined),
    ]);
    return steps.map((s) => {
      const le = evs.get(s.proof.logIndex)!;
      return {
        event: eventMessage(le, whole(le)),
        eventHash: eventHashBytes(le.hashId),
        ...viaToProto(s.via),
        location: locationRef(s.bizLocation ?? s.readPoint, s.location),
        party: partyRef(s.party?.id, s.party?.name),
        proof: proofStatus(le, cpSize, proofs?.get(le.index)),
      };
    });
  };

  /**
   * A trace's edges as steps: every event that states an edge, once, in event-time order.
   * via = the kind of the nearest edge it states (contains → CONTAINER, member → LOT,
   * input / output → INPUT); via_identifier = that edge's end farther from the root (a
   * transformation named by its transformationID, or by its event's hash ID when it has none,
   * EPCIS 2.0 §7.4.4). Edges known without one stating event (a containment interval, a lot
   * read from an element string) add no step.
   */
  const traceSteps = async (t: TraceAnswer, cpSize: number, withProofs: boolean): Promise<PChainStep[]> => {
    const depth = new Map(t.nodes.map((n) => [n.id, n.depth]));
    const far = (e: TraceEdge) => ((depth.get(e.from) ?? 0) >= (depth.get(e.to) ?? 0) ? e.from : e.to);
    const best = new Map<number, { edge: TraceEdge; d: number }>();
    for (const e of t.edges) {
      const d = depth.get(far(e)) ?? 0;
      for (const i of e.logIndexes) {
        const b = best.get(i);
        if (b === undefined || d < b.d) best.set(i, { edge: e, d });
      }
    }
    const idxs = [...best.keys()];
    const [evs, proofs] = await Promise.all([
      loadEvents(idxs),
      withProofs ? proofsFor(idxs, cpSize) : Promise.resolve(undefined),
    ]);
    const nodeName = (id: string): string => {
      if (id.startsWith("tid:")) return id.slice(4);
      if (id.startsWith("ev:")) return evs.get(Number(id.slice(3)))?.hashId ?? id;
      return id;
    };
    const ordered = idxs
      .map((i) => evs.get(i)!)
      .sort((a, b) => Date.parse(a.event.eventTime) - Date.parse(b.event.eventTime) || a.index - b.index);
    return ordered.map((le) => {
      const { edge } = best.get(le.index)!;
      const kind = edge.kind === "contains" ? "container" : edge.kind === "member" ? "lot" : "input";
      const loc = le.event.bizLocation?.id ?? le.event.readPoint?.id;
      const locId = loc === undefined ? undefined : canon(loc);
      const prov = le.provenance;
      const party = ownerOf(loc) ?? (prov.kind === "core" ? undefined : canon(prov.party));
      return {
        event: eventToProto(le.event),
        eventHash: eventHashBytes(le.hashId),
        ...viaToProto(`${kind}:${nodeName(far(edge))}`),
        location: locationRef(locId),
        party: partyRef(party),
        proof: proofStatus(le, cpSize, proofs?.get(le.index)),
      };
    });
  };

  /**
   * Holders of a recall answer with the units each holds; `keep` narrows the units (a trace
   * with a depth limit). Units gone from the supply chain (GONE) are in no holder.
   */
  const holdersOf = (r: RecallAnswer, keep?: (u: RecallUnit) => boolean): Holder[] => {
    const key = (location: string, party: string) => `${location}\u0000${party}`;
    const out = new Map<string, Holder>();
    for (const h of r.holders) {
      out.set(key(h.location, h.party), {
        location: h.location === "unknown" ? undefined : locationRef(h.location, h.locationName),
        party: h.party === "unknown" ? undefined : partyRef(h.party, h.partyName),
        units: [],
        unitCount: BigInt(h.units),
      });
    }
    for (const u of r.units) {
      if (GONE.has(u.status) || (keep !== undefined && !keep(u))) continue;
      out.get(key(u.location ?? "unknown", u.party ?? "unknown"))?.units.push(u.id);
    }
    const holders = [...out.values()];
    if (keep === undefined) return holders;
    return holders.filter((h) => h.units.length > 0).map((h) => ({ ...h, unitCount: BigInt(h.units.length) }));
  };

  const depthOf = (d: number | undefined) => d ?? MAX_TRACE_DEPTH;

  return {
    getChain: unaryCall(
      auth,
      { method: "QueryService.GetChain", roles: "any", target: (req) => req.identifier },
      async (req, principal) => {
        const c = await engine.getChain(req.identifier);
        const steps = await chainSteps(c.steps, c.checkpoint.size, req.includeProofs, wholeFor(principal));
        return { identifier: c.canonical, steps, checkpoint: checkpointInfoToProto(c.checkpoint) };
      },
      log,
    ),

    traceBackward: unaryCall(
      auth,
      { method: "QueryService.TraceBackward", roles: TRACE_ROLES, target: (req) => req.identifier },
      async (req) => {
        const t = await engine.traceBackward(req.identifier, depthOf(req.maxDepth));
        const cp = engine.checkpoint();
        return {
          identifier: t.root,
          steps: await traceSteps(t, cp.size, req.includeProofs),
          origins: originsOf(t),
          checkpoint: checkpointInfoToProto(cp),
        };
      },
      log,
    ),

    traceForward: unaryCall(
      auth,
      { method: "QueryService.TraceForward", roles: TRACE_ROLES, target: (req) => req.identifier },
      async (req) => {
        const t = await engine.traceForward(req.identifier, depthOf(req.maxDepth));
        const cp = engine.checkpoint();
        // Last known holders: the recall closure's holders, narrowed to the units the trace
        // reached within its depth.
        const reached = new Set(t.nodes.map((n) => n.id));
        const isLot = QueryEngine.kindOf(t.root) === "lot";
        const r = await engine.recall(isLot ? { lots: [t.root] } : { identifiers: [t.root] });
        return {
          identifier: t.root,
          steps: await traceSteps(t, cp.size, req.includeProofs),
          holders: holdersOf(r, (u) => reached.has(u.id)),
          checkpoint: checkpointInfoToProto(cp),
        };
      },
      log,
    ),

    recall: unaryCall(
      auth,
      {
        method: "QueryService.Recall",
        roles: RECALL_ROLES,
        target: (req) => [...req.lots, ...req.identifiers].join(" "),
      },
      async (req) => {
        if (req.lots.length === 0 && req.identifiers.length === 0) {
          throw new SuyuanError("QUERY_BAD_PARAMETER", "lots, identifiers: name at least one lot or identifier", {
            field: "lots",
          });
        }
        const r = await engine.recall({ lots: req.lots, identifiers: req.identifiers });
        return {
          scope: {
            lots: r.lots,
            units: r.units.map((u) => u.id),
            containers: r.containers,
            lotsDerived: r.lotsDerived,
            holders: holdersOf(r),
          },
        };
      },
      log,
    ),

    queryEvents: unaryCall(
      auth,
      { method: "QueryService.QueryEvents", roles: EVENTS_ROLES, target: () => undefined },
      async (req, principal) => {
        const params = queryParamsFromProto(req);
        const cp = engine.checkpoint();
        let events: LoggedEvent[];
        let next: string | undefined;
        if (principal.role !== "partner") {
          const res = await engine.queryEvents(params);
          events = res.events;
          next = res.nextPageToken;
        } else {
          // A partner sees its own party's events only. Filtering after the engine pages keeps
          // the engine's tokens valid (each engine page is taken whole); a page that filters
          // to nothing is followed by the next one, so a partner rarely gets an empty page
          // with a token.
          const party = principal.party;
          if (party === undefined) {
            throw new SuyuanError("AUTH_FORBIDDEN", "QueryService.QueryEvents: the partner token names no party", {
              field: "authorization",
            });
          }
          events = [];
          let res: EventQueryResult | undefined;
          let token = params.nextPageToken;
          for (let round = 0; round < MAX_FILL_ROUNDS; round++) {
            const page = { ...params };
            if (token !== undefined) page.nextPageToken = token;
            res = await engine.queryEvents(page);
            events.push(...res.events.filter((le) => ownedBy(party, le)));
            token = res.nextPageToken;
            if (events.length > 0 || token === undefined) break;
          }
          next = token;
        }
        const proofs = req.includeProofs
          ? await proofsFor(
              events.map((le) => le.index),
              cp.size,
            )
          : undefined;
        const out: QueriedEvent[] = events.map((le) => ({
          event: eventToProto(le.event),
          eventHash: eventHashBytes(le.hashId),
          proof: proofStatus(le, cp.size, proofs?.get(le.index)),
        }));
        return { events: out, nextPageToken: next ?? "", checkpoint: checkpointInfoToProto(cp) };
      },
      log,
    ),
  };
}

/**
 * Where things came from: identifiers (not containers, not transformations) that nothing in
 * the trace made — no `output` edge from a transformation and no `member` edge from a lot —
 * leaving out a lot whose every member in the trace came out of a transformation (that lot is
 * a product, already traced through the transformation). Within a depth limit these are the
 * origins as far as the trace went.
 */
export function originsOf(t: TraceAnswer): string[] {
  const kind = new Map(t.nodes.map((n) => [n.id, n.kind]));
  const made = new Set<string>();
  for (const e of t.edges) if (e.kind === "output" || e.kind === "member") made.add(e.to);
  const produced = new Set<string>();
  for (const e of t.edges) if (e.kind === "output") produced.add(e.to);
  const out: string[] = [];
  for (const n of t.nodes) {
    const k = kind.get(n.id);
    if (k === "container" || k === "transformation" || made.has(n.id)) continue;
    const members = t.edges.filter((e) => e.kind === "member" && e.from === n.id).map((e) => e.to);
    if (members.length > 0 && members.every((m) => produced.has(m))) continue;
    out.push(n.id);
  }
  return out.sort();
}
