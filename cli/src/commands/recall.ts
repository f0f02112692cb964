// `suyuan recall LOT_OR_CODE…`: what a recall of these lots or items would reach
// (QueryService.Recall: the forward closure through containers, shipments and
// transformations) and who holds affected goods now — without issuing the recall.
import { parseCode } from "@suyuan/proto";
import type { RecallScope } from "@suyuan/proto/gen/suyuan/v1/common.ts";
import { REMOTE_FLAGS, unary, withCore } from "../grpc-client.ts";
import { type Command, type CommandIo, parseFlags, UsageError } from "../io.ts";

const USAGE = `usage: suyuan recall LOT_OR_CODE… --core HOST:PORT (--token T | --token-file F) [--json | --csv]

Each argument is a lot (LGTIN EPC URI, GS1 Digital Link with /10/, element string with
(01) and (10)) or an item or container in any code form. Prints the lots, units, containers
and derived lots the recall reaches and who holds affected units now.
--json: {"lots":[…],"units":[…],"containers":[…],"lotsDerived":[…],
         "holders":[{"location":…,"party":…,"units":N}…]}
--csv:  one row per holder: location,location_name,party,party_name,units (RFC 4180).`;

export interface RecallJson {
  lots: string[];
  units: string[];
  containers: string[];
  lotsDerived: string[];
  holders: Array<{ location: string; party: string; units: number }>;
}

/** Splits arguments into lots and other identifiers. Codes the CLI cannot parse go to the core as written. */
export function splitArguments(args: readonly string[]): { lots: string[]; identifiers: string[] } {
  const lots: string[] = [];
  const identifiers: string[] = [];
  for (const a of args) {
    let kind: string | undefined;
    try {
      kind = parseCode(a).kind;
    } catch {
      kind = undefined;
    }
    // An LGTIN (GTIN + lot, EPC TDS §6.3.1 / GS1 Digital Link /01/…/10/…) names a lot.
    (kind === "lgtin" ? lots : identifiers).push(a);
  }
  return { lots, identifiers };
}

const unitsOf = (h: RecallScope["holders"][number]): number =>
  h.unitCount === undefined ? h.units.length : Number(h.unitCount);

export function recallJson(scope: RecallScope | undefined): RecallJson {
  const s = scope ?? { lots: [], units: [], containers: [], lotsDerived: [], holders: [] };
  return {
    lots: [...s.lots],
    units: [...s.units],
    containers: [...s.containers],
    lotsDerived: [...s.lotsDerived],
    holders: s.holders.map((h) => ({
      location: h.location?.id ?? "",
      party: h.party?.id ?? h.location?.owner?.id ?? "",
      units: unitsOf(h),
    })),
  };
}

/** RFC 4180 §2: fields with a comma, quote, CR or LF are quoted, quotes doubled; lines end CRLF. */
export function csvField(v: string): string {
  return /[",\r\n]/.test(v) ? `"${v.replaceAll('"', '""')}"` : v;
}

export function recallCsv(scope: RecallScope | undefined): string {
  const rows = [["location", "location_name", "party", "party_name", "units"]];
  for (const h of scope?.holders ?? []) {
    rows.push([
      h.location?.id ?? "",
      h.location?.name ?? "",
      h.party?.id ?? h.location?.owner?.id ?? "",
      h.party?.name ?? h.location?.owner?.name ?? "",
      String(unitsOf(h)),
    ]);
  }
  return rows.map((r) => `${r.map(csvField).join(",")}\r\n`).join("");
}

export function recallText(scope: RecallScope | undefined): string {
  const j = recallJson(scope);
  const list = (title: string, xs: string[]) => `${title} (${xs.length})\n${xs.map((x) => `  ${x}\n`).join("")}`;
  let out = list("lots", j.lots) + list("derived lots", j.lotsDerived) + list("containers", j.containers);
  out += `units (${j.units.length})\n`;
  out += `holders (${j.holders.length})\n`;
  for (const h of scope?.holders ?? []) {
    const loc = h.location?.name ? `${h.location.name} <${h.location.id}>` : (h.location?.id ?? "-");
    const party = h.party?.name ? `${h.party.name} <${h.party.id}>` : (h.party?.id ?? "-");
    const n = unitsOf(h);
    out += `  ${n} unit${n === 1 ? "" : "s"} at ${loc} — ${party}\n`;
  }
  return out;
}

export const recallCommand: Command = {
  name: "recall",
  summary: "what a recall of lots or items would reach, and who holds them",
  usage: USAGE,
  async run(args: string[], io: CommandIo): Promise<number> {
    const { positional, flags } = parseFlags(args, { ...REMOTE_FLAGS, json: "boolean", csv: "boolean" });
    if (positional.length === 0) throw new UsageError("expected at least one LOT_OR_CODE");
    if (flags.json === true && flags.csv === true) throw new UsageError("give --json or --csv, not both");
    const req = splitArguments(positional);
    const res = await withCore(flags, io, true, (conn) =>
      unary(conn, conn.query, conn.query.recall, req, "QueryService.Recall"),
    );
    if (flags.json === true) io.stdout(`${JSON.stringify(recallJson(res.scope))}\n`);
    else if (flags.csv === true) io.stdout(recallCsv(res.scope));
    else io.stdout(recallText(res.scope));
    return 0;
  },
};
