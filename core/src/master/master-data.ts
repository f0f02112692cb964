// Master data: parties, locations, products and gateway enrolments, kept in memory and
// written through to the ledger store's meta. The store has no meta listing, so each kind is
// one JSON document (master data is small next to the log):
//
//   md:parties    { v: 1, items: PartyRecord[] }        sorted by id
//   md:locations  { v: 1, items: LocationRecord[] }
//   md:products   { v: 1, items: ProductRecord[] }
//   md:gateways   { v: 1, items: GatewayEnrolment[] }
//
// Writes are serialised (one at a time, in call order); each builds the new document, makes
// it durable, and only then swaps it in, so a failed write leaves memory as it was.
import {
  decodeBase64Strict,
  gatewayPublicKey,
  isSuyuanError,
  keyIdFor,
  SuyuanError,
  type Vocabulary,
} from "@suyuan/proto";
import type { GatewayEnrolment, GatewayKeyRecord, MasterDataReader } from "../model.ts";
import type { LedgerStore } from "../store/store.ts";
import { type EpcisMasterDataSummary, planEpcisMasterData } from "./epcis-master-data.ts";
import { canonicalLocationId, canonicalPartyId, canonicalProductId } from "./ids.ts";
import { type ImportSummary, parseImportFile } from "./import.ts";
import {
  type Address,
  checkGatewayInput,
  checkLocationInput,
  checkPartyInput,
  checkProductInput,
  type GatewayInput,
  type GatewayKeyInput,
  type LocationInput,
  type LocationRecord,
  type PartyInput,
  type PartyRecord,
  type Problem,
  Problems,
  type ProductCategory,
  type ProductInput,
  type ProductRecord,
} from "./records.ts";

export type MasterStore = Pick<LedgerStore, "getMeta" | "putMeta">;

export interface MasterDataOptions {
  store: MasterStore;
  now?: () => Date;
  log?: (msg: string, fields?: object) => void;
}

type Kind = "parties" | "locations" | "products" | "gateways";
const KEY: Record<Kind, string> = {
  parties: "md:parties",
  locations: "md:locations",
  products: "md:products",
  gateways: "md:gateways",
};

interface State {
  parties: Map<string, PartyRecord>;
  locations: Map<string, LocationRecord>;
  products: Map<string, ProductRecord>;
  gateways: Map<string, GatewayEnrolment>;
}

const NOOP = () => {};

/** The first problem as message (path: rule), the rest in detail.problems. */
function invalid(code: string, problems: readonly Problem[]): SuyuanError {
  const first = problems[0]!;
  const more = problems.length > 1 ? ` (and ${problems.length - 1} more problem${problems.length > 2 ? "s" : ""})` : "";
  return new SuyuanError(code, `${first.path}: ${first.rule}${more}`, {
    field: first.path,
    detail: { problems },
  });
}

function byId<T extends { id: string }>(m: Map<string, T>): T[] {
  return [...m.values()].sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
}

export class MasterData implements MasterDataReader {
  private readonly store: MasterStore;
  private readonly now: () => Date;
  private readonly log: (msg: string, fields?: object) => void;
  private state: State | undefined;
  private writes: Promise<unknown> = Promise.resolve();
  private readonly childrenMemo = new WeakMap<Map<string, LocationRecord>, Map<string, string[]>>();

  constructor(opts: MasterDataOptions) {
    this.store = opts.store;
    this.now = opts.now ?? (() => new Date());
    this.log = opts.log ?? NOOP;
  }

