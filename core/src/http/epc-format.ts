// EPCIS 2.0 §12 `GS1-EPC-Format`: how identifiers are written in query answers.
//   Always_GS1_Digital_Link (the default when absent) — canonical GS1 Digital Link URIs;
//   Always_EPC_URN — EPC URNs where one can be written without guessing;
//   Never_Translates — as captured;  No_Preference — our choice (Digital Link).
// A Digital Link does not say where the GS1 Company Prefix ends (TDS 2.1 §6), so one captured
// as a Digital Link is written as an EPC URN only when parsing needed no assumed prefix
// length; otherwise it stays a Digital Link rather than risk a wrong URN.
import { type EpcisEvent, parseCode } from "@suyuan/proto";
import { canon } from "../index/canon.ts";

export type EpcFormat = "Always_GS1_Digital_Link" | "Always_EPC_URN" | "Never_Translates" | "No_Preference";
export const EPC_FORMATS: readonly EpcFormat[] = [
  "Always_GS1_Digital_Link",
  "Always_EPC_URN",
  "Never_Translates",
  "No_Preference",
];

export function isEpcFormat(v: string): v is EpcFormat {
  return (EPC_FORMATS as readonly string[]).includes(v);
}

function toUrn(raw: string): string {
  if (raw.startsWith("urn:epc:")) return raw;
  try {
    const r = parseCode(raw);
    if (r.notes?.some((n) => /assumed GS1 Company Prefix/i.test(n))) return raw;
    return r.epcUri ?? r.epcClassUri ?? raw;
  } catch {
    return raw;
  }
}

/** One identifier in the asked format. */
export function formatId(raw: string, format: EpcFormat): string {
  if (format === "Never_Translates") return raw;
  if (format === "Always_EPC_URN") return toUrn(raw);
  return canon(raw);
}

/** A copy of the event with every identifier field in the asked format. */
export function formatEventIds(ev: EpcisEvent, format: EpcFormat): EpcisEvent {
  if (format === "Never_Translates") return ev;
  const f = (s: string) => formatId(s, format);
  const out: EpcisEvent = { ...ev };
  for (const k of ["epcList", "childEPCs", "inputEPCList", "outputEPCList"] as const) {
    const v = ev[k];
    if (v !== undefined) out[k] = v.map(f);
  }
  if (ev.parentID !== undefined) out.parentID = f(ev.parentID);
  for (const k of ["quantityList", "childQuantityList", "inputQuantityList", "outputQuantityList"] as const) {
    const v = ev[k];
    if (v !== undefined) out[k] = v.map((q) => ({ ...q, epcClass: f(q.epcClass) }));
  }
  if (ev.readPoint !== undefined) out.readPoint = { ...ev.readPoint, id: f(ev.readPoint.id) };
  if (ev.bizLocation !== undefined) out.bizLocation = { ...ev.bizLocation, id: f(ev.bizLocation.id) };
  if (ev.sourceList !== undefined) out.sourceList = ev.sourceList.map((s) => ({ ...s, id: f(s.id) }));
  if (ev.destinationList !== undefined) out.destinationList = ev.destinationList.map((s) => ({ ...s, id: f(s.id) }));
  return out;
}
