// Master-data records as stored, and the checks that turn untrusted input (admin API, import
// file) into them. Checks collect every problem with its path ("locations[3].party") and the
// rule it broke, so an import file can be fixed in one go.
import { isSuyuanError } from "@suyuan/proto";
import { canonicalLocationId, canonicalPartyId, canonicalProductId, checkSimpleId } from "./ids.ts";

/** A postal address (CBV 2.0 §10.3 location master data; China's province/city/district). */
export interface Address {
  /** ISO 3166-1 alpha-2. */
  countryCode?: string;
  province?: string;
  city?: string;
  district?: string;
  street?: string;
  postalCode?: string;
}

/** A licence or permit (e.g. 食品生产许可证 SC…, 药品经营许可证). */
export interface Licence {
  kind: string;
  number: string;
  issuer?: string;
  validFrom?: string;
  validTo?: string;
}

export interface PartyRecord {
  /** Canonical: `https://id.gs1.org/417/<GLN>` (or /414/ for a plain GLN). */
  id: string;
  name: string;
  address?: Address;
  licences: Licence[];
  updatedAt: string;
}

export interface GeoPoint {
  /** WGS 84 degrees (CBV 2.0 §10.3 latitude / longitude). */
  latitude: number;
  longitude: number;
}

export interface LocationRecord {
  /** Canonical: `https://id.gs1.org/414/<GLN>[/254/<ext>]`. */
  id: string;
  name: string;
  address?: Address;
  coordinates?: GeoPoint;
  /** Owning party (canonical). */
  party?: string;
  /** Enclosing location (EPCIS 2.0 §8.2.7.1 WD_bizLocation hierarchy, CBV 2.0 §10.3 site). */
  parent?: string;
  updatedAt: string;
}

export type ProductCategory = "food" | "drug";

export interface TemperatureRange {
  minCelsius?: number;
  maxCelsius?: number;
}

export interface ProductRecord {
  /** Canonical: `https://id.gs1.org/01/<GTIN-14>` or `urn:suyuan:cn-drug-product:<7 digits>`. */
  id: string;
  name: string;
  category: ProductCategory;
  /** Drug approval number (药品批准文号) or food registration number. */
  approvalNumber?: string;
  /** Drug dosage form (剂型, CBV dosageFormType). */
  dosageForm?: string;
  storageTemperature?: TemperatureRange;
  attributes: Record<string, string>;
  party?: string;
  updatedAt: string;
}

export interface PartyInput {
  id: string;
  name: string;
  address?: Address;
  licences?: Licence[];
}

export interface LocationInput {
  id: string;
  name: string;
  address?: Address;
  coordinates?: GeoPoint;
  party?: string;
  parent?: string;
}

export interface ProductInput {
  id: string;
  name: string;
  category: ProductCategory;
  approvalNumber?: string;
  dosageForm?: string;
  storageTemperature?: TemperatureRange;
  attributes?: Record<string, string>;
  party?: string;
}

export interface GatewayKeyInput {
  /** Derived from the key when absent (proto keyIdFor); must match it when given. */
  keyId?: string;
  /** Default "ed25519". */
  algorithm?: string;
  /** Raw public key, or its base64. */
  publicKey: Uint8Array | string;
}

export interface GatewayInput {
  gatewayId: string;
  party: string;
  allowedReadPoints?: string[];
  keys: GatewayKeyInput[];
}

export interface Problem {
  path: string;
  rule: string;
}

