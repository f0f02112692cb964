// suyuan's JSON API (`/api/v1`, /tmp/http-api.md): what EPCIS queries cannot say — chains with
// their proofs and warnings, the public view, traces, recall scope and the recall workflow,
// checkpoints and proofs, master data. Same roles as the gRPC services.
import { type EpcisEvent, parseCode, SuyuanError } from "@suyuan/proto";
import { gtinOf } from "../index/canon.ts";
import type { ProductRecord } from "../master/records.ts";
import type { LoggedEvent, Role } from "../model.ts";
import type { ChainAnswer, ChainStep, RecallAnswer } from "../query/index.ts";
import type { RecallClass } from "../recall/index.ts";
import type { Route, RouteContext } from "./route.ts";
import type { HttpCore, LogFn } from "./server.ts";
import { admit, badParam, intParam, jsonBody, requiredParam, sendJson, sendText } from "./util.ts";
import { type ChainWarning, chainWarnings } from "./warnings.ts";

const CHAIN_ROLES: readonly Role[] = ["admin", "inspector", "recall_officer", "partner"];
const RECALL_READ_ROLES: readonly Role[] = ["recall_officer", "admin", "inspector"];
const RECALL_WRITE_ROLES: readonly Role[] = ["recall_officer", "admin"];
const MASTER_READ_ROLES: readonly Role[] = ["admin", "inspector", "recall_officer"];
const ADMIN: readonly Role[] = ["admin"];
const MAX_TRACE_DEPTH = 32;

export interface ApiOptions {
  log: LogFn;
  now: () => Date;
}

/** A chain step as the JSON API writes it. */
export interface ApiStep {
  eventId: string;
  eventType: string;
  eventTime: string;
  recordTime: string;
  bizStep?: string;
  disposition?: string;
  action?: string;
  location?: { id: string; name?: string };
  party?: { id: string; name?: string };
  via: string;
  sensor?: ChainStep["sensors"];
  source?: ChainStep["source"];
  destination?: ChainStep["destination"];
  bizTransactions?: ChainStep["bizTransactions"];
  declaredErroneous?: ChainStep["declaredErroneous"];
  corrects?: string;
  /** The core's own recall notice: not an observation of the goods (no location). */
  recallNotice?: ChainStep["recallNotice"];
  proof: {
    provenance: "gateway" | "partner" | "core";
    gatewayId?: string;
    batchHash?: string;
    party?: string;
    logIndex: number;
    checkpointSize: number;
    included: boolean;
    /** RFC 9162 §2.1.3 audit path to `checkpoint.rootHash`, base64 hashes (proofs=1). */
    inclusionProof?: string[];
    /** The stored record bytes, base64: the RFC 9162 leaf data (proofs=1). */
    record?: string;
  };
}

export interface ApiChain {
  code: string;
  canonical: string;
  kind: ChainAnswer["kind"];
  lot?: string;
  /**
   * The product from master data (keyed by GTIN Digital Link, or CN drug product code); its
   * storage range in °C, when known, is what the inspector shades on the temperature chart.
   */
  product?: {
    id: string;
    name: string;
    category: "food" | "drug";
    storageTemperature?: { min?: number; max?: number; uom: "CEL" };
  };
  steps: ApiStep[];
  checkpoint: ChainAnswer["checkpoint"];
  warnings: ChainWarning[];
}

/** Canonical product id of a unit / lot / class (GTIN Digital Link or CN drug product). */
function productIdOf(canonical: string): string | undefined {
  const g = gtinOf(canonical);
  if (g !== undefined) return `https://id.gs1.org/01/${g}`;
  try {
    return parseCode(canonical).classCanonical;
  } catch {
    return undefined;
  }
}

/** A product as chains carry it: storage range in UN/CEFACT Rec. 20 unit CEL (°C). */
function productOf(p: ProductRecord): NonNullable<ApiChain["product"]> {
  const t = p.storageTemperature;
  const range =
    t === undefined || (t.minCelsius === undefined && t.maxCelsius === undefined)
      ? undefined
      : {
          ...(t.minCelsius === undefined ? {} : { min: t.minCelsius }),
          ...(t.maxCelsius === undefined ? {} : { max: t.maxCelsius }),
          uom: "CEL" as const,
        };
  return {
    id: p.id,
    name: p.name,
    category: p.category,
    ...(range === undefined ? {} : { storageTemperature: range }),
  };
}

