// `suyuan capture FILE`: a partner system sends one EPCIS 2.0 document (EPCIS 2.0 §8.2.6
// capture interface; JSON-LD §9 or XML §10) to the core and reads each event's outcome.
import { formatEventHashId } from "@suyuan/proto";
import type { EventOutcome } from "@suyuan/proto/gen/suyuan/v1/batch.ts";
import { type CaptureDocumentResponse, DocumentFormat } from "@suyuan/proto/gen/suyuan/v1/capture.ts";
import { REMOTE_FLAGS, unary, withCore } from "../grpc-client.ts";
import { type Command, type CommandIo, parseFlags, UsageError } from "../io.ts";

const USAGE = `usage: suyuan capture FILE --core HOST:PORT (--token T | --token-file F) [--format jsonld|xml] [--json]

Sends an EPCIS 2.0 document (JSON-LD or XML; the format follows --format, else the file's
extension, else its first character) to the core as a partner, and prints how many events
were accepted, already known (duplicates) or rejected — each rejected one with its code and
field. Exit 1 if any event was rejected. --json prints the core's answer as JSON.`;

export interface CaptureEventJson {
  index: number;
  status: "accepted" | "duplicate" | "rejected" | "unknown";
  eventId?: string;
  logIndex?: number;
  code?: string;
  field?: string;
  message?: string;
}

export interface CaptureJson {
  captureId: string;
  accepted: number;
  duplicates: number;
  rejected: number;
  events: CaptureEventJson[];
}

function formatOf(file: string, text: string, flag: string | undefined): DocumentFormat {
  if (flag !== undefined) {
    if (flag === "jsonld" || flag === "json") return DocumentFormat.JSON_LD;
    if (flag === "xml") return DocumentFormat.XML;
    throw new UsageError(`--format must be jsonld or xml, got ${JSON.stringify(flag)}`);
  }
  if (/\.xml$/i.test(file)) return DocumentFormat.XML;
  if (/\.(jsonld|json)$/i.test(file)) return DocumentFormat.JSON_LD;
  return text.trimStart().startsWith("<") ? DocumentFormat.XML : DocumentFormat.JSON_LD;
}

function outcomeJson(o: EventOutcome): CaptureEventJson {
  const out: CaptureEventJson = { index: o.index, status: o.outcome?.$case ?? "unknown" };
  if (o.eventHash.length === 32) out.eventId = formatEventHashId(o.eventHash);
  switch (o.outcome?.$case) {
    case "accepted":
    case "duplicate":
      out.logIndex = Number(o.outcome.value.logIndex);
      break;
    case "rejected":
      out.code = o.outcome.value.code;
      if (o.outcome.value.field !== "") out.field = o.outcome.value.field;
      out.message = o.outcome.value.message;
      break;
  }
  return out;
}

export function captureJson(res: CaptureDocumentResponse): CaptureJson {
  const events = res.events.map(outcomeJson);
  const count = (s: CaptureEventJson["status"]) => events.filter((e) => e.status === s).length;
  return {
    captureId: res.captureId,
    accepted: count("accepted"),
    duplicates: count("duplicate"),
    rejected: count("rejected"),
    events,
  };
}

export const captureCommand: Command = {
  name: "capture",
  summary: "send an EPCIS 2.0 document to the core as a partner",
  usage: USAGE,
  async run(args: string[], io: CommandIo): Promise<number> {
    const { positional, flags } = parseFlags(args, { ...REMOTE_FLAGS, format: "string", json: "boolean" });
    if (positional.length !== 1) throw new UsageError("expected exactly one FILE");
    const file = positional[0]!;
    const text = await io.readFile(file);
    const format = formatOf(file, text, flags.format as string | undefined);
    const res = await withCore(flags, io, true, (conn) =>
      unary(
        conn,
        conn.capture,
        conn.capture.captureDocument,
        { format, body: Buffer.from(text, "utf8") },
        "CaptureService.CaptureDocument",
      ),
    );
    const j = captureJson(res);
    if (flags.json === true) {
      io.stdout(`${JSON.stringify(j)}\n`);
    } else {
      io.stdout(
        `capture ${j.captureId}: ${j.events.length} event${j.events.length === 1 ? "" : "s"} — ` +
          `${j.accepted} accepted, ${j.duplicates} duplicate${j.duplicates === 1 ? "" : "s"}, ${j.rejected} rejected\n`,
      );
      for (const e of j.events) {
        if (e.status !== "rejected") continue;
        // The core's message usually starts with the field (and maybe the code): say each once.
        let why = e.message ?? "";
        if (e.code !== undefined && why.startsWith(`${e.code}: `)) why = why.slice(e.code.length + 2);
        if (e.field !== undefined && why.startsWith(`${e.field}: `)) why = why.slice(e.field.length + 2);
        io.stdout(`  event ${e.index} rejected: ${e.code}${e.field === undefined ? "" : ` (${e.field})`}: ${why}\n`);
      }
    }
    return j.rejected > 0 ? 1 : 0;
  },
};
