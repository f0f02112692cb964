// The OpenAPI 3.1 description of what this server answers: the EPCIS 2.0 REST binding
// (EPCIS 2.0 §12; shapes after GS1's openapi.yaml) and suyuan's JSON API.
import { CAPTURE_EVENT_LIMIT, DEFAULT_PER_PAGE, MAX_PER_PAGE } from "./limits.ts";

type Obj = Record<string, unknown>;

const problem = (description: string): Obj => ({
  description,
  content: { "application/problem+json": { schema: { $ref: "#/components/schemas/Problem" } } },
});

const errors = (...codes: number[]): Obj => {
  const text: Record<number, string> = {
    400: "Invalid input: the problem's `code` and `field` name the rule and the field.",
    401: "No or bad bearer token (AUTH_MISSING_TOKEN, AUTH_BAD_TOKEN).",
    403: "The token's role may not do this (AUTH_FORBIDDEN).",
    404: "No such resource.",
    406: "Unsupported GS1-EPCIS-Version / GS1-CBV-Version, or Accept names no syntax we write.",
    413: "Body or capture document over the limit.",
    415: "Content-Type cannot be captured.",
    503: "Busy (CORE_PUSHBACK): retry after Retry-After seconds.",
  };
  return Object.fromEntries(codes.map((c) => [String(c), problem(text[c] ?? "Error")]));
};

const json = (description: string, schema: Obj = { type: "object" }): Obj => ({
  description,
  content: { "application/json": { schema } },
});

const epcisAnswer: Obj = {
  description: "An EPCIS 2.0 query document (SimpleEventQuery results).",
  headers: {
    "GS1-EPCIS-Version": { $ref: "#/components/headers/GS1-EPCIS-Version" },
    "GS1-CBV-Version": { $ref: "#/components/headers/GS1-CBV-Version" },
    "GS1-EPC-Format": { schema: { type: "string" } },
    Link: { description: 'RFC 8288 `<…>; rel="next"` when there is a next page.', schema: { type: "string" } },
    "GS1-Next-Page-Token": { description: "Token of the next page.", schema: { type: "string" } },
  },
  content: {
    "application/ld+json": { schema: { $ref: "#/components/schemas/EPCISQueryDocument" } },
    "application/xml": { schema: { type: "string" } },
  },
};

const q = (name: string, description: string, schema: Obj = { type: "string" }, required = false): Obj => ({
  name,
  in: "query",
  description,
  required,
  schema,
});

const QUERY_PARAMS: Obj[] = [
  q("eventType", "Event types, `|`-separated (ObjectEvent, AggregationEvent, …)."),
  q("GE_eventTime", "eventTime ≥ (RFC 3339).", { type: "string", format: "date-time" }),
  q("LT_eventTime", "eventTime < (RFC 3339).", { type: "string", format: "date-time" }),
  q("GE_recordTime", "recordTime ≥ (RFC 3339).", { type: "string", format: "date-time" }),
  q("LT_recordTime", "recordTime < (RFC 3339).", { type: "string", format: "date-time" }),
  q("EQ_action", "ADD | OBSERVE | DELETE."),
  q("EQ_bizStep", "CBV bizStep (word, Web URI or URN)."),
  q("EQ_disposition", "CBV disposition."),
  q("EQ_readPoint", "Read point ids (any code form)."),
  q("WD_readPoint", "Read point or any location under it in master data."),
  q("EQ_bizLocation", "Business location ids."),
  q("WD_bizLocation", "Business location or any location under it in master data."),
  q("MATCH_epc", "epcList / childEPCs; TDS patterns allowed."),
  q("MATCH_parentID", "parentID."),
  q("MATCH_inputEPC", "inputEPCList."),
  q("MATCH_outputEPC", "outputEPCList."),
  q("MATCH_anyEPC", "Any EPC field."),
  q("MATCH_epcClass", "quantityList / childQuantityList classes."),
  q("MATCH_inputEPCClass", "inputQuantityList classes."),
  q("MATCH_outputEPCClass", "outputQuantityList classes."),
  q("MATCH_anyEPCClass", "Any quantity list class."),
  q("EQ_eventID", "eventID or CBV 2.0 event hash ID."),
  q("EXISTS_errorDeclaration", "Only events declared erroneous.", { type: "boolean" }),
  q("EQ_errorReason", "Error declaration reason."),
  q("EQ_correctiveEventID", "Error declarations naming this corrective event."),
  q("orderBy", "eventTime (default) or recordTime.", { enum: ["eventTime", "recordTime"] }),
  q("orderDirection", "ASC or DESC (DESC when orderBy is given).", { enum: ["ASC", "DESC"] }),
  q("eventCountLimit", "At most this many events.", { type: "integer", minimum: 1 }),
  q("maxEventCount", "Refuse (QUERY_TOO_LARGE) if more events match.", { type: "integer", minimum: 1 }),
  q("perPage", `Page size (default ${DEFAULT_PER_PAGE}, at most ${MAX_PER_PAGE}).`, {
    type: "integer",
    minimum: 1,
    maximum: MAX_PER_PAGE,
  }),
  q("nextPageToken", "Token from the previous page (same other parameters)."),
];

