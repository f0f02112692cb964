// What an inspector must see on a chain at a glance (issue 6 §2 "warnings"): an active recall,
// an expiry date in the past, a serial sold or dispensed more than once (a counterfeit or
// diversion signal), a temperature outside the product's storage range, and events their
// capturer declared erroneous. Pure: the caller fetches the chain, events, recalls and product.
import { type EpcisEvent, parseCode, toCbvWordOrSelf } from "@suyuan/proto";
import type { ChainAnswer } from "../query/index.ts";
import type { RecallRecord } from "../recall/index.ts";

export type ChainWarning =
  | { kind: "recalled"; recallId: string; recallClass: string; reason: string; issuedAt: string; matched: string }
  | { kind: "expired"; expiry: string; source: "ilmd" | "ai17"; eventId?: string }
  | { kind: "sold-twice" | "dispensed-twice"; count: number; eventIds: string[] }
  | {
      kind: "temperature-excursion";
      eventId: string;
      eventTime: string;
      location?: string;
      min?: number;
      max?: number;
      allowed: { min?: number; max?: number; source: "product" | "default-cold-chain" };
    }
  | { kind: "declared-erroneous"; eventId: string; reason?: string; correctiveEventIDs: string[] };

export interface WarningInputs {
  chain: ChainAnswer;
  /** The steps' events by log index (for ILMD). */
  events: ReadonlyMap<number, EpcisEvent>;
  recalls: readonly RecallRecord[];
  /** The product's storage range in °C and category, from master data, when known. */
  product?: { category: "food" | "drug"; storageTemperature?: { minCelsius?: number; maxCelsius?: number } };
  now: Date;
}

/** WHO / GDP cold chain for medicines: 2–8 °C, used when a drug's own range is not known. */
export const DEFAULT_COLD_CHAIN = { min: 2, max: 8 } as const;

const CBV_MDA = /^(urn:epcglobal:cbv:mda:?|https:\/\/ref\.gs1\.org\/cbv\/?)$/;

/** GS1 General Specifications §7.12: a YYMMDD year lies from 49 years back to 50 ahead. */
export function gs1Date(yymmdd: string, now: Date): string | undefined {
  const m = /^(\d\d)(\d\d)(\d\d)$/.exec(yymmdd);
  if (!m) return undefined;
  const yy = Number(m[1]);
  const month = Number(m[2]);
  let day = Number(m[3]);
  if (month < 1 || month > 12) return undefined;
  const cur = now.getUTCFullYear();
  let year = Math.floor(cur / 100) * 100 + yy;
  if (year - cur > 50) year -= 100;
  else if (cur - year > 49) year += 100;
  // GS1 GS §3.4.x: day "00" means the last day of the month.
  const last = new Date(Date.UTC(year, month, 0)).getUTCDate();
  if (day === 0) day = last;
  if (day > last) return undefined;
  return `${year}-${String(month).padStart(2, "0")}-${String(day).padStart(2, "0")}`;
}

/** A date (YYYY-MM-DD or a date-time) is past when the whole day has ended (UTC). */
function isPast(date: string, now: Date): boolean {
  const d = /^\d{4}-\d{2}-\d{2}$/.test(date) ? Date.parse(`${date}T23:59:59.999Z`) : Date.parse(date);
  return Number.isFinite(d) && d < now.getTime();
}

function celsius(v: number, uom: string | undefined): number | undefined {
  // UN/CEFACT Rec. 20 codes used by EPCIS 2.0 sensor reports.
  if (uom === undefined || uom === "CEL") return v;
  if (uom === "FAH") return ((v - 32) * 5) / 9;
  if (uom === "KEL") return v - 273.15;
  return undefined;
}

function expiryOf(ev: EpcisEvent): string | undefined {
  for (const x of ev.ilmd ?? []) {
    if (x.name === "itemExpirationDate" && CBV_MDA.test(x.ns) && typeof x.value === "string") return x.value;
  }
  return undefined;
}