function stepOf(s: ChainStep, le: LoggedEvent | undefined): ApiStep {
  const where = s.bizLocation ?? s.readPoint;
  const prov = le?.provenance;
  const step: ApiStep = {
    eventId: s.eventId,
    eventType: s.eventType,
    eventTime: s.eventTime,
    recordTime: s.recordTime,
    ...(s.bizStep === undefined ? {} : { bizStep: s.bizStep }),
    ...(s.disposition === undefined ? {} : { disposition: s.disposition }),
    ...(s.action === undefined ? {} : { action: s.action }),
    ...(where === undefined
      ? {}
      : { location: { id: where, ...(s.location === undefined ? {} : { name: s.location }) } }),
    ...(s.party === undefined ? {} : { party: s.party }),
    via: s.via,
    ...(s.sensors === undefined ? {} : { sensor: s.sensors }),
    ...(s.source === undefined ? {} : { source: s.source }),
    ...(s.destination === undefined ? {} : { destination: s.destination }),
    ...(s.bizTransactions === undefined ? {} : { bizTransactions: s.bizTransactions }),
    ...(s.declaredErroneous === undefined ? {} : { declaredErroneous: s.declaredErroneous }),
    ...(s.corrects === undefined ? {} : { corrects: s.corrects }),
    ...(s.recallNotice === undefined ? {} : { recallNotice: s.recallNotice }),
    proof: {
      provenance: s.proof.kind,
      ...(s.proof.gatewayId === undefined ? {} : { gatewayId: s.proof.gatewayId }),
      ...(prov?.kind === "gateway" ? { batchHash: prov.batchHash } : {}),
      ...(s.proof.party === undefined ? {} : { party: s.proof.party }),
      logIndex: s.proof.logIndex,
      checkpointSize: s.proof.checkpointSize,
      included: s.proof.included,
    },
  };
  return step;
}

/** The chain of a code with warnings, and with record bytes and inclusion proofs when asked. */
export async function buildChain(core: HttpCore, code: string, proofs: boolean, now: Date): Promise<ApiChain> {
  const chain = await core.query.getChain(code);
  const idxs = chain.steps.map((s) => s.proof.logIndex);
  const logged = await core.ledger.getEvents(idxs);
  const byIndex = new Map<number, LoggedEvent>(logged.map((le) => [le.index, le]));
  const productId = productIdOf(chain.canonical);
  const productRec = productId === undefined ? undefined : core.master.getProduct(productId);
  const steps = chain.steps.map((s) => stepOf(s, byIndex.get(s.proof.logIndex)));
  let checkpoint = chain.checkpoint;
  if (proofs) {
    // One checkpoint for every proof: the bundle's (it may be newer than the chain's).
    const covered = idxs.filter((i) => i < core.query.checkpoint().size);
    const bundle = await core.query.proofBundle(covered);
    checkpoint = bundle.checkpoint;
    const byIdx = new Map(bundle.entries.map((e) => [e.index, e]));
    for (const st of steps) {
      const e = byIdx.get(st.proof.logIndex);
      st.proof.checkpointSize = checkpoint.size;
      st.proof.included = st.proof.logIndex < checkpoint.size;
      if (e !== undefined) {
        st.proof.record = e.record;
        st.proof.inclusionProof = e.inclusionProof;
      }
    }
  }
  const events = new Map<number, EpcisEvent>([...byIndex].map(([i, le]) => [i, le.event]));
  const warnings = chainWarnings({
    chain,
    events,
    recalls: core.recalls.list(),
    ...(productRec === undefined
      ? {}
      : {
          product: {
            category: productRec.category,
            ...(productRec.storageTemperature === undefined
              ? {}
              : { storageTemperature: productRec.storageTemperature }),
          },
        }),
    now,
  });
  return {
    code: chain.code,
    canonical: chain.canonical,
    kind: chain.kind,
    ...(chain.lot === undefined ? {} : { lot: chain.lot }),
    ...(productRec === undefined ? {} : { product: productOf(productRec) }),
    steps,
    checkpoint,
    warnings,
  };
}