  /** Loads every document from the store (which must be open). */
  async open(): Promise<void> {
    const load = async <T>(kind: Kind): Promise<Map<string, T>> => {
      const raw = await this.store.getMeta(KEY[kind]);
      const m = new Map<string, T>();
      if (raw === undefined) return m;
      let doc: { v?: number; items?: unknown };
      try {
        doc = JSON.parse(typeof raw === "string" ? raw : new TextDecoder().decode(raw));
      } catch (e) {
        throw new SuyuanError("STORE_CORRUPT", `meta ${KEY[kind]}: master data is not JSON`, {
          field: KEY[kind],
          cause: e,
        });
      }
      if (doc.v !== 1 || !Array.isArray(doc.items)) {
        throw new SuyuanError("STORE_CORRUPT", `meta ${KEY[kind]}: not a version-1 master-data document`, {
          field: KEY[kind],
        });
      }
      for (const item of doc.items as Array<{ id?: string; gatewayId?: string }>) {
        m.set((item.id ?? item.gatewayId) as string, item as T);
      }
      return m;
    };
    this.state = {
      parties: await load<PartyRecord>("parties"),
      locations: await load<LocationRecord>("locations"),
      products: await load<ProductRecord>("products"),
      gateways: await load<GatewayEnrolment>("gateways"),
    };
    this.log("master data loaded", {
      parties: this.state.parties.size,
      locations: this.state.locations.size,
      products: this.state.products.size,
      gateways: this.state.gateways.size,
    });
  }

  private get s(): State {
    if (this.state === undefined) throw new SuyuanError("MASTER_NOT_OPEN", "master data: await open() first");
    return this.state;
  }

  private nowIso(): string {
    return this.now().toISOString();
  }

  /**
   * Runs `change` on copies of the current maps (after every earlier write), persists the
   * kinds it touched, then swaps them in.
   */
  private write<R>(change: (draft: State) => R): Promise<R> {
    const run = async (): Promise<R> => {
      const cur = this.s;
      const draft: State = {
        parties: new Map(cur.parties),
        locations: new Map(cur.locations),
        products: new Map(cur.products),
        gateways: new Map(cur.gateways),
      };
      const result = change(draft);
      const changed = (Object.keys(KEY) as Kind[]).filter((k) => !sameMap(cur[k], draft[k]));
      for (const k of changed) {
        const items =
          k === "gateways"
            ? [...draft.gateways.values()].sort(cmpGateway)
            : byId(draft[k] as Map<string, { id: string }>);
        await this.store.putMeta(KEY[k], JSON.stringify({ v: 1, items }));
      }
      this.state = draft;
      return result;
    };
    const p = this.writes.then(run);
    this.writes = p.catch(() => undefined);
    return p;
  }

  // ---- parties ----------------------------------------------------------------------------

  /** Creates or replaces a party. Any party code form is accepted for `id`. */
  putParty(input: PartyInput | Record<string, unknown>): Promise<PartyRecord> {
    const p = new Problems();
    const clean = checkPartyInput(input, "party", p);
    if (clean === undefined) return Promise.reject(invalid("MASTER_BAD_INPUT", p.list));
    return this.write((d) => putPartyIn(d, clean, this.nowIso()));
  }

  getParty(id: string): PartyRecord | undefined {
    const key = tryCanonical(canonicalPartyId, id);
    return key === undefined ? undefined : this.s.parties.get(key);
  }

  listParties(): PartyRecord[] {
    return byId(this.s.parties);
  }

  // ---- locations --------------------------------------------------------------------------

  /** Creates or replaces a location. Its party and parent must be known. */
  putLocation(input: LocationInput | Record<string, unknown>): Promise<LocationRecord> {
    const p = new Problems();
    const clean = checkLocationInput(input, "location", p);
    if (clean === undefined) return Promise.reject(invalid("MASTER_BAD_INPUT", p.list));
    return this.write((d) => {
      const refs = new Problems();
      checkLocationRefs(d, clean, "location", refs);
      if (!refs.ok) throw invalid("MASTER_BAD_INPUT", refs.list);
      return putLocationIn(d, clean, this.nowIso());
    });
  }

  getLocation(id: string): LocationRecord | undefined {
    const key = tryCanonical(canonicalLocationId, id);
    return key === undefined ? undefined : this.s.locations.get(key);
  }

  listLocations(filter: { party?: string } = {}): LocationRecord[] {
    const party = filter.party === undefined ? undefined : tryCanonical(canonicalPartyId, filter.party);
    if (filter.party !== undefined && party === undefined) return [];
    return byId(this.s.locations).filter((l) => party === undefined || l.party === party);
  }

