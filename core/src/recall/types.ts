// Shapes of the recall workflow (issue 3 §6).
import type { Principal } from "../model.ts";

/** Recall classes by health hazard, most serious first (FDA Class I-III; China 一级/二级/三级). */
export type RecallClass = "I" | "II" | "III";

/** What a recall names; canonical ids (LGTIN Digital Links for lots). */
export interface RecallQuery {
  lots: string[];
  identifiers: string[];
}

/** One holder in the forward closure (QueryEngine.recall's answer, issue 3 §7 recall JSON). */
export interface RecallAnswerHolder {
  location?: string;
  party?: string;
  /** Affected units there: a count, or the unit ids. */
  units: number | readonly string[];
}

/**
 * The part of the query service's recall answer the workflow uses. Structural, so the query
 * helper's richer answer fits as it is.
 */
export interface RecallAnswer {
  lots?: readonly string[];
  /** Affected units (ids or unit records) or their count. */
  units?: readonly unknown[] | number;
  containers?: readonly string[];
  lotsDerived?: readonly string[];
  holders: readonly RecallAnswerHolder[];
}

export type ComputeRecall = (query: RecallQuery) => Promise<RecallAnswer>;

export interface IssueRecallInput {
  lots?: readonly string[];
  identifiers?: readonly string[];
  reason: string;
  recallClass: RecallClass;
  issuedBy: Principal;
  /** The party on whose behalf (the producer recalling its goods); default the issuer's party. */
  issuedByParty?: string;
}

/** One holder's part of a recall and how far it got. */
export interface HolderStatus {
  location?: string;
  party?: string;
  units: number;
  unitIds?: string[];
  notifiedAt?: string;
  acknowledgedAt?: string;
  /** Token id of who acknowledged. */
  acknowledgedBy?: string;
  note?: string;
  unitsQuarantined?: string[];
}

export type RecallState = "open" | "acknowledged" | "closed";

/** A recall as persisted (meta `recall:r:<id>`). */
export interface RecallRecord {
  v: 1;
  id: string;
  /** Issue order, from 1; notice cursors start with it. */
  seq: number;
  lots: string[];
  identifiers: string[];
  reason: string;
  recallClass: RecallClass;
  issuedAt: string;
  issuedBy: { id: string; role: Principal["role"]; party?: string };
  issuedByParty?: string;
  /** The recall event in the log. */
  eventHashId: string;
  logIndex: number;
  scope: { lots: string[]; containers: string[]; lotsDerived: string[]; units: number };
  holders: HolderStatus[];
  closedAt?: string;
}

/** A recall notice for one holder (what the holder's gateways receive). */
export interface RecallNotice {
  recallId: string;
  recallClass: RecallClass;
  reason: string;
  lots: string[];
  identifiers: string[];
  /** What the holder is to do. */
  instructions: string;
  issuedAt: string;
  holder: { location?: string; party?: string; units: number; unitIds?: string[] };
  /** Opaque, increasing: give it back as `cursor` to resume after this notice. */
  cursor: string;
  /** True for notices issued before the watch began. */
  backlog: boolean;
}

export interface RecallStatus {
  recall: RecallRecord;
  state: RecallState;
  affectedUnits: number;
  holdersNotified: number;
  holdersAcknowledged: number;
  /** Holders that have not acknowledged yet. */
  pending: HolderStatus[];
}