const isBizStep = (s: ApiStep, word: string) =>
  s.bizStep === word || s.bizStep?.endsWith(`-${word}`) === true || s.bizStep?.endsWith(`:${word}`) === true;
const isDisposition = (s: ApiStep, word: string) =>
  s.disposition === word ||
  s.disposition?.endsWith(`-${word}`) === true ||
  s.disposition?.endsWith(`:${word}`) === true;

/** The reduced public view (issue 3 §5): no party-private fields, no proofs' bytes. */
export function publicView(c: ApiChain): Record<string, unknown> {
  const own = c.steps.filter((s) => !s.via.startsWith("input:"));
  const first = own[0];
  const produced = own.find((s) => isBizStep(s, "commissioning")) ?? first;
  const sold = own.find((s) => isDisposition(s, "retail_sold") || isDisposition(s, "dispensed"));
  const expired = c.warnings.find((w) => w.kind === "expired");
  const counterfeit = c.warnings.some(
    (w) => w.kind === "sold-twice" || w.kind === "dispensed-twice" || w.kind === "declared-erroneous",
  );
  const status = c.warnings.some((w) => w.kind === "recalled")
    ? "recalled"
    : c.steps.length > 0 && !counterfeit
      ? "genuine"
      : "unknown";
  return {
    product: c.product === undefined ? null : { name: c.product.name, category: c.product.category },
    canonical: c.canonical,
    origin:
      produced === undefined
        ? null
        : {
            location: produced.location?.name ?? null,
            party: produced.party?.name ?? null,
            date: produced.eventTime,
          },
    keyDates: {
      ...(produced === undefined ? {} : { produced: produced.eventTime }),
      ...(expired === undefined || expired.kind !== "expired" ? {} : { expiry: expired.expiry }),
      ...(sold === undefined ? {} : { sold: sold.eventTime }),
    },
    status,
    steps: c.steps.map((s) => ({
      eventTime: s.eventTime,
      ...(s.bizStep === undefined ? {} : { bizStep: s.bizStep }),
      location: s.location?.name ?? null,
    })),
  };
}

function listParam(url: URL, name: string): string[] {
  return url.searchParams
    .getAll(name)
    .flatMap((v) => v.split(","))
    .map((v) => v.trim())
    .filter((v) => v !== "");
}

function recallRequest(url: URL): { lots: string[]; identifiers: string[] } {
  const lots = listParam(url, "lot");
  const identifiers = [...listParam(url, "id"), ...listParam(url, "identifier")];
  if (lots.length === 0 && identifiers.length === 0) throw badParam("lot", "give at least one lot or id");
  return { lots, identifiers };
}

