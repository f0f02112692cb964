// gRPC RecallService (proto/suyuan/v1/recall.proto) over the RecallService domain object.

import { SuyuanError } from "@suyuan/proto";
import type { Holder, LocationRef, PartyRef } from "@suyuan/proto/gen/suyuan/v1/common.ts";
import {
  type Recall as PbRecall,
  RecallClass as PbRecallClass,
  type RecallNotice as PbRecallNotice,
  RecallState as PbRecallState,
  type RecallServiceServer,
  type WatchRecallsResponse,
} from "@suyuan/proto/gen/suyuan/v1/recall.ts";
import type { AuthService } from "../auth/auth.ts";
import { type CallLog, serverStreamingCall, unaryCall } from "../auth/grpc-call.ts";
import type { MasterDataReader } from "../model.ts";
import type { RecallService } from "./recall-service.ts";
import type { HolderStatus, RecallClass, RecallNotice, RecallRecord, RecallState } from "./types.ts";

export interface RecallGrpcOptions {
  /** For display names of parties and locations. */
  master?: Pick<MasterDataReader, "party" | "location">;
  log?: CallLog;
}

const CLASS_TO_PB: Record<RecallClass, PbRecallClass> = {
  I: PbRecallClass.I,
  II: PbRecallClass.II,
  III: PbRecallClass.III,
};
const STATE_TO_PB: Record<RecallState, PbRecallState> = {
  open: PbRecallState.OPEN,
  acknowledged: PbRecallState.ACKNOWLEDGED,
  closed: PbRecallState.CLOSED,
};

function classFromPb(c: PbRecallClass): RecallClass {
  switch (c) {
    case PbRecallClass.I:
      return "I";
    case PbRecallClass.II:
      return "II";
    case PbRecallClass.III:
      return "III";
    default:
      throw new SuyuanError("RECALL_BAD_REQUEST", "recall_class: must be RECALL_CLASS_I, _II or _III", {
        field: "recall_class",
      });
  }
}

export function recallServiceHandlers(
  recalls: RecallService,
  auth: AuthService,
  opts: RecallGrpcOptions = {},
): RecallServiceServer {
  const { master, log } = opts;
  const partyRef = (id: string | undefined): PartyRef | undefined =>
    id === undefined ? undefined : { id, name: master?.party(id)?.name ?? "" };
  const locationRef = (id: string | undefined): LocationRef | undefined => {
    if (id === undefined) return undefined;
    const l = master?.location(id);
    return { id, name: l?.name ?? "", owner: partyRef(l?.party) };
  };
  const holderToPb = (h: Pick<HolderStatus, "location" | "party" | "unitIds">): Holder => ({
    location: locationRef(h.location),
    party: partyRef(h.party),
    units: [...(h.unitIds ?? [])],
  });
  const recallToPb = (r: RecallRecord): PbRecall => ({
    recallId: r.id,
    lots: [...r.lots],
    identifiers: [...r.identifiers],
    reason: r.reason,
    recallClass: CLASS_TO_PB[r.recallClass],
    issuedAt: r.issuedAt,
    issuedBy: partyRef(r.issuedByParty),
    scope: {
      lots: [...r.scope.lots],
      units: r.holders.flatMap((h) => h.unitIds ?? []),
      containers: [...r.scope.containers],
      lotsDerived: [...r.scope.lotsDerived],
      holders: r.holders.map(holderToPb),
    },
  });
  const noticeToPb = (n: RecallNotice): WatchRecallsResponse => {
    const notice: PbRecallNotice = {
      recallId: n.recallId,
      recallClass: CLASS_TO_PB[n.recallClass],
      reason: n.reason,
      // RecallNotice has no identifiers field: items recalled by id travel with the lots.
      lots: [...n.lots, ...n.identifiers],
      holder: holderToPb(n.holder),
      issuedAt: n.issuedAt,
    };
    return { notice, cursor: n.cursor, backlog: n.backlog };
  };

  return {
    issueRecall: unaryCall(
      auth,
      {
        method: "RecallService.IssueRecall",
        roles: ["recall_officer", "admin"],
        target: (req) => [...req.lots, ...req.identifiers].join(" "),
      },
      async (req, principal) => {
        const rec = await recalls.issueRecall({
          lots: req.lots,
          identifiers: req.identifiers,
          reason: req.reason,
          recallClass: classFromPb(req.recallClass),
          issuedBy: principal,
          ...(req.issuedByPartyId === "" ? {} : { issuedByParty: req.issuedByPartyId }),
        });
        return { recall: recallToPb(rec) };
      },
      log,
    ),
    watchRecalls: serverStreamingCall(
      auth,
      { method: "RecallService.WatchRecalls", roles: "any", target: (req) => req.afterCursor },
      (req, principal, signal) => {
        const source = recalls.watch(principal, {
          ...(req.afterCursor === "" ? {} : { cursor: req.afterCursor }),
          locations: req.locationIds,
          signal,
        });
        return (async function* () {
          for await (const n of source) yield noticeToPb(n);
        })();
      },
      log,
    ),
    acknowledgeRecall: unaryCall(
      auth,
      { method: "RecallService.AcknowledgeRecall", roles: "any", target: (req) => req.recallId },
      async (req, principal) => {
        const acknowledgedAt = await recalls.acknowledge(req.recallId, principal, {
          ...(req.locationId === "" ? {} : { location: req.locationId }),
          note: req.note,
          unitsQuarantined: req.unitsQuarantined,
        });
        return { acknowledgedAt };
      },
      log,
    ),
    getRecallStatus: unaryCall(
      auth,
      {
        method: "RecallService.GetRecallStatus",
        roles: ["recall_officer", "admin", "inspector"],
        target: (req) => req.recallId,
      },
      (req) => {
        const s = recalls.status(req.recallId);
        return {
          recall: recallToPb(s.recall),
          state: STATE_TO_PB[s.state],
          acknowledgements: s.recall.holders
            .filter((h) => h.acknowledgedAt !== undefined)
            .map((h) => ({
              location: locationRef(h.location),
              party: partyRef(h.party),
              acknowledgedAt: h.acknowledgedAt!,
              note: h.note ?? "",
              unitsQuarantined: [...(h.unitsQuarantined ?? [])],
            })),
          pending: s.pending.map(holderToPb),
        };
      },
      log,
    ),
  };
}