  /**
   * Direct children of a location (canonical ids, sorted): the known locations whose `parent`
   * it is, and the known sub-locations of a site (GLN + AI (254) extension) that name no
   * parent — the same hierarchy `partyOfLocation` walks up. The query side recurses for
   * EPCIS 2.0 §8.2.7.1 WD_bizLocation / WD_readPoint ("the location or any descendant").
   * Unknown ids have no children.
   */
  childLocations(locationId: string): string[] {
    const locations = this.s.locations;
    let tree = this.childrenMemo.get(locations);
    if (tree === undefined) {
      // Built once per version of the locations map (every write swaps in a new map).
      tree = new Map();
      for (const l of byId(locations)) {
        const up = l.parent ?? siteOf(l.id);
        if (up === undefined || up === l.id) continue;
        const list = tree.get(up);
        if (list) list.push(l.id);
        else tree.set(up, [l.id]);
      }
      this.childrenMemo.set(locations, tree);
    }
    const id = locations.has(locationId) ? locationId : tryCanonical(canonicalLocationId, locationId);
    return id === undefined ? [] : [...(tree.get(id) ?? [])];
  }

  // ---- products ---------------------------------------------------------------------------

  putProduct(input: ProductInput | Record<string, unknown>): Promise<ProductRecord> {
    const p = new Problems();
    const clean = checkProductInput(input, "product", p);
    if (clean === undefined) return Promise.reject(invalid("MASTER_BAD_INPUT", p.list));
    return this.write((d) => {
      if (clean.party !== undefined && !d.parties.has(clean.party)) {
        throw invalid("MASTER_BAD_INPUT", [{ path: "product.party", rule: `unknown party ${clean.party}` }]);
      }
      return putProductIn(d, clean, this.nowIso());
    });
  }

  getProduct(id: string): ProductRecord | undefined {
    const key = tryCanonical(canonicalProductId, id);
    return key === undefined ? undefined : this.s.products.get(key);
  }

  listProducts(filter: { category?: ProductCategory } = {}): ProductRecord[] {
    return byId(this.s.products).filter((p) => filter.category === undefined || p.category === filter.category);
  }

  // ---- gateways ---------------------------------------------------------------------------

  /**
   * Enrols a gateway with its first key(s), bound to a party and (optionally) the read points
   * it may report. MASTER_GATEWAY_EXISTS if the id is taken: use rotateGatewayKey.
   */
  enrollGateway(input: GatewayInput | Record<string, unknown>): Promise<GatewayEnrolment> {
    const p = new Problems();
    const clean = checkGatewayInput(input, "gateway", p);
    if (clean === undefined) return Promise.reject(invalid("MASTER_BAD_INPUT", p.list));
    const at = this.nowIso();
    const keys = clean.keys.map((k, i) => keyRecord(k, `gateway.keys[${i}]`, at, p));
    if (!p.ok) return Promise.reject(invalid("MASTER_BAD_INPUT", p.list));
    return this.write((d) => {
      if (d.gateways.has(clean.gatewayId)) {
        throw new SuyuanError(
          "MASTER_GATEWAY_EXISTS",
          `gateway.gatewayId: gateway ${clean.gatewayId} is already enrolled`,
          {
            field: "gateway.gatewayId",
          },
        );
      }
      if (!d.parties.has(clean.party)) {
        throw invalid("MASTER_BAD_INPUT", [{ path: "gateway.party", rule: `unknown party ${clean.party}` }]);
      }
      const g: GatewayEnrolment = {
        gatewayId: clean.gatewayId,
        party: clean.party,
        keys: dedupeKeys(keys as GatewayKeyRecord[]),
        allowedReadPoints: clean.allowedReadPoints ?? [],
      };
      d.gateways.set(g.gatewayId, g);
      this.log("gateway enrolled", { gatewayId: g.gatewayId, party: g.party, keys: g.keys.map((k) => k.keyId) });
      return structuredClone(g);
    });
  }