const TYPED_PARAMS_NOTE =
  "Also EQ_bizTransaction_{type}, EQ_source_{type}, EQ_destination_{type} (type a CBV word or URI).";

const EPCIS_HEADERS: Obj[] = [
  { name: "GS1-EPCIS-Version", in: "header", schema: { type: "string", enum: ["2.0.0", "2.0"] } },
  { name: "GS1-CBV-Version", in: "header", schema: { type: "string", enum: ["2.0.0", "2.0"] } },
];

const EPC_FORMAT: Obj = {
  name: "GS1-EPC-Format",
  in: "header",
  description:
    "How identifiers are written: Always_GS1_Digital_Link (default), Always_EPC_URN (when the URN needs no guessed company prefix length), Never_Translates, No_Preference.",
  schema: { type: "string", enum: ["Always_GS1_Digital_Link", "Always_EPC_URN", "Never_Translates", "No_Preference"] },
};

const code = q(
  "code",
  "Any code form (Digital Link, EPC URI, element string, scan data, RFID hex, CN drug code).",
  {
    type: "string",
  },
  true,
);

function get(summary: string, responses: Obj, parameters: Obj[] = [], security = true): Obj {
  return { get: { summary, parameters, responses, ...(security ? {} : { security: [] }) } };
}

export function openApiDocument(): Obj {
  return {
    openapi: "3.1.0",
    info: {
      title: "suyuan core — EPCIS 2.0 REST binding and JSON API",
      version: "0.1.0",
      description:
        "Errors are RFC 9457 problem documents `{type, title, status, detail, code, field}` with the coded reason. Authorization: `Bearer <token>`; without a token the caller is public.",
    },
    security: [{ bearer: [] }],
    paths: {
      "/capture": {
        post: {
          summary: "Capture an EPCIS 2.0 document (EPCIS 2.0 §12.3); answers 202 with a capture job.",
          parameters: [
            ...EPCIS_HEADERS,
            {
              name: "GS1-Capture-Error-Behaviour",
              in: "header",
              schema: { type: "string", enum: ["rollback", "proceed"], default: "rollback" },
            },
          ],
          requestBody: {
            required: true,
            content: {
              "application/ld+json": { schema: { type: "object" } },
              "application/json": { schema: { type: "object" } },
              "application/xml": { schema: { type: "string" } },
            },
          },
          responses: {
            "202": {
              description: "Capture job created (it may already be finished).",
              headers: {
                Location: { schema: { type: "string" }, description: "/capture/{captureID}" },
                "GS1-EPCIS-Capture-Limit": { schema: { type: "integer", const: CAPTURE_EVENT_LIMIT } },
              },
              content: { "application/json": { schema: { $ref: "#/components/schemas/CaptureJob" } } },
            },
            ...errors(400, 401, 403, 406, 413, 415, 503),
          },
        },
        ...get("Recent capture jobs of the caller (admin: all).", {
          "200": json("Capture jobs", { type: "array", items: { $ref: "#/components/schemas/CaptureJob" } }),
          ...errors(401, 403),
        }),
      },
      "/capture/{captureID}": {
        ...get(
          "A capture job.",
          { "200": json("The job", { $ref: "#/components/schemas/CaptureJob" }), ...errors(401, 403, 404) },
          [{ name: "captureID", in: "path", required: true, schema: { type: "string" } }],
        ),
      },
      "/events": {
        ...get(
          `SimpleEventQuery (EPCIS 2.0 §8.2.7.1) over URL parameters; list values separated by |. ${TYPED_PARAMS_NOTE}`,
          { "200": epcisAnswer, ...errors(400, 401, 403, 406, 413) },
          [...EPCIS_HEADERS, EPC_FORMAT, ...QUERY_PARAMS],
        ),
      },
      "/events/{eventID}": {
        ...get("One event by eventID or event hash ID.", { "200": epcisAnswer, ...errors(401, 403, 404, 406) }, [
          ...EPCIS_HEADERS,
          EPC_FORMAT,
          { name: "eventID", in: "path", required: true, schema: { type: "string" } },
        ]),
      },
      "/epcs/{epc}/events": {
        ...get(
          "Events naming one EPC in any field (MATCH_anyEPC), any code form; other query parameters apply.",
          { "200": epcisAnswer, ...errors(400, 401, 403, 406) },
          [
            ...EPCIS_HEADERS,
            EPC_FORMAT,
            { name: "epc", in: "path", required: true, schema: { type: "string" } },
            ...QUERY_PARAMS,
          ],
        ),
      },
      "/openapi.json": { ...get("This document.", { "200": json("OpenAPI 3.1") }, [], false) },
      "/api/v1/chain": {
        ...get(
          "A code's chain, origin to retail, with warnings; proofs=1 adds record bytes and RFC 9162 inclusion proofs to the checkpoint.",
          { "200": json("Chain", { $ref: "#/components/schemas/Chain" }), ...errors(400, 401, 403) },
          [code, q("proofs", "1 to include record bytes and inclusion proofs.", { enum: ["0", "1"] })],
        ),
      },
      "/api/v1/public/chain": {
        ...get(
          "The reduced public view of a code (no party-private fields).",
          { "200": json("Public chain"), ...errors(400) },
          [code],
          false,
        ),
      },
      "/api/v1/trace/backward": {
        ...get(
          "Where a code came from (containers, lots, transformation inputs).",
          { "200": json("Trace"), ...errors(400, 401, 403) },
          [code, q("depth", "Hops (default 8, at most 32).", { type: "integer" })],
        ),
      },
      "/api/v1/trace/forward": {
        ...get("Where a code went.", { "200": json("Trace"), ...errors(400, 401, 403) }, [
          code,
          q("depth", "Hops (default 8, at most 32).", { type: "integer" }),
        ]),
      },
      "/api/v1/recall-scope": {
        ...get(
          "Forward closure of lots / identifiers with current holders.",
          { "200": json("Recall scope"), ...errors(400, 401, 403) },
          [q("lot", "Lot (repeatable)."), q("id", "Identifier (repeatable).")],
        ),
      },
      "/api/v1/recall-scope.csv": {
        ...get(
          "Holders table of a recall scope as CSV.",
          {
            "200": { description: "CSV", content: { "text/csv": { schema: { type: "string" } } } },
            ...errors(400, 401, 403),
          },
          [q("lot", "Lot (repeatable)."), q("id", "Identifier (repeatable).")],
        ),
      },
      "/api/v1/recalls": {
        post: {
          summary: "Issue a recall (recall_officer, admin).",
          requestBody: {
            required: true,
            content: {
              "application/json": {
                schema: {
                  type: "object",
                  required: ["reason", "class"],
                  properties: {
                    lots: { type: "array", items: { type: "string" } },
                    identifiers: { type: "array", items: { type: "string" } },
                    reason: { type: "string" },
                    class: { enum: ["I", "II", "III"] },
                  },
                },
              },
            },
          },
          responses: { "201": json("The recall record"), ...errors(400, 401, 403) },
        },
        ...get("Recalls.", { "200": json("{items}"), ...errors(401, 403) }),
      },
      "/api/v1/recalls/{id}": {
        ...get(
          "A recall's status: holders notified and acknowledged.",
          { "200": json("Status"), ...errors(401, 403, 404) },
          [{ name: "id", in: "path", required: true, schema: { type: "string" } }],
        ),
      },
      "/api/v1/recalls/{id}/ack": {
        post: {
          summary: "Acknowledge a recall for a holder.",
          parameters: [{ name: "id", in: "path", required: true, schema: { type: "string" } }],
          requestBody: {
            content: {
              "application/json": {
                schema: {
                  type: "object",
                  properties: {
                    location: { type: "string" },
                    party: { type: "string" },
                    note: { type: "string" },
                    unitsQuarantined: { type: "array", items: { type: "string" } },
                  },
                },
              },
            },
          },
          responses: { "200": json("{recallId, acknowledgedAt}"), ...errors(400, 401, 403, 404) },
        },
      },
      "/api/v1/checkpoint": {
        ...get(
          "The latest signed checkpoint.",
          { "200": json("Checkpoint", { $ref: "#/components/schemas/Checkpoint" }) },
          [],
          false,
        ),
      },
      "/api/v1/checkpoint/key": {
        ...get("The checkpoint verifier key (C2SP vkey).", { "200": json("{verifierKey, origin}") }, [], false),
      },
      "/api/v1/proofs/inclusion": {
        ...get(
          "RFC 9162 §2.1.3 inclusion proof.",
          { "200": json("{index,size,inclusionProof}"), ...errors(400) },
          [
            q("index", "Leaf index.", { type: "integer" }, true),
            q("size", "Tree size (default: the checkpoint's).", { type: "integer" }),
          ],
          false,
        ),
      },
      "/api/v1/proofs/consistency": {
        ...get(
          "RFC 9162 §2.1.4 consistency proof.",
          { "200": json("{from,to,consistencyProof}"), ...errors(400) },
          [
            q("from", "Old tree size.", { type: "integer" }, true),
            q("to", "New tree size (default: the checkpoint's).", { type: "integer" }),
          ],
          false,
        ),
      },
      ...Object.fromEntries(
        ["parties", "locations", "products"].map((k) => [
          `/api/v1/master/${k}`,
          {
            ...get(`Master data: ${k}.`, { "200": json("{items}"), ...errors(401, 403) }),
            put: {
              summary: `Create or replace ${k} (admin): one record or {items:[…]}.`,
              requestBody: { required: true, content: { "application/json": { schema: { type: "object" } } } },
              responses: { "200": json("{items}"), ...errors(400, 401, 403) },
            },
          },
        ]),
      ),
    },
    components: {
      securitySchemes: { bearer: { type: "http", scheme: "bearer" } },
      headers: {
        "GS1-EPCIS-Version": { schema: { type: "string", const: "2.0.0" } },
        "GS1-CBV-Version": { schema: { type: "string", const: "2.0.0" } },
      },
      schemas: {
        Problem: {
          type: "object",
          required: ["type", "title", "status", "detail", "code"],
          properties: {
            type: { type: "string", format: "uri" },
            title: { type: "string" },
            status: { type: "integer" },
            detail: { type: "string" },
            code: { type: "string", description: "Stable UPPER_SNAKE reason, e.g. EPCIS_BAD_TIME." },
            field: { type: "string" },
          },
        },
        CaptureJob: {
          type: "object",
          required: ["captureID", "createdAt", "running", "success", "captureErrorBehaviour", "errors"],
          properties: {
            captureID: { type: "string" },
            createdAt: { type: "string", format: "date-time" },
            finishedAt: { type: "string", format: "date-time" },
            running: { type: "boolean" },
            success: { type: "boolean" },
            captureErrorBehaviour: { enum: ["rollback", "proceed"] },
            errors: { type: "array", items: { $ref: "#/components/schemas/Problem" } },
            accepted: { type: "integer" },
            duplicates: { type: "integer" },
            rejected: { type: "integer" },
          },
        },
        EPCISQueryDocument: { type: "object", description: "EPCIS 2.0 JSON-LD query document (EPCIS 2.0 §9)." },
        Checkpoint: {
          type: "object",
          properties: {
            origin: { type: "string" },
            size: { type: "integer" },
            rootHash: { type: "string", contentEncoding: "base64" },
            note: { type: "string", description: "C2SP signed note" },
          },
        },
        Chain: {
          type: "object",
          properties: {
            code: { type: "string" },
            canonical: { type: "string" },
            kind: { enum: ["unit", "container", "lot", "class"] },
            steps: { type: "array", items: { type: "object" } },
            checkpoint: { $ref: "#/components/schemas/Checkpoint" },
            warnings: {
              type: "array",
              items: {
                type: "object",
                properties: {
                  kind: {
                    enum: [
                      "recalled",
                      "expired",
                      "sold-twice",
                      "dispensed-twice",
                      "temperature-excursion",
                      "declared-erroneous",
                    ],
                  },
                },
              },
            },
          },
        },
      },
    },
  };
}