export function chainWarnings(w: WarningInputs): ChainWarning[] {
  const out: ChainWarning[] = [];
  const { chain } = w;

  // Recalled: an open recall names the unit, its lot, or a container or derived lot in scope.
  const mine = new Set([chain.canonical, ...(chain.lot === undefined ? [] : [chain.lot])]);
  for (const r of w.recalls) {
    if (r.closedAt !== undefined) continue;
    const named = [...r.lots, ...r.identifiers, ...r.scope.lots, ...r.scope.lotsDerived, ...r.scope.containers];
    const hit = named.find((x) => mine.has(x));
    if (hit !== undefined) {
      out.push({
        kind: "recalled",
        recallId: r.id,
        recallClass: r.recallClass,
        reason: r.reason,
        issuedAt: r.issuedAt,
        matched: hit,
      });
    }
  }

  // Expired: AI (17) in the code itself, else an ILMD itemExpirationDate of the item or its lot.
  let expiry: ChainWarning | undefined;
  try {
    const ai17 = parseCode(chain.code).ais?.find((a) => a.ai === "17")?.value;
    const d = ai17 === undefined ? undefined : gs1Date(ai17, w.now);
    if (d !== undefined && isPast(d, w.now)) expiry = { kind: "expired", expiry: d, source: "ai17" };
  } catch {
    // a code the engine accepted but parseCode does not: no AI (17) to read
  }
  if (expiry === undefined) {
    for (const s of chain.steps) {
      if (s.via.startsWith("input:")) continue; // an ingredient's expiry is not the product's
      const ev = w.events.get(s.proof.logIndex);
      const d = ev === undefined ? undefined : expiryOf(ev);
      if (d !== undefined && isPast(d, w.now)) {
        expiry = { kind: "expired", expiry: d, source: "ilmd", eventId: s.eventId };
        break;
      }
    }
  }
  if (expiry !== undefined) out.push(expiry);

  // Sold / dispensed twice: only meaningful for a serialised unit's own events.
  if (chain.kind === "unit") {
    for (const [kind, disp, step] of [
      ["sold-twice", "retail_sold", "retail_selling"],
      ["dispensed-twice", "dispensed", "dispensing"],
    ] as const) {
      const ids = chain.steps
        .filter(
          (s) =>
            s.via === "self" &&
            s.declaredErroneous === undefined &&
            s.action !== "DELETE" &&
            ((s.disposition !== undefined && toCbvWordOrSelf("disposition", s.disposition) === disp) ||
              (s.bizStep !== undefined && toCbvWordOrSelf("bizStep", s.bizStep) === step)),
        )
        .map((s) => s.eventId);
      if (ids.length > 1) out.push({ kind, count: ids.length, eventIds: ids });
    }
  }

  // Temperature excursions against the product's range, or 2–8 °C for a drug (or an
  // unknown product whose chain carries temperature readings: a monitored cold chain).
  const range = w.product?.storageTemperature;
  const allowed =
    range !== undefined && (range.minCelsius !== undefined || range.maxCelsius !== undefined)
      ? { min: range.minCelsius, max: range.maxCelsius, source: "product" as const }
      : w.product === undefined || w.product.category === "drug"
        ? { min: DEFAULT_COLD_CHAIN.min, max: DEFAULT_COLD_CHAIN.max, source: "default-cold-chain" as const }
        : undefined;
  if (allowed !== undefined) {
    for (const s of chain.steps) {
      if (s.via.startsWith("input:")) continue;
      for (const sensor of s.sensors ?? []) {
        if (sensor.type !== "Temperature" || sensor.min === undefined || sensor.max === undefined) continue;
        const lo = celsius(sensor.min, sensor.uom);
        const hi = celsius(sensor.max, sensor.uom);
        if (lo === undefined || hi === undefined) continue;
        if ((allowed.min !== undefined && lo < allowed.min) || (allowed.max !== undefined && hi > allowed.max)) {
          out.push({
            kind: "temperature-excursion",
            eventId: s.eventId,
            eventTime: s.eventTime,
            ...(s.location === undefined ? {} : { location: s.location }),
            min: lo,
            max: hi,
            allowed: {
              ...(allowed.min === undefined ? {} : { min: allowed.min }),
              ...(allowed.max === undefined ? {} : { max: allowed.max }),
              source: allowed.source,
            },
          });
        }
      }
    }
  }

  for (const s of chain.steps) {
    if (s.declaredErroneous === undefined) continue;
    out.push({
      kind: "declared-erroneous",
      eventId: s.eventId,
      ...(s.declaredErroneous.reason === undefined ? {} : { reason: s.declaredErroneous.reason }),
      correctiveEventIDs: s.declaredErroneous.correctiveEventIDs,
    });
  }
  return out;
}