  /**
   * Adds a new active key. Older active keys are marked retired but keep verifying (batches
   * already signed with them may still be in the gateway's outbox) until revoked.
   */
  rotateGatewayKey(gatewayId: string, key: GatewayKeyInput): Promise<GatewayEnrolment> {
    const p = new Problems();
    const rec = keyRecord(key, "key", this.nowIso(), p);
    if (rec === undefined) return Promise.reject(invalid("MASTER_BAD_INPUT", p.list));
    return this.write((d) => {
      const g = structuredClone(gatewayIn(d, gatewayId));
      if (g.keys.some((k) => k.keyId === rec.keyId)) {
        throw new SuyuanError("MASTER_KEY_EXISTS", `key.keyId: gateway ${gatewayId} already has key ${rec.keyId}`, {
          field: "key.keyId",
        });
      }
      for (const k of g.keys) if (k.status === "active" && k.retiredAt === undefined) k.retiredAt = rec.enrolledAt;
      g.keys.push(rec);
      d.gateways.set(g.gatewayId, g);
      this.log("gateway key rotated", { gatewayId, keyId: rec.keyId });
      return structuredClone(g);
    });
  }

  /** Revokes a key: batches signed with it are refused from `at` (default now) on. */
  revokeGatewayKey(
    gatewayId: string,
    keyId: string,
    opts: { reason?: string; at?: string } = {},
  ): Promise<GatewayEnrolment> {
    const at = opts.at ?? this.nowIso();
    if (Number.isNaN(Date.parse(at))) {
      return Promise.reject(
        new SuyuanError("MASTER_BAD_INPUT", "revokedAt: must be an RFC 3339 time", { field: "revokedAt" }),
      );
    }
    return this.write((d) => {
      const g = structuredClone(gatewayIn(d, gatewayId));
      const k = g.keys.find((x) => x.keyId === keyId);
      if (k === undefined) {
        throw new SuyuanError("MASTER_KEY_NOT_FOUND", `keyId: gateway ${gatewayId} has no key ${keyId}`, {
          field: "keyId",
        });
      }
      if (k.status !== "revoked") {
        k.status = "revoked";
        k.revokedAt = new Date(at).toISOString();
        if (opts.reason !== undefined && opts.reason !== "") k.revocationReason = opts.reason;
      }
      d.gateways.set(g.gatewayId, g);
      this.log("gateway key revoked", { gatewayId, keyId, revokedAt: k.revokedAt });
      return structuredClone(g);
    });
  }

  /** The key record (with its status) of a gateway's key, if enrolled. */
  keyStatus(gatewayId: string, keyId: string): GatewayKeyRecord | undefined {
    const k = this.s.gateways.get(gatewayId)?.keys.find((x) => x.keyId === keyId);
    return k === undefined ? undefined : { ...k };
  }

  listGateways(filter: { party?: string } = {}): GatewayEnrolment[] {
    const party = filter.party === undefined ? undefined : tryCanonical(canonicalPartyId, filter.party);
    if (filter.party !== undefined && party === undefined) return [];
    return [...this.s.gateways.values()]
      .filter((g) => party === undefined || g.party === party)
      .sort(cmpGateway)
      .map((g) => structuredClone(g));
  }

  // ---- MasterDataReader -------------------------------------------------------------------

  /**
   * Owning party of a location: its own, else its enclosing location's (parent chain), else —
   * for an SGLN with an extension (a sub-location, CBV 2.0 §10.3) — its GLN's location.
   */
  partyOfLocation(locationId: string): string | undefined {
    const s = this.s;
    let id: string | undefined = s.locations.has(locationId) ? locationId : this.canonicalLocation(locationId);
    const seen = new Set<string>();
    while (id !== undefined && !seen.has(id)) {
      seen.add(id);
      const loc = s.locations.get(id);
      if (loc?.party !== undefined) return loc.party;
      if (loc?.parent !== undefined) id = loc.parent;
      else {
        const site = id.replace(/\/254\/[^/]+$/, "");
        id = site === id ? undefined : site;
      }
    }
    return undefined;
  }
  // Location code → canonical id (undefined: not a location code). Pure, so memoised: capture
  // asks for every event's read point and business location, which repeat across events.
  private readonly locationIds = new Map<string, string | undefined>();
  private canonicalLocation(locationId: string): string | undefined {
    if (this.locationIds.has(locationId)) return this.locationIds.get(locationId);
    const id = tryCanonical(canonicalLocationId, locationId);
    if (this.locationIds.size >= 10_000) this.locationIds.clear();
    this.locationIds.set(locationId, id);
    return id;
  }