/** Collects problems while checking; `ok` is false once one was added. */
export class Problems {
  readonly list: Problem[] = [];
  add(path: string, rule: string): void {
    this.list.push({ path, rule });
  }
  get ok(): boolean {
    return this.list.length === 0;
  }
  /** Runs an id canonicaliser; a MASTER_BAD_ID becomes a problem at `path`. */
  id(fn: (v: unknown, field: string) => string, v: unknown, path: string): string | undefined {
    try {
      return fn(v, path);
    } catch (e) {
      if (!isSuyuanError(e)) throw e;
      const reason = e.reason.startsWith(`${path}: `) ? e.reason.slice(path.length + 2) : e.reason;
      this.add(path, reason);
      return undefined;
    }
  }
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === "object" && v !== null && !Array.isArray(v);

function text(
  v: unknown,
  path: string,
  p: Problems,
  opts: { required?: boolean; max?: number } = {},
): string | undefined {
  if (v === undefined || v === null || v === "") {
    if (opts.required) p.add(path, "is required");
    return undefined;
  }
  if (typeof v === "number" && Number.isFinite(v)) v = String(v);
  if (typeof v !== "string") {
    p.add(path, `must be a string, got ${Array.isArray(v) ? "array" : typeof v}`);
    return undefined;
  }
  const max = opts.max ?? 512;
  if (v.length > max) {
    p.add(path, `must be at most ${max} characters`);
    return undefined;
  }
  return v;
}

function num(v: unknown, path: string, p: Problems, min: number, max: number): number | undefined {
  if (v === undefined || v === null || v === "") return undefined;
  const n = typeof v === "string" ? Number(v) : v;
  if (typeof n !== "number" || !Number.isFinite(n)) {
    p.add(path, "must be a number");
    return undefined;
  }
  if (n < min || n > max) {
    p.add(path, `must be between ${min} and ${max}, got ${n}`);
    return undefined;
  }
  return n;
}

const KNOWN = (o: Record<string, unknown>, keys: readonly string[], path: string, p: Problems): void => {
  for (const k of Object.keys(o)) if (!keys.includes(k)) p.add(`${path}.${k}`, "is not a known field");
};

const ADDRESS_KEYS = ["countryCode", "province", "city", "district", "street", "postalCode"] as const;

export function checkAddress(v: unknown, path: string, p: Problems): Address | undefined {
  if (v === undefined || v === null) return undefined;
  if (!isObject(v)) {
    p.add(path, "must be an object {countryCode, province, city, district, street, postalCode}");
    return undefined;
  }
  KNOWN(v, ADDRESS_KEYS, path, p);
  const a: Address = {};
  for (const k of ADDRESS_KEYS) {
    const s = text(v[k], `${path}.${k}`, p);
    if (s !== undefined) a[k] = s;
  }
  if (a.countryCode !== undefined && !/^[A-Z]{2}$/.test(a.countryCode)) {
    p.add(`${path}.countryCode`, "must be an ISO 3166-1 alpha-2 code such as CN");
  }
  return Object.keys(a).length === 0 ? undefined : a;
}

const RFC3339_DATE = /^\d{4}-\d{2}-\d{2}(?:T\d{2}:\d{2}:\d{2}(?:\.\d+)?(?:Z|[+-]\d{2}:\d{2}))?$/;

function checkLicences(v: unknown, path: string, p: Problems): Licence[] {
  if (v === undefined || v === null) return [];
  if (!Array.isArray(v)) {
    p.add(path, "must be a list of {kind, number, issuer, validFrom, validTo}");
    return [];
  }
  const out: Licence[] = [];
  v.forEach((l, i) => {
    const at = `${path}[${i}]`;
    if (!isObject(l)) {
      p.add(at, "must be an object {kind, number, issuer, validFrom, validTo}");
      return;
    }
    KNOWN(l, ["kind", "number", "issuer", "validFrom", "validTo"], at, p);
    const kind = text(l.kind, `${at}.kind`, p, { required: true });
    const number = text(l.number, `${at}.number`, p, { required: true });
    const lic: Licence = { kind: kind ?? "", number: number ?? "" };
    const issuer = text(l.issuer, `${at}.issuer`, p);
    if (issuer !== undefined) lic.issuer = issuer;
    for (const k of ["validFrom", "validTo"] as const) {
      const d = text(l[k] instanceof Date ? (l[k] as Date).toISOString() : l[k], `${at}.${k}`, p);
      if (d === undefined) continue;
      if (!RFC3339_DATE.test(d)) p.add(`${at}.${k}`, "must be an RFC 3339 date or date-time");
      else lic[k] = d;
    }
    out.push(lic);
  });
  return out;
}

export function checkPartyInput(v: unknown, path: string, p: Problems): PartyInput | undefined {
  if (!isObject(v)) {
    p.add(path, "must be an object {id, name, address, licences}");
    return undefined;
  }
  KNOWN(v, ["id", "name", "address", "licences"], path, p);
  const before = p.list.length;
  const id = p.id(canonicalPartyId, v.id, `${path}.id`);
  const name = text(v.name, `${path}.name`, p, { required: true });
  const address = checkAddress(v.address, `${path}.address`, p);
  const licences = checkLicences(v.licences, `${path}.licences`, p);
  if (p.list.length > before || id === undefined || name === undefined) return undefined;
  return { id, name, licences, ...(address === undefined ? {} : { address }) };
}

export function checkLocationInput(v: unknown, path: string, p: Problems): LocationInput | undefined {
  if (!isObject(v)) {
    p.add(path, "must be an object {id, name, party, parent, address, coordinates}");
    return undefined;
  }
  KNOWN(v, ["id", "name", "party", "parent", "address", "coordinates"], path, p);
  const before = p.list.length;
  const id = p.id(canonicalLocationId, v.id, `${path}.id`);
  const name = text(v.name, `${path}.name`, p, { required: true });
  const address = checkAddress(v.address, `${path}.address`, p);
  const party = v.party === undefined || v.party === "" ? undefined : p.id(canonicalPartyId, v.party, `${path}.party`);
  const parent =
    v.parent === undefined || v.parent === "" ? undefined : p.id(canonicalLocationId, v.parent, `${path}.parent`);
  let coordinates: GeoPoint | undefined;
  if (v.coordinates !== undefined && v.coordinates !== null) {
    const c = v.coordinates;
    if (!isObject(c)) p.add(`${path}.coordinates`, "must be an object {latitude, longitude}");
    else {
      KNOWN(c, ["latitude", "longitude"], `${path}.coordinates`, p);
      const latitude = num(c.latitude, `${path}.coordinates.latitude`, p, -90, 90);
      const longitude = num(c.longitude, `${path}.coordinates.longitude`, p, -180, 180);
      if (latitude === undefined || longitude === undefined) {
        if (c.latitude === undefined || c.longitude === undefined) {
          p.add(`${path}.coordinates`, "needs both latitude and longitude");
        }
      } else coordinates = { latitude, longitude };
    }
  }
  if (id !== undefined && parent === id) p.add(`${path}.parent`, "must not be the location itself");
  if (p.list.length > before || id === undefined || name === undefined) return undefined;
  return {
    id,
    name,
    ...(address === undefined ? {} : { address }),
    ...(coordinates === undefined ? {} : { coordinates }),
    ...(party === undefined ? {} : { party }),
    ...(parent === undefined ? {} : { parent }),
  };
}

export function checkProductInput(v: unknown, path: string, p: Problems): ProductInput | undefined {
  if (!isObject(v)) {
    p.add(path, "must be an object {gtin, name, category, approvalNumber, dosageForm, storageTemperature, attributes}");
    return undefined;
  }
  KNOWN(
    v,
    ["id", "gtin", "name", "category", "approvalNumber", "dosageForm", "storageTemperature", "attributes", "party"],
    path,
    p,
  );
  const before = p.list.length;
  const idField = v.gtin !== undefined ? "gtin" : "id";
  // YAML reads an unquoted GTIN as a number; its digits are still the GTIN (leading zeros
  // are restored by the padding to 14 digits).
  const rawId = typeof v[idField] === "number" ? String(v[idField]) : v[idField];
  const id = p.id(canonicalProductId, rawId, `${path}.${idField}`);
  const name = text(v.name, `${path}.name`, p, { required: true });
  let category: ProductCategory | undefined;
  if (v.category === "food" || v.category === "drug") category = v.category;
  else p.add(`${path}.category`, v.category === undefined ? "is required (food or drug)" : "must be food or drug");
  const approvalNumber = text(v.approvalNumber, `${path}.approvalNumber`, p);
  const dosageForm = text(v.dosageForm, `${path}.dosageForm`, p);
  const party = v.party === undefined || v.party === "" ? undefined : p.id(canonicalPartyId, v.party, `${path}.party`);
  let storageTemperature: TemperatureRange | undefined;
  if (v.storageTemperature !== undefined && v.storageTemperature !== null) {
    const t = v.storageTemperature;
    const at = `${path}.storageTemperature`;
    if (!isObject(t)) p.add(at, "must be an object {min, max} in °C");
    else {
      KNOWN(t, ["min", "max", "minCelsius", "maxCelsius"], at, p);
      const min = num(t.min ?? t.minCelsius, `${at}.min`, p, -273.15, 1000);
      const max = num(t.max ?? t.maxCelsius, `${at}.max`, p, -273.15, 1000);
      if (min !== undefined && max !== undefined && min > max) p.add(at, `min ${min} must not exceed max ${max}`);
      storageTemperature = {
        ...(min === undefined ? {} : { minCelsius: min }),
        ...(max === undefined ? {} : { maxCelsius: max }),
      };
    }
  }
  const attributes: Record<string, string> = {};
  if (v.attributes !== undefined && v.attributes !== null) {
    if (!isObject(v.attributes)) p.add(`${path}.attributes`, "must be a map of name to text");
    else {
      for (const [k, a] of Object.entries(v.attributes)) {
        const s = text(typeof a === "boolean" ? String(a) : a, `${path}.attributes.${k}`, p, { max: 4096 });
        if (s !== undefined) attributes[k] = s;
      }
    }
  }
  if (p.list.length > before || id === undefined || name === undefined || category === undefined) return undefined;
  return {
    id,
    name,
    category,
    attributes,
    ...(approvalNumber === undefined ? {} : { approvalNumber }),
    ...(dosageForm === undefined ? {} : { dosageForm }),
    ...(storageTemperature === undefined ? {} : { storageTemperature }),
    ...(party === undefined ? {} : { party }),
  };
}

export function checkGatewayInput(v: unknown, path: string, p: Problems): GatewayInput | undefined {
  if (!isObject(v)) {
    p.add(path, "must be an object {id, party, allowedReadPoints, keys}");
    return undefined;
  }
  KNOWN(v, ["id", "gatewayId", "party", "allowedReadPoints", "keys"], path, p);
  const before = p.list.length;
  const idField = v.gatewayId !== undefined ? "gatewayId" : "id";
  const gatewayId = p.id(checkSimpleId, v[idField], `${path}.${idField}`);
  const party = p.id(canonicalPartyId, v.party, `${path}.party`);
  const allowedReadPoints: string[] = [];
  if (v.allowedReadPoints !== undefined && v.allowedReadPoints !== null) {
    if (!Array.isArray(v.allowedReadPoints)) p.add(`${path}.allowedReadPoints`, "must be a list of location ids");
    else
      v.allowedReadPoints.forEach((r, i) => {
        const id = p.id(canonicalLocationId, r, `${path}.allowedReadPoints[${i}]`);
        if (id !== undefined && !allowedReadPoints.includes(id)) allowedReadPoints.push(id);
      });
  }
  const keys: GatewayKeyInput[] = [];
  if (!Array.isArray(v.keys) || v.keys.length === 0) p.add(`${path}.keys`, "must list at least one public key");
  else
    v.keys.forEach((k, i) => {
      const at = `${path}.keys[${i}]`;
      if (!isObject(k)) {
        p.add(at, "must be an object {keyId, algorithm, publicKey}");
        return;
      }
      KNOWN(k, ["keyId", "algorithm", "publicKey"], at, p);
      const publicKey = text(k.publicKey, `${at}.publicKey`, p, { required: true });
      const keyId = text(k.keyId, `${at}.keyId`, p);
      const algorithm = text(k.algorithm, `${at}.algorithm`, p);
      if (publicKey !== undefined) {
        keys.push({
          publicKey,
          ...(keyId === undefined ? {} : { keyId }),
          ...(algorithm === undefined ? {} : { algorithm }),
        });
      }
    });
  if (p.list.length > before || gatewayId === undefined || party === undefined) return undefined;
  return { gatewayId, party, allowedReadPoints, keys };
}
