// What the master data of an EPCIS document says, as upserts of parties, locations and
// products. Pure: the MasterData class applies the plan.
//
// EPCIS 2.0 §7.5 / §9.4 carries master data as vocabularies (type + elements with
// attributes and children). CBV 2.0 §10 names the attributes; documents spell them
// `urn:epcglobal:cbv:mda#name` (EPCIS 1.x style), `urn:epcglobal:cbv:mda:site` (sub-site
// attributes, CBV 2.0 §10.3) or, from JSON-LD, `cbvmda:` expanded to `urn:epcglobal:cbv:mda:`.
// All reduce here to the local name.
import type { Vocabulary, VocabularyElement } from "@suyuan/proto";
import { isSuyuanError, parseCode } from "@suyuan/proto";
import { canonicalLocationId, canonicalPartyId, canonicalProductId } from "./ids.ts";
import type { Address, GeoPoint, ProductCategory } from "./records.ts";

/** suyuan's own master-data attributes (e.g. owningParty, which CBV does not define). */
export const SUYUAN_MD_NS = "https://suyuan.dev/ns/md#";

const ATTRIBUTE_PREFIXES = [
  "urn:epcglobal:cbv:mda#",
  "urn:epcglobal:cbv:mda:",
  "cbvmda:",
  "https://ref.gs1.org/cbv/mda#",
  "https://gs1.org/voc/",
  SUYUAN_MD_NS,
];

const VTYPE = "urn:epcglobal:epcis:vtype:";
// EPCIS 2.0 §7.5 standard vocabulary types, plus "Location" as some EPCIS 1.2 documents use.
const LOCATION_TYPES = new Set(["BusinessLocation", "ReadPoint", "Location"]);

export interface PlannedParty {
  id: string;
  name?: string;
  address?: Address;
}

export interface PlannedLocation {
  id: string;
  name?: string;
  address?: Address;
  coordinates?: GeoPoint;
  party?: string;
  parent?: string;
}

export interface PlannedProduct {
  id: string;
  name?: string;
  category: ProductCategory;
  dosageForm?: string;
  attributes: Record<string, string>;
}

export interface IgnoredElement {
  vocabulary: string;
  id: string;
  reason: string;
}

export interface EpcisMasterDataSummary {
  parties: number;
  locations: number;
  products: number;
  ignored: IgnoredElement[];
}

export interface EpcisMasterDataPlan {
  parties: PlannedParty[];
  locations: PlannedLocation[];
  products: PlannedProduct[];
  ignored: IgnoredElement[];
}

/** The attribute's local name (`name`, `streetAddressOne`, …) or its full id when not CBV's. */
export function attributeName(id: string): string {
  for (const p of ATTRIBUTE_PREFIXES) if (id.startsWith(p)) return id.slice(p.length);
  return id;
}

/** String-valued attributes by local name; repeated ones keep the first (lists are not master fields). */
function stringAttributes(el: VocabularyElement): Map<string, string> {
  const m = new Map<string, string>();
  for (const a of el.attributes) {
    if (typeof a.value !== "string" || a.value === "") continue;
    const k = attributeName(a.id);
    if (!m.has(k)) m.set(k, a.value.trim());
  }
  return m;
}

function addressOf(a: Map<string, string>): Address | undefined {
  const street = ["streetAddressOne", "streetAddressTwo", "streetAddressThree"]
    .map((k) => a.get(k))
    .filter((x): x is string => x !== undefined)
    .join(", ");
  const out: Address = {};
  if (street !== "") out.street = street;
  const city = a.get("city");
  if (city !== undefined) out.city = city;
  const state = a.get("state");
  if (state !== undefined) out.province = state;
  const district = a.get("district");
  if (district !== undefined) out.district = district;
  const postalCode = a.get("postalCode");
  if (postalCode !== undefined) out.postalCode = postalCode;
  const cc = a.get("countryCode");
  if (cc !== undefined && /^[A-Za-z]{2}$/.test(cc)) out.countryCode = cc.toUpperCase();
  return Object.keys(out).length === 0 ? undefined : out;
}

function coordinatesOf(a: Map<string, string>): GeoPoint | undefined {
  const lat = Number(a.get("latitude"));
  const lon = Number(a.get("longitude"));
  if (!a.has("latitude") || !a.has("longitude")) return undefined;
  if (!Number.isFinite(lat) || !Number.isFinite(lon) || Math.abs(lat) > 90 || Math.abs(lon) > 180) return undefined;
  return { latitude: lat, longitude: lon };
}

