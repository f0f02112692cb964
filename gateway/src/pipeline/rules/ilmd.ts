/**
 * Instance/lot master data (EPCIS 2.0 §7.3.6.5 ILMD) written at commissioning: CBV 2.0 master data
 * attributes in the `urn:epcglobal:cbv:mda` namespace (the EPCIS 2.0 XML binding's namespace; the
 * JSON-LD context's `cbvmda:` prefix names the same attributes and the CBV 2.0 §8.9 event hash
 * treats both spellings alike).
 */
import type { AiValue, ExtensionElement } from "@suyuan/proto";
import type { ConfigReader } from "../config.ts";
import { gs1DateToIso } from "../time.ts";

export const CBV_MDA_NS = "urn:epcglobal:cbv:mda";

export interface IlmdValues {
  lotNumber?: string;
  itemExpirationDate?: string;
  productionDate?: string;
  bestBeforeDate?: string;
  sellByDate?: string;
}

const ORDER: Array<keyof IlmdValues> = [
  "lotNumber",
  "productionDate",
  "bestBeforeDate",
  "sellByDate",
  "itemExpirationDate",
];

/** GS1 General Specifications §3.4 / §3.2: the AIs that carry ILMD values. */
const AI_ATTR: Record<string, keyof IlmdValues> = {
  "10": "lotNumber",
  "11": "productionDate",
  "15": "bestBeforeDate",
  "16": "sellByDate",
  "17": "itemExpirationDate",
};

/** ILMD values carried by an element string's AIs (dates → xsd:date, GS1 GS §7.12 century rule). */
export function ilmdFromAis(ais: readonly AiValue[] | undefined, refYear: number): IlmdValues {
  const out: IlmdValues = {};
  if (!ais) return out;
  for (const a of ais) {
    const attr = AI_ATTR[a.ai];
    if (attr === undefined) continue;
    const v = attr === "lotNumber" ? a.value : gs1DateToIso(a.value, refYear);
    if (v !== undefined) out[attr] = v;
  }
  return out;
}

export function hasIlmd(v: IlmdValues): boolean {
  return ORDER.some((k) => v[k] !== undefined);
}

export function ilmdElements(v: IlmdValues): ExtensionElement[] | undefined {
  const out: ExtensionElement[] = [];
  for (const k of ORDER) {
    const value = v[k];
    if (value !== undefined) out.push({ ns: CBV_MDA_NS, prefix: "cbvmda", name: k, value });
  }
  return out.length > 0 ? out : undefined;
}

/** The `ilmd` option: configured values (lot number, dates YYYY-MM-DD). */
export function parseIlmdOption(r: ConfigReader): IlmdValues {
  const m = r.obj("ilmd");
  const out: IlmdValues = {};
  if (!m) return out;
  const lot = m.str("lotNumber");
  if (lot !== undefined) out.lotNumber = lot;
  for (const k of ["itemExpirationDate", "productionDate", "bestBeforeDate", "sellByDate"] as const) {
    const v = m.date(k);
    if (v !== undefined) out[k] = v;
  }
  m.done();
  return out;
}