  location(locationId: string): { id: string; name: string; party?: string; address?: string } | undefined {
    const l = this.s.locations.get(locationId) ?? this.getLocation(locationId);
    if (l === undefined) return undefined;
    const party = l.party ?? this.partyOfLocation(l.id);
    const address = formatAddress(l.address);
    return {
      id: l.id,
      name: l.name,
      ...(party === undefined ? {} : { party }),
      ...(address === undefined ? {} : { address }),
    };
  }

  party(partyId: string): { id: string; name: string } | undefined {
    const p = this.s.parties.get(partyId) ?? this.getParty(partyId);
    return p === undefined ? undefined : { id: p.id, name: p.name };
  }

  product(gtinOrClassId: string): { id: string; name: string; category: "food" | "drug" } | undefined {
    const p = this.s.products.get(gtinOrClassId) ?? this.getProduct(gtinOrClassId);
    return p === undefined ? undefined : { id: p.id, name: p.name, category: p.category };
  }

  gateway(gatewayId: string): GatewayEnrolment | undefined {
    const g = this.s.gateways.get(gatewayId);
    return g === undefined ? undefined : structuredClone(g);
  }

  // ---- bulk -------------------------------------------------------------------------------

  /**
   * Imports a master-data file (schema in `import.ts` and deploy/master-data.example.yaml).
   * All or nothing: every problem is collected and MASTER_BAD_IMPORT names the first
   * ("locations[3].party: unknown party …"), with all of them in detail.problems.
   */
  importMasterData(text: string, format: "yaml" | "json"): Promise<ImportSummary> {
    let plan: ReturnType<typeof parseImportFile>;
    try {
      plan = parseImportFile(text, format);
    } catch (e) {
      return Promise.reject(e);
    }
    const at = this.nowIso();
    const p = new Problems();
    const keysByGateway = plan.gateways.map((g) =>
      g.input.keys.map((k, i) => keyRecord(k, `${g.path}.keys[${i}]`, at, p)),
    );
    if (!p.ok) return Promise.reject(invalid("MASTER_BAD_IMPORT", p.list));
    return this.write((d) => {
      const refs = new Problems();
      for (const x of plan.parties) putPartyIn(d, x.input, at);
      // Locations may name parents listed later in the file: add them all, then check refs.
      for (const x of plan.locations) putLocationIn(d, x.input, at);
      for (const x of plan.locations) checkLocationRefs(d, x.input, x.path, refs);
      for (const x of plan.products) {
        if (x.input.party !== undefined && !d.parties.has(x.input.party)) {
          refs.add(`${x.path}.party`, `unknown party ${x.input.party}`);
        }
        putProductIn(d, x.input, at);
      }
      plan.gateways.forEach((x, i) => {
        if (!d.parties.has(x.input.party)) refs.add(`${x.path}.party`, `unknown party ${x.input.party}`);
        const keys = keysByGateway[i] as GatewayKeyRecord[];
        const old = d.gateways.get(x.input.gatewayId);
        if (old === undefined) {
          d.gateways.set(x.input.gatewayId, {
            gatewayId: x.input.gatewayId,
            party: x.input.party,
            keys: dedupeKeys(keys),
            allowedReadPoints: x.input.allowedReadPoints ?? [],
          });
          return;
        }
        if (old.party !== x.input.party) {
          refs.add(
            `${x.path}.party`,
            `gateway ${old.gatewayId} is enrolled for party ${old.party}; re-enrol it under a new id`,
          );
        }
        // Re-importing is idempotent: known keys keep their status (a revoked key stays
        // revoked); new keys are added.
        const g = structuredClone(old);
        g.allowedReadPoints = x.input.allowedReadPoints ?? [];
        for (const k of keys) if (!g.keys.some((o) => o.keyId === k.keyId)) g.keys.push(k);
        d.gateways.set(g.gatewayId, g);
      });
      if (!refs.ok) throw invalid("MASTER_BAD_IMPORT", refs.list);
      const summary: ImportSummary = {
        parties: plan.parties.length,
        locations: plan.locations.length,
        products: plan.products.length,
        gateways: plan.gateways.length,
      };
      this.log("master data imported", summary);
      return summary;
    });
  }