/** RFC 4180 field, with spreadsheet formula injection defused (OWASP CSV injection). */
export function csvField(v: unknown): string {
  let s = v === undefined || v === null ? "" : String(v);
  if (/^[=+\-@\t\r]/.test(s)) s = `'${s}`;
  return /[",\r\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

export function holdersCsv(a: RecallAnswer): string {
  const rows = [["location", "location_name", "party", "party_name", "units"]];
  for (const h of a.holders) rows.push([h.location, h.locationName ?? "", h.party, h.partyName ?? "", String(h.units)]);
  return `${rows.map((r) => r.map(csvField).join(",")).join("\r\n")}\r\n`;
}

function stringList(v: unknown, field: string): string[] {
  if (v === undefined) return [];
  if (!Array.isArray(v) || v.some((x) => typeof x !== "string")) throw badParam(field, "must be a list of strings");
  return v as string[];
}

function hashesB64(hs: Uint8Array[]): string[] {
  return hs.map((h) => Buffer.from(h).toString("base64"));
}

export function apiRoutes(core: HttpCore, opts: ApiOptions): Route[] {
  const { now } = opts;
  const r = (method: Route["method"], path: string, handler: (ctx: RouteContext) => Promise<void> | void): Route => ({
    method,
    path: `/api/v1${path}`,
    handler,
  });

  const masterRoutes = (["parties", "locations", "products"] as const).flatMap((kind) => [
    r("GET", `/master/${kind}`, (ctx) => {
      admit(core, ctx.principal, `Master.List.${kind}`, MASTER_READ_ROLES);
      const items =
        kind === "parties"
          ? core.master.listParties()
          : kind === "locations"
            ? core.master.listLocations()
            : core.master.listProducts();
      sendJson(ctx.res, 200, { items });
    }),
    r("PUT", `/master/${kind}`, async (ctx) => {
      admit(core, ctx.principal, `Master.Put.${kind}`, ADMIN);
      const body = await jsonBody(ctx);
      // One record, or {items: [records]}.
      const input = Array.isArray(body.items) ? (body.items as unknown[]) : [body];
      const items = [];
      for (const it of input) {
        const rec = it as Record<string, unknown>;
        items.push(
          kind === "parties"
            ? await core.master.putParty(rec)
            : kind === "locations"
              ? await core.master.putLocation(rec)
              : await core.master.putProduct(rec),
        );
      }
      sendJson(ctx.res, 200, { items });
    }),
  ]);

  return [
    r("GET", "/chain", async (ctx) => {
      const code = requiredParam(ctx.url, "code");
      admit(core, ctx.principal, "Api.GetChain", CHAIN_ROLES, code);
      const proofs = ["1", "true", "yes"].includes(ctx.url.searchParams.get("proofs") ?? "");
      sendJson(ctx.res, 200, await buildChain(core, code, proofs, now()));
    }),
    r("GET", "/public/chain", async (ctx) => {
      const code = requiredParam(ctx.url, "code");
      admit(core, ctx.principal, "Api.GetPublicChain", "any", code);
      sendJson(ctx.res, 200, publicView(await buildChain(core, code, false, now())));
    }),
    r("GET", "/trace/backward", async (ctx) => {
      const code = requiredParam(ctx.url, "code");
      admit(core, ctx.principal, "Api.TraceBackward", CHAIN_ROLES, code);
      sendJson(ctx.res, 200, await core.query.traceBackward(code, intParam(ctx.url, "depth", 8, MAX_TRACE_DEPTH)));
    }),
    r("GET", "/trace/forward", async (ctx) => {
      const code = requiredParam(ctx.url, "code");
      admit(core, ctx.principal, "Api.TraceForward", CHAIN_ROLES, code);
      sendJson(ctx.res, 200, await core.query.traceForward(code, intParam(ctx.url, "depth", 8, MAX_TRACE_DEPTH)));
    }),
    r("GET", "/recall-scope", async (ctx) => {
      const req = recallRequest(ctx.url);
      admit(core, ctx.principal, "Api.RecallScope", RECALL_READ_ROLES, [...req.lots, ...req.identifiers].join(" "));
      sendJson(ctx.res, 200, await core.query.recall(req));
    }),
    r("GET", "/recall-scope.csv", async (ctx) => {
      const req = recallRequest(ctx.url);
      admit(core, ctx.principal, "Api.RecallScopeCsv", RECALL_READ_ROLES, [...req.lots, ...req.identifiers].join(" "));
      const a = await core.query.recall(req);
      ctx.res.setHeader("content-disposition", 'attachment; filename="recall-holders.csv"');
      sendText(ctx.res, 200, holdersCsv(a), "text/csv; charset=utf-8; header=present");
    }),
    r("POST", "/recalls", async (ctx) => {
      admit(core, ctx.principal, "Api.IssueRecall", RECALL_WRITE_ROLES);
      const b = await jsonBody(ctx);
      const cls = b.class ?? b.recallClass;
      if (cls !== "I" && cls !== "II" && cls !== "III") throw badParam("class", "must be I, II or III");
      if (typeof b.reason !== "string") throw badParam("reason", "must be a string saying why");
      const rec = await core.recalls.issueRecall({
        lots: stringList(b.lots, "lots"),
        identifiers: stringList(b.identifiers, "identifiers"),
        reason: b.reason,
        recallClass: cls as RecallClass,
        issuedBy: ctx.principal,
        ...(typeof b.issuedByParty === "string" ? { issuedByParty: b.issuedByParty } : {}),
      });
      ctx.res.setHeader("location", `/api/v1/recalls/${encodeURIComponent(rec.id)}`);
      sendJson(ctx.res, 201, rec);
    }),
    r("GET", "/recalls", (ctx) => {
      admit(core, ctx.principal, "Api.ListRecalls", RECALL_READ_ROLES);
      sendJson(ctx.res, 200, { items: core.recalls.list() });
    }),
    r("GET", "/recalls/:id", (ctx) => {
      const id = ctx.params.id!;
      admit(core, ctx.principal, "Api.RecallStatus", RECALL_READ_ROLES, id);
      sendJson(ctx.res, 200, core.recalls.status(id));
    }),
    r("POST", "/recalls/:id/ack", async (ctx) => {
      const id = ctx.params.id!;
      // The recall service decides who may acknowledge for which holder.
      admit(core, ctx.principal, "Api.AcknowledgeRecall", "any", id);
      const b = await jsonBody(ctx);
      for (const k of ["location", "party", "note"] as const) {
        if (b[k] !== undefined && typeof b[k] !== "string") throw badParam(k, "must be a string");
      }
      const acknowledgedAt = await core.recalls.acknowledge(id, ctx.principal, {
        ...(typeof b.location === "string" ? { location: b.location } : {}),
        ...(typeof b.party === "string" ? { party: b.party } : {}),
        ...(typeof b.note === "string" ? { note: b.note } : {}),
        unitsQuarantined: stringList(b.unitsQuarantined, "unitsQuarantined"),
      });
      sendJson(ctx.res, 200, { recallId: id, acknowledgedAt });
    }),
    // The log's public face (RFC 9162 §4, C2SP tlog-checkpoint): anyone may audit.
    r("GET", "/checkpoint", (ctx) => {
      admit(core, ctx.principal, "Api.GetCheckpoint", "any");
      sendJson(ctx.res, 200, core.query.checkpoint());
    }),
    r("GET", "/checkpoint/key", (ctx) => {
      admit(core, ctx.principal, "Api.GetCheckpointKey", "any");
      sendJson(ctx.res, 200, { verifierKey: core.verifierKey, origin: core.query.checkpoint().origin });
    }),
    r("GET", "/proofs/inclusion", async (ctx) => {
      admit(core, ctx.principal, "Api.InclusionProof", "any");
      const cpSize = core.query.checkpoint().size;
      const size = intParam(ctx.url, "size", cpSize);
      const index = intParam(ctx.url, "index", -1);
      if (index < 0) throw badParam("index", "is required");
      if (size > cpSize)
        throw new SuyuanError("QUERY_NOT_IN_CHECKPOINT", `size: ${size} is beyond the checkpoint (${cpSize})`, {
          field: "size",
        });
      if (index >= size) throw badParam("index", `must be below size ${size}`);
      const proof = await core.ledger.inclusionProof(index, size);
      sendJson(ctx.res, 200, { index, size, inclusionProof: hashesB64(proof) });
    }),
    r("GET", "/proofs/consistency", async (ctx) => {
      admit(core, ctx.principal, "Api.ConsistencyProof", "any");
      const cpSize = core.query.checkpoint().size;
      const from = intParam(ctx.url, "from", -1);
      const to = intParam(ctx.url, "to", cpSize);
      if (from < 1) throw badParam("from", "must be a tree size of at least 1");
      if (to > cpSize)
        throw new SuyuanError("QUERY_NOT_IN_CHECKPOINT", `to: ${to} is beyond the checkpoint (${cpSize})`, {
          field: "to",
        });
      if (from > to) throw badParam("from", `must not exceed to (${to})`);
      const proof = await core.ledger.consistencyProof(from, to);
      sendJson(ctx.res, 200, { from, to, consistencyProof: hashesB64(proof) });
    }),
    ...masterRoutes,
  ];
}
