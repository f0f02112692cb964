// The EPCIS 2.0 REST binding (EPCIS 2.0 §12 and its OpenAPI document): capture with capture
// jobs, the event query resource with SimpleEventQuery parameters (§8.2.7.1) as URL query
// parameters, single events, events of one EPC, and the OpenAPI description.
import {
  type EpcisDocument,
  type EpcisFormat,
  isSuyuanError,
  parseEpcisDocument,
  SuyuanError,
  validateEpcisDocument,
  writeEpcisDocument,
} from "@suyuan/proto";
import type { DocumentCaptureResult } from "../capture/index.ts";
import type { LoggedEvent, Role } from "../model.ts";
import type { EventQueryParams } from "../query/index.ts";
import type { CaptureJob, CaptureJobs } from "./capture-jobs.ts";
import { type EpcFormat, formatEventIds, isEpcFormat } from "./epc-format.ts";
import { CAPTURE_EVENT_LIMIT, CBV_VERSION, DEFAULT_PER_PAGE, EPCIS_VERSION, MAX_PER_PAGE } from "./limits.ts";
import { openApiDocument } from "./openapi.ts";
import { httpStatusOf, PROBLEM_BASE, toProblem } from "./problem.ts";
import type { Route, RouteContext } from "./route.ts";
import type { HttpCore, LogFn } from "./server.ts";
import { acceptList, admit, sendJson, sendText } from "./util.ts";

/** Who may capture (partner systems, admins) and who may query events. */
const CAPTURE_ROLES: readonly Role[] = ["partner", "admin"];
const QUERY_ROLES: readonly Role[] = ["admin", "inspector", "recall_officer", "partner"];

export interface EpcisRouteOptions {
  jobs: CaptureJobs;
  log: LogFn;
  now: () => Date;
  /** How long POST /capture waits for the capture before answering with a running job. */
  waitMs: number;
}

function versionHeaders(ctx: RouteContext): void {
  const h = ctx.res;
  h.setHeader("GS1-EPCIS-Version", EPCIS_VERSION);
  h.setHeader("GS1-EPCIS-Min", EPCIS_VERSION);
  h.setHeader("GS1-EPCIS-Max", EPCIS_VERSION);
  h.setHeader("GS1-CBV-Version", CBV_VERSION);
  h.setHeader("GS1-CBV-Min", CBV_VERSION);
  h.setHeader("GS1-CBV-Max", CBV_VERSION);
}

/**
 * EPCIS 2.0 §12.2: a client names the version it speaks; a server that does not speak it
 * answers 406. "2.0" and "2.0.0" name the same version.
 */
function checkVersions(ctx: RouteContext): void {
  versionHeaders(ctx);
  for (const [header, field] of [
    ["gs1-epcis-version", "GS1-EPCIS-Version"],
    ["gs1-cbv-version", "GS1-CBV-Version"],
  ] as const) {
    const v = ctx.req.headers[header];
    if (v === undefined) continue;
    const s = Array.isArray(v) ? v.join(",") : v;
    if (!/^\s*2\.0(\.0)?\s*$/.test(s)) {
      throw new SuyuanError(
        "HTTP_UNSUPPORTED_VERSION",
        `${field}: ${s.slice(0, 40)} is not supported; this server speaks 2.0.0`,
        {
          field,
        },
      );
    }
  }
}

function epcFormatOf(ctx: RouteContext): EpcFormat {
  const v = ctx.req.headers["gs1-epc-format"];
  if (v === undefined) return "Always_GS1_Digital_Link";
  const s = (Array.isArray(v) ? v[0] : v)?.trim() ?? "";
  if (!isEpcFormat(s)) {
    throw new SuyuanError(
      "HTTP_BAD_REQUEST",
      "GS1-EPC-Format: must be Always_GS1_Digital_Link, Always_EPC_URN, Never_Translates or No_Preference",
      { field: "GS1-EPC-Format" },
    );
  }
  return s;
}

/** The answer syntax from Accept: JSON-LD unless XML is preferred; 406 for neither. */
function answerFormat(ctx: RouteContext): EpcisFormat {
  for (const t of acceptList(ctx.req.headers.accept)) {
    if (t === "application/xml" || t === "text/xml") return "xml";
    if (t === "application/ld+json" || t === "application/json" || t === "*/*" || t === "application/*")
      return "jsonld";
  }
  throw new SuyuanError(
    "HTTP_NOT_ACCEPTABLE",
    "accept: answers are application/ld+json, application/json or application/xml",
    {
      field: "accept",
    },
  );
}

