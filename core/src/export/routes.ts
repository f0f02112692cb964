// HTTP routes of the exports (issue 6 §3; /tmp/http-api.md): proof bundles, a chain as
// EPCIS 2.0 JSON-LD, and the FSMA 204 sortable spreadsheet. Inspectors, recall officers
// and admins only; every call is recorded (issue 3 §5).

import type { Route, RouteContext } from "../http/route.ts";
import type { HttpCore } from "../http/server.ts";
import { admit, badParam, requiredParam, sendJson, sendText } from "../http/util.ts";
import type { Role } from "../model.ts";
import { chainBundle, recallBundle } from "./bundle.ts";
import { chainJsonLd } from "./chain-jsonld.ts";
import { Fsma204Export, fsmaCsv, fsmaXlsx } from "./fsma204.ts";

export type ExportCore = Pick<HttpCore, "store" | "ledger" | "master" | "auth" | "query">;

const ROLES: readonly Role[] = ["inspector", "recall_officer", "admin"];

/** A file name safe in a quoted Content-Disposition filename (RFC 6266 §4.3). */
function fileName(stem: string, ext: string): string {
  const safe = stem
    .replace(/https?:\/\/id\.gs1\.org\//g, "")
    .replace(/[^A-Za-z0-9._-]+/g, "_")
    .slice(0, 80);
  return `${safe || "export"}.${ext}`;
}

function attachment(ctx: RouteContext, name: string): void {
  ctx.res.setHeader("content-disposition", `attachment; filename="${name}"`);
}

export function exportRoutes(core: ExportCore, opts: { now?: () => Date } = {}): Route[] {
  const now = opts.now ?? (() => new Date());
  const src = { ...core, now };
  const fsma = new Fsma204Export(core);
  return [
    {
      method: "GET",
      path: "/api/v1/bundles/chain",
      async handler(ctx) {
        const code = requiredParam(ctx.url, "code");
        admit(core, ctx.principal, "export chain bundle", ROLES, code);
        const bundle = await chainBundle(src, code);
        attachment(
          ctx,
          fileName(`chain-${bundle.subject.kind === "chain" ? bundle.subject.canonical : code}`, "bundle.json"),
        );
        sendJson(ctx.res, 200, bundle);
      },
    },
    {
      method: "GET",
      path: "/api/v1/bundles/recall",
      async handler(ctx) {
        const lots = ctx.url.searchParams
          .getAll("lot")
          .map((l) => l.trim())
          .filter((l) => l !== "");
        if (lots.length === 0) throw badParam("lot", "is required (one or more lot= parameters)");
        admit(core, ctx.principal, "export recall bundle", ROLES, lots.join(" "));
        const bundle = await recallBundle(src, lots);
        attachment(ctx, fileName(`recall-${lots[0]}`, "bundle.json"));
        sendJson(ctx.res, 200, bundle);
      },
    },
    {
      method: "GET",
      path: "/api/v1/chain.jsonld",
      async handler(ctx) {
        const code = requiredParam(ctx.url, "code");
        admit(core, ctx.principal, "export chain EPCIS document", ROLES, code);
        const text = await chainJsonLd(src, code);
        attachment(ctx, fileName(`chain-${code}`, "jsonld"));
        // EPCIS 2.0 §12 (REST binding): JSON-LD documents are application/ld+json.
        sendText(ctx.res, 200, text, "application/ld+json; charset=utf-8");
      },
    },
    {
      method: "GET",
      path: "/api/v1/exports/fsma204",
      async handler(ctx) {
        const q = ctx.url.searchParams;
        const format = q.get("format") ?? "csv";
        if (format !== "csv" && format !== "xlsx") throw badParam("format", "must be csv or xlsx");
        const tlc = q.get("tlc");
        const from = q.get("from");
        const to = q.get("to");
        let stem: string;
        let rows: Awaited<ReturnType<Fsma204Export["rows"]>>;
        if (tlc !== null && tlc.trim() !== "") {
          if (from !== null || to !== null) throw badParam("tlc", "give either tlc or from/to, not both");
          admit(core, ctx.principal, "export FSMA 204", ROLES, tlc);
          rows = await fsma.rows({ tlc });
          stem = `fsma204-${tlc}`;
        } else {
          if (from === null || to === null) throw badParam("tlc", "is required, or from and to");
          admit(core, ctx.principal, "export FSMA 204", ROLES, `${from}..${to}`);
          rows = await fsma.rows({ from, to });
          stem = `fsma204-${from}-${to}`;
        }
        if (format === "csv") {
          attachment(ctx, fileName(stem, "csv"));
          // RFC 4180 §3 registers text/csv with the optional header parameter.
          sendText(ctx.res, 200, fsmaCsv(rows), "text/csv; charset=utf-8; header=present");
          return;
        }
        const bytes = fsmaXlsx(rows);
        attachment(ctx, fileName(stem, "xlsx"));
        ctx.res.statusCode = 200;
        ctx.res.setHeader("content-type", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet");
        ctx.res.setHeader("content-length", bytes.byteLength);
        ctx.res.end(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength));
      },
    },
  ];
}