  /**
   * Applies the master data of a captured EPCIS document (EPCIS 2.0 §7.5 / §9.4 header
   * vocabularies): BusinessLocation / ReadPoint / Location elements become locations, Party
   * elements parties, EPCClass elements products. Known fields are merged (what the document
   * does not say is kept). Elements it cannot use are reported in `ignored`, never thrown:
   * master data must not make a capture fail.
   */
  applyEpcisMasterData(vocabularies: readonly Vocabulary[] | undefined): Promise<EpcisMasterDataSummary> {
    if (vocabularies === undefined || vocabularies.length === 0) {
      return Promise.resolve({ parties: 0, locations: 0, products: 0, ignored: [] });
    }
    return this.write((d) => {
      const at = this.nowIso();
      const plan = planEpcisMasterData(vocabularies);
      for (const p of plan.parties) {
        const old = d.parties.get(p.id);
        d.parties.set(p.id, {
          id: p.id,
          name: p.name ?? old?.name ?? p.id,
          licences: old?.licences ?? [],
          ...mergeAddress(old?.address, p.address),
          updatedAt: at,
        });
      }
      for (const l of plan.locations) {
        const old = d.locations.get(l.id);
        const party = l.party ?? old?.party;
        if (party !== undefined && !d.parties.has(party)) {
          d.parties.set(party, { id: party, name: party, licences: [], updatedAt: at });
        }
        const parent = l.parent ?? old?.parent;
        const coordinates = l.coordinates ?? old?.coordinates;
        d.locations.set(l.id, {
          id: l.id,
          name: l.name ?? old?.name ?? l.id,
          ...mergeAddress(old?.address, l.address),
          ...(coordinates === undefined ? {} : { coordinates }),
          ...(party === undefined ? {} : { party }),
          ...(parent === undefined || parent === l.id ? {} : { parent }),
          updatedAt: at,
        });
      }
      for (const pr of plan.products) {
        const old = d.products.get(pr.id);
        const dosageForm = pr.dosageForm ?? old?.dosageForm;
        d.products.set(pr.id, {
          ...(old ?? {}),
          id: pr.id,
          name: pr.name ?? old?.name ?? pr.id,
          // A product's category is set by an admin or the first document that names it.
          category: old?.category ?? pr.category,
          attributes: { ...(old?.attributes ?? {}), ...pr.attributes },
          ...(dosageForm === undefined ? {} : { dosageForm }),
          updatedAt: at,
        });
      }
      const summary: EpcisMasterDataSummary = {
        parties: plan.parties.length,
        locations: plan.locations.length,
        products: plan.products.length,
        ignored: plan.ignored,
      };
      this.log("epcis master data applied", { ...summary, ignored: plan.ignored.length });
      return summary;
    });
  }
}

// ---- helpers (pure, on a draft state) -----------------------------------------------------

/** The site of a sub-location (`…/414/<GLN>/254/<ext>` → `…/414/<GLN>`), else undefined. */
function siteOf(id: string): string | undefined {
  const site = id.replace(/\/254\/[^/]+$/, "");
  return site === id ? undefined : site;
}

function tryCanonical(fn: (v: unknown) => string, v: string): string | undefined {
  try {
    return fn(v);
  } catch (e) {
    if (isSuyuanError(e)) return undefined;
    throw e;
  }
}

function sameMap(a: Map<string, unknown>, b: Map<string, unknown>): boolean {
  if (a.size !== b.size) return false;
  for (const [k, v] of a) if (b.get(k) !== v) return false;
  return true;
}

function cmpGateway(a: GatewayEnrolment, b: GatewayEnrolment): number {
  return a.gatewayId < b.gatewayId ? -1 : a.gatewayId > b.gatewayId ? 1 : 0;
}

function putPartyIn(d: State, x: PartyInput, at: string): PartyRecord {
  const rec: PartyRecord = {
    id: x.id,
    name: x.name,
    licences: x.licences ?? [],
    ...(x.address === undefined ? {} : { address: x.address }),
    updatedAt: at,
  };
  d.parties.set(rec.id, rec);
  return structuredClone(rec);
}