function attempt<T>(fn: () => T): { ok: T } | { error: string } {
  try {
    return { ok: fn() };
  } catch (e) {
    if (isSuyuanError(e)) return { error: e.reason };
    throw e;
  }
}

function vocabName(type: string): string {
  return type.startsWith(VTYPE) ? type.slice(VTYPE.length) : type;
}

export function planEpcisMasterData(vocabularies: readonly Vocabulary[]): EpcisMasterDataPlan {
  const plan: EpcisMasterDataPlan = { parties: [], locations: [], products: [], ignored: [] };
  const locations = new Map<string, PlannedLocation>();
  const location = (id: string): PlannedLocation => {
    let l = locations.get(id);
    if (l === undefined) {
      l = { id };
      locations.set(id, l);
    }
    return l;
  };
  const ignore = (vocabulary: string, id: string, reason: string) => plan.ignored.push({ vocabulary, id, reason });

  for (const v of vocabularies) {
    const kind = vocabName(v.type);
    for (const el of v.elements) {
      const a = stringAttributes(el);
      if (LOCATION_TYPES.has(kind)) {
        const id = attempt(() => canonicalLocationId(el.id, "id"));
        if ("error" in id) {
          ignore(v.type, el.id, id.error);
          continue;
        }
        const l = location(id.ok);
        const name = a.get("name") ?? a.get("ssd");
        if (name !== undefined) l.name = name;
        const address = addressOf(a);
        if (address !== undefined) l.address = { ...(l.address ?? {}), ...address };
        const coordinates = coordinatesOf(a);
        if (coordinates !== undefined) l.coordinates = coordinates;
        const owner = a.get("owningParty") ?? a.get("owning_party");
        if (owner !== undefined) {
          const party = attempt(() => canonicalPartyId(owner, "owningParty"));
          if ("ok" in party) l.party = party.ok;
          else ignore(v.type, el.id, `owning party: ${party.error}`);
        }
        // CBV 2.0 §10.3: `site` is the GLN of the site that contains this sub-location.
        const site = a.get("site");
        if (site !== undefined) {
          const s = attempt(() => canonicalLocationId(site, "site"));
          if ("ok" in s && s.ok !== id.ok) {
            l.parent = s.ok;
            location(s.ok);
          }
        }
        // EPCIS 2.0 §8.2.7.1 (WD_ queries): an element's children are the locations inside it.
        for (const child of el.children ?? []) {
          const c = attempt(() => canonicalLocationId(child, "children"));
          if ("error" in c) ignore(v.type, child, c.error);
          else if (c.ok !== id.ok) location(c.ok).parent = id.ok;
        }
      } else if (kind === "Party") {
        const id = attempt(() => canonicalPartyId(el.id, "id"));
        if ("error" in id) {
          ignore(v.type, el.id, id.error);
          continue;
        }
        const name = a.get("name");
        const address = addressOf(a);
        plan.parties.push({
          id: id.ok,
          ...(name === undefined ? {} : { name }),
          ...(address === undefined ? {} : { address }),
        });
      } else if (kind === "EPCClass") {
        const lot = attempt(() => parseCode(el.id));
        if ("ok" in lot && lot.ok.kind === "lgtin") {
          // Lot-level master data (CBV 2.0 §10.2 ILMD-like attributes) belongs to the lot, not
          // to the product; the lot's own events carry it.
          ignore(v.type, el.id, "lot-level master data is not product master data");
          continue;
        }
        const id = attempt(() => canonicalProductId(el.id, "id"));
        if ("error" in id) {
          ignore(v.type, el.id, id.error);
          continue;
        }
        const name =
          a.get("regulatedProductName") ??
          a.get("descriptionShort") ??
          a.get("tradeItemDescription") ??
          a.get("functionalName") ??
          a.get("name");
        const dosageForm = a.get("dosageFormType");
        // CBV 2.0 §10.2 trade-item attributes that only regulated medicines carry.
        const isDrug = ["dosageFormType", "regulatedProductName", "strengthDescription"].some((k) => a.has(k));
        const attributes: Record<string, string> = {};
        for (const [k, val] of a) attributes[k] = val;
        plan.products.push({
          id: id.ok,
          category: isDrug ? "drug" : "food",
          attributes,
          ...(name === undefined ? {} : { name }),
          ...(dosageForm === undefined ? {} : { dosageForm }),
        });
      } else {
        ignore(v.type, el.id, `vocabulary type ${v.type} is not kept as master data`);
      }
    }
  }
  plan.locations = [...locations.values()];
  return plan;
}