function captureFormat(ctx: RouteContext): EpcisFormat | undefined {
  const ct = ctx.req.headers["content-type"];
  if (ct === undefined) return undefined;
  const type = ct.split(";")[0]!.trim().toLowerCase();
  if (type === "application/ld+json" || type === "application/json") return "jsonld";
  if (type === "application/xml" || type === "text/xml") return "xml";
  throw new SuyuanError(
    "HTTP_UNSUPPORTED_MEDIA_TYPE",
    `content-type: ${type} cannot be captured; send application/ld+json, application/json or application/xml`,
    { field: "content-type" },
  );
}

function errorBehaviourOf(ctx: RouteContext): "rollback" | "proceed" {
  const v = ctx.req.headers["gs1-capture-error-behaviour"];
  // EPCIS 2.0 §12.3: rollback (all or nothing) unless the client asks to proceed.
  if (v === undefined) return "rollback";
  const s = (Array.isArray(v) ? v[0] : v)?.trim().toLowerCase() ?? "";
  if (s === "rollback" || s === "proceed") return s;
  throw new SuyuanError("HTTP_BAD_REQUEST", "GS1-Capture-Error-Behaviour: must be rollback or proceed", {
    field: "GS1-Capture-Error-Behaviour",
  });
}

/** The job's fields from the capture processor's per-event outcomes. */
function jobResult(r: DocumentCaptureResult): Partial<CaptureJob> {
  const errors = [];
  for (const o of r.events) {
    if (o.status !== "rejected") continue;
    errors.push({
      type: `${PROBLEM_BASE}${o.code}`,
      title: o.code === "CAPTURE_ROLLED_BACK" ? "Event not stored (rollback)" : "EPCIS event rejected",
      status: httpStatusOf(o.code),
      detail: o.message,
      code: o.code,
      field: o.field,
      eventIndex: o.index,
      ...(o.hashId === undefined ? {} : { eventID: o.hashId }),
    });
  }
  return {
    success: r.rejected === 0,
    errors,
    documentId: r.captureId,
    eventCount: r.events.length,
    accepted: r.accepted,
    duplicates: r.duplicates,
    rejected: r.rejected,
    rolledBack: r.rolledBack,
  };
}

/** A public view of a job (no submitter id). */
function jobView(job: CaptureJob): Omit<CaptureJob, "principal"> {
  const { principal: _, ...rest } = job;
  return rest;
}

/** URL query → SimpleEventQuery parameters: repeated names become lists. */
export function queryParamsOf(url: URL): EventQueryParams {
  const params: EventQueryParams = {};
  for (const name of new Set(url.searchParams.keys())) {
    const all = url.searchParams.getAll(name);
    params[name] = all.length === 1 ? all[0] : all;
  }
  return params;
}

/**
 * EPCIS 2.0 §12.5: answers are paged; a client that names no page size gets ours. Always a
 * number, so the page token's fingerprint of the query is the same on every page.
 */
function pageSize(params: EventQueryParams): void {
  const v = params.perPage;
  if (v === undefined) params.perPage = DEFAULT_PER_PAGE;
  else if (typeof v === "string" && /^\d{1,9}$/.test(v)) {
    if (Number(v) > MAX_PER_PAGE) {
      throw new SuyuanError("QUERY_BAD_PARAMETER", `perPage: at most ${MAX_PER_PAGE}`, { field: "perPage" });
    }
    params.perPage = Number(v);
  }
}

function queryDocument(events: LoggedEvent[], format: EpcFormat, now: Date): EpcisDocument {
  return {
    kind: "EPCISQueryDocument",
    schemaVersion: "2.0",
    creationDate: now.toISOString(),
    queryName: "SimpleEventQuery",
    // EPCIS 2.0 §7.4.1: recordTime is the repository's; eventID names the event — the CBV 2.0
    // §8.9 event hash when the capturer gave none.
    events: events.map((le) =>
      formatEventIds({ ...le.event, eventID: le.event.eventID ?? le.hashId, recordTime: le.recordTime }, format),
    ),
  };
}

