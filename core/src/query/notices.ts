// Recall notices the core writes into the log (recall/recall-service.ts `recallEvent`): an
// ObjectEvent naming the recalled lots and identifiers, bizStep holding, disposition recalled
// (CBV 2.0 §7.2), with no readPoint or bizLocation, provenance {kind: "core"}. It is a
// statement by the core, not an observation of the goods: nobody moved, saw or changed them,
// so it must never become a unit's last known location, holder or status. Chains still show
// it, flagged as a recall notice.
import type { Entry } from "../index/records.ts";
import type { LoggedEvent } from "../model.ts";
import { RECALL_NS } from "../recall/recall-service.ts";

/**
 * Cheap test on an index entry: could it be a core recall notice? (Only such entries are
 * decoded to check their provenance; a gateway's or partner's "recalled" observation at a
 * location is real and stays.)
 */
export function maybeRecallNotice(e: Entry): boolean {
  return e.type === "O" && e.disposition === "recalled" && e.bizLocation === "" && e.readPoint === "";
}

/** The recall a logged event is the core's notice of, or undefined if it is not one. */
export function recallNoticeOf(le: LoggedEvent): { recallId?: string } | undefined {
  const ev = le.event;
  if (le.provenance.kind !== "core" || ev.type !== "ObjectEvent" || ev.errorDeclaration !== undefined) return undefined;
  const recall = ev.extensions?.find((x) => x.ns === RECALL_NS && x.name === "recall");
  const disp = ev.disposition ?? "";
  if (recall === undefined && !/(^|[:-])recalled$/.test(disp)) return undefined;
  const id = recall?.children?.find((c) => c.name === "recallID")?.value;
  return typeof id === "string" && id !== "" ? { recallId: id } : {};
}