function putLocationIn(d: State, x: LocationInput, at: string): LocationRecord {
  const rec: LocationRecord = { ...x, updatedAt: at };
  d.locations.set(rec.id, rec);
  return structuredClone(rec);
}

function putProductIn(d: State, x: ProductInput, at: string): ProductRecord {
  const rec: ProductRecord = { ...x, attributes: x.attributes ?? {}, updatedAt: at };
  d.products.set(rec.id, rec);
  return structuredClone(rec);
}

/** Party and parent must exist; the parent chain must not loop. */
function checkLocationRefs(d: State, x: LocationInput, path: string, p: Problems): void {
  if (x.party !== undefined && !d.parties.has(x.party)) p.add(`${path}.party`, `unknown party ${x.party}`);
  if (x.parent === undefined) return;
  if (!d.locations.has(x.parent)) {
    p.add(`${path}.parent`, `unknown location ${x.parent}`);
    return;
  }
  const seen = new Set([x.id]);
  let cur: string | undefined = x.parent;
  while (cur !== undefined) {
    if (seen.has(cur)) {
      p.add(`${path}.parent`, `location ${x.parent} is inside ${x.id}: parents must not form a loop`);
      return;
    }
    seen.add(cur);
    cur = d.locations.get(cur)?.parent;
  }
}

function gatewayIn(d: State, gatewayId: string): GatewayEnrolment {
  const g = d.gateways.get(gatewayId);
  if (g === undefined) {
    throw new SuyuanError(
      "MASTER_GATEWAY_NOT_FOUND",
      `gatewayId: no gateway ${JSON.stringify(gatewayId)} is enrolled`,
      {
        field: "gatewayId",
      },
    );
  }
  return g;
}

/** Checks a public key (algorithm, length) and its id (proto keyIdFor, derived from the key). */
function keyRecord(k: GatewayKeyInput, path: string, at: string, p: Problems): GatewayKeyRecord | undefined {
  const algorithm = (k.algorithm ?? "ed25519").toLowerCase();
  let raw: Uint8Array | undefined;
  if (k.publicKey instanceof Uint8Array) raw = k.publicKey;
  else if (typeof k.publicKey === "string") raw = decodeBase64Strict(k.publicKey.trim());
  if (raw === undefined) {
    p.add(`${path}.publicKey`, "must be the raw public key in canonical base64 (RFC 4648 §4)");
    return undefined;
  }
  try {
    gatewayPublicKey(algorithm as Parameters<typeof gatewayPublicKey>[0], raw);
  } catch (e) {
    if (!isSuyuanError(e)) throw e;
    p.add(e.code === "SIGN_UNSUPPORTED_ALGORITHM" ? `${path}.algorithm` : `${path}.publicKey`, e.reason);
    return undefined;
  }
  const derived = keyIdFor(algorithm as Parameters<typeof keyIdFor>[0], raw);
  if (k.keyId !== undefined && k.keyId !== "" && k.keyId !== derived) {
    p.add(`${path}.keyId`, `must be ${derived}, the id derived from this public key (first 8 bytes of SHA-256)`);
    return undefined;
  }
  return {
    keyId: derived,
    algorithm,
    publicKey: Buffer.from(raw).toString("base64"),
    status: "active",
    enrolledAt: at,
  };
}

function dedupeKeys(keys: GatewayKeyRecord[]): GatewayKeyRecord[] {
  const seen = new Set<string>();
  return keys.filter((k) => !seen.has(k.keyId) && seen.add(k.keyId));
}

function mergeAddress(old: Address | undefined, next: Address | undefined): { address?: Address } {
  const a = { ...(old ?? {}), ...(next ?? {}) };
  return Object.keys(a).length === 0 ? {} : { address: a };
}

/** The address on one line, street first (the order CBV 2.0 §10.3 lists its attributes). */
export function formatAddress(a: Address | undefined): string | undefined {
  if (a === undefined) return undefined;
  const parts = [a.street, a.district, a.city, a.province, a.postalCode, a.countryCode].filter(
    (x): x is string => x !== undefined && x !== "",
  );
  return parts.length === 0 ? undefined : parts.join(", ");
}