function sendDocument(ctx: RouteContext, doc: EpcisDocument, syntax: EpcisFormat): void {
  const text = writeEpcisDocument(doc, syntax);
  sendText(
    ctx.res,
    200,
    text,
    syntax === "xml" ? "application/xml; charset=utf-8" : "application/ld+json; charset=utf-8",
  );
}

export function epcisRoutes(core: HttpCore, opts: EpcisRouteOptions): Route[] {
  const { jobs, log, now } = opts;

  const capture: Route = {
    method: "POST",
    path: "/capture",
    async handler(ctx) {
      checkVersions(ctx);
      admit(core, ctx.principal, "EPCIS.Capture", CAPTURE_ROLES);
      const declared = captureFormat(ctx);
      const behaviour = errorBehaviourOf(ctx);
      ctx.res.setHeader("GS1-EPCIS-Capture-Limit", String(CAPTURE_EVENT_LIMIT));
      const text = await ctx.body();
      if (text.trim() === "")
        throw new SuyuanError("EPCIS_EMPTY_DOCUMENT", "body: is empty; send an EPCISDocument", { field: "body" });

      // Synchronous checks (EPCIS 2.0 §12.3): a document that cannot be read, is not an
      // EPCISDocument, or breaks a header rule is refused now with a problem document; with
      // rollback, so is one whose events break the standard (nothing would be stored anyway).
      const doc = parseEpcisDocument(text, {
        ...(declared === undefined ? {} : { format: declared }),
        validate: false,
      });
      if (doc.kind !== "EPCISDocument") {
        throw new SuyuanError(
          "EPCIS_NOT_CAPTURE_DOCUMENT",
          `type: a ${doc.kind} cannot be captured; send an EPCISDocument`,
          {
            field: "type",
          },
        );
      }
      if (doc.events.length > CAPTURE_EVENT_LIMIT) {
        throw new SuyuanError(
          "HTTP_TOO_LARGE",
          `eventList: ${doc.events.length} events is over the capture limit of ${CAPTURE_EVENT_LIMIT}`,
          { field: "eventList" },
        );
      }
      validateEpcisDocument(behaviour === "rollback" ? doc : { ...doc, events: [] });
      const format = declared ?? (text.trimStart().startsWith("<") ? "xml" : "jsonld");

      const job = jobs.create(behaviour, ctx.principal.id);
      const run = core.capture.processDocument(text, format, ctx.principal, { errorBehaviour: behaviour }).then(
        (r) => {
          jobs.finish(job, jobResult(r));
          return undefined;
        },
        (e: unknown) => e,
      );
      let timer: NodeJS.Timeout | undefined;
      const waited = await Promise.race([
        run.then((err) => ({ done: true as const, err })),
        new Promise<{ done: false }>((resolve) => {
          timer = setTimeout(() => resolve({ done: false }), opts.waitMs);
        }),
      ]);
      clearTimeout(timer);
      if (waited.done && waited.err !== undefined) {
        // Refused as a whole before anything was stored (pushback, role, document rules).
        jobs.drop(job);
        throw waited.err;
      }
      if (!waited.done) {
        // Still running: the job records how it ends.
        void run.then((err) => {
          if (err === undefined) return;
          const { problem } = toProblem(err);
          jobs.finish(job, { success: false, errors: [{ ...problem }] });
          if (!isSuyuanError(err)) log("capture job failed", { captureID: job.captureID, error: String(err) });
        });
      }
      ctx.res.setHeader("Location", `/capture/${encodeURIComponent(job.captureID)}`);
      ctx.res.setHeader("GS1-Capture-Error-Behaviour", behaviour);
      sendJson(ctx.res, 202, jobView(job));
    },
  };

  const captureJob: Route = {
    method: "GET",
    path: "/capture/:captureID",
    async handler(ctx) {
      checkVersions(ctx);
      const id = ctx.params.captureID!;
      admit(core, ctx.principal, "EPCIS.GetCaptureJob", CAPTURE_ROLES, id);
      const job = await jobs.get(id);
      // A partner sees its own jobs only; someone else's job is as good as absent.
      if (job === undefined || (ctx.principal.role !== "admin" && job.principal !== ctx.principal.id)) {
        throw new SuyuanError("CAPTURE_JOB_NOT_FOUND", `captureID: no capture job ${JSON.stringify(id)}`, {
          field: "captureID",
        });
      }
      sendJson(ctx.res, 200, jobView(job));
    },
  };

  const captureJobs: Route = {
    method: "GET",
    path: "/capture",
    handler(ctx) {
      checkVersions(ctx);
      admit(core, ctx.principal, "EPCIS.ListCaptureJobs", CAPTURE_ROLES);
      const list = jobs.list(ctx.principal.role === "admin" ? undefined : ctx.principal.id);
      sendJson(ctx.res, 200, list.map(jobView));
    },
  };

  const events: Route = {
    method: "GET",
    path: "/events",
    async handler(ctx) {
      checkVersions(ctx);
      admit(core, ctx.principal, "EPCIS.QueryEvents", QUERY_ROLES, ctx.url.search.slice(1));
      const format = epcFormatOf(ctx);
      const syntax = answerFormat(ctx);
      const params = queryParamsOf(ctx.url);
      await answerPage(ctx, params, format, syntax);
    },
  };

  /** One page of a SimpleEventQuery as a query document, with the next page's link. */
  async function answerPage(
    ctx: RouteContext,
    params: Parameters<typeof pageSize>[0],
    format: ReturnType<typeof epcFormatOf>,
    syntax: ReturnType<typeof answerFormat>,
  ): Promise<void> {
    pageSize(params);
    const r = await core.query.queryEvents(params);
    if (r.nextPageToken !== undefined) {
      const next = new URL(ctx.url.href);
      next.searchParams.set("nextPageToken", r.nextPageToken);
      if (!ctx.url.searchParams.has("perPage")) next.searchParams.set("perPage", String(DEFAULT_PER_PAGE));
      // RFC 8288 web link to the next page; the token alone in GS1-Next-Page-Token.
      ctx.res.setHeader("Link", `<${next.pathname}${next.search}>; rel="next"`);
      ctx.res.setHeader("GS1-Next-Page-Token", r.nextPageToken);
    }
    ctx.res.setHeader("GS1-EPC-Format", format);
    sendDocument(ctx, queryDocument(r.events, format, now()), syntax);
  }

  const oneEvent: Route = {
    method: "GET",
    path: "/events/:eventID",
    async handler(ctx) {
      checkVersions(ctx);
      const id = ctx.params.eventID!;
      admit(core, ctx.principal, "EPCIS.GetEvent", QUERY_ROLES, id);
      const format = epcFormatOf(ctx);
      const syntax = answerFormat(ctx);
      const r = await core.query.queryEvents({ EQ_eventID: [id] });
      if (r.events.length === 0) {
        throw new SuyuanError("EVENT_NOT_FOUND", `eventID: no event ${JSON.stringify(id)}`, { field: "eventID" });
      }
      ctx.res.setHeader("GS1-EPC-Format", format);
      sendDocument(ctx, queryDocument(r.events, format, now()), syntax);
    },
  };

  const epcEvents: Route = {
    method: "GET",
    path: "/epcs/:epc/events",
    async handler(ctx) {
      checkVersions(ctx);
      const epc = ctx.params.epc!;
      admit(core, ctx.principal, "EPCIS.QueryEpcEvents", QUERY_ROLES, epc);
      const format = epcFormatOf(ctx);
      const syntax = answerFormat(ctx);
      const params = queryParamsOf(ctx.url);
      if (params.MATCH_anyEPC !== undefined) {
        throw new SuyuanError("QUERY_BAD_PARAMETER", "MATCH_anyEPC: the path names the EPC", { field: "MATCH_anyEPC" });
      }
      // EPCIS 2.0 §12.5 `/epcs/{epc}/events` = the events query with MATCH_anyEPC; any code form.
      params.MATCH_anyEPC = [epc];
      await answerPage(ctx, params, format, syntax);
    },
  };

  const openapi: Route = {
    method: "GET",
    path: "/openapi.json",
    handler(ctx) {
      versionHeaders(ctx);
      sendJson(ctx.res, 200, openApiDocument(), "application/vnd.oai.openapi+json");
    },
  };

  return [capture, captureJobs, captureJob, events, oneEvent, epcEvents, openapi];
}
