// `suyuan chain CODE`: an item's chain from origin to now (QueryService.GetChain), as a
// readable timeline or as the JSON of issue 3 §7.
import { type EpcisEvent, eventFromProto, formatEventHashId, toCbvWordOrSelf } from "@suyuan/proto";
import type { Checkpoint } from "@suyuan/proto/gen/suyuan/v1/ledger.ts";
import {
  type ChainStep,
  ChainVia,
  type GetChainResponse,
  type ProofStatus,
} from "@suyuan/proto/gen/suyuan/v1/query.ts";
import { b64, REMOTE_FLAGS, unary, withCore } from "../grpc-client.ts";
import { type Command, type CommandIo, parseFlags, UsageError } from "../io.ts";
import { table } from "../table.ts";

const USAGE = `usage: suyuan chain CODE --core HOST:PORT [--token T | --token-file F] [--json] [--proofs]

Prints the chain of the item CODE names (any scanned form: EPC URI, GS1 Digital Link,
element string, China drug code), ordered by event time: when, what step, where, who, how
the event joined the chain (self, its container, its lot, or an input it was made from) and
whether a signed checkpoint covers it. Without a token the core answers the public view.
--proofs asks for RFC 9162 inclusion proofs; --json prints
{"code":…,"canonical":…,"steps":[{"eventId":…,"eventType":…,"eventTime":…,"bizStep":…,
"disposition":…,"location":…,"party":…,"via":…,"proof":{…}}…],"checkpoint":{…}}.`;

export interface ProofJson {
  logIndex: number;
  /** Size of the signed checkpoint covering the event; 0 = not yet covered. */
  checkpointSize: number;
  included: boolean;
  gatewayId?: string;
  batchHash?: string;
  batchFirstSeq?: number;
  inclusionProof?: { logIndex: number; treeSize: number; path: string[] };
}

export interface StepJson {
  eventId: string;
  eventType: string;
  eventTime: string;
  bizStep: string | null;
  disposition: string | null;
  /** Canonical location id (business location, else read point). */
  location: string | null;
  /** Canonical id of the responsible party. */
  party: string | null;
  via: string;
  proof: ProofJson;
}

export interface CheckpointJson {
  origin: string;
  size: number;
  /** Base64 RFC 9162 root hash, as in the signed note. */
  rootHash: string;
  note: string;
}

export interface ChainJson {
  code: string;
  canonical: string;
  steps: StepJson[];
  checkpoint: CheckpointJson | null;
}

export function checkpointJson(cp: Checkpoint | undefined): CheckpointJson | null {
  if (cp === undefined) return null;
  return { origin: cp.origin, size: Number(cp.size), rootHash: b64(cp.rootHash), note: cp.signedNote };
}

function viaString(s: ChainStep): string {
  switch (s.via) {
    case ChainVia.SELF:
      return "self";
    case ChainVia.CONTAINER:
      return `container:${s.viaIdentifier}`;
    case ChainVia.LOT:
      return `lot:${s.viaIdentifier}`;
    case ChainVia.INPUT:
      return `input:${s.viaIdentifier}`;
    default:
      return s.viaIdentifier === "" ? "unknown" : `unknown:${s.viaIdentifier}`;
  }
}

function proofJson(p: ProofStatus | undefined): ProofJson {
  if (p === undefined) return { logIndex: -1, checkpointSize: 0, included: false };
  const logIndex = Number(p.logIndex);
  const checkpointSize = Number(p.checkpointSize);
  const out: ProofJson = { logIndex, checkpointSize, included: checkpointSize > logIndex };
  if (p.gatewayId !== "") {
    out.gatewayId = p.gatewayId;
    if (p.batchHash.length > 0) out.batchHash = b64(p.batchHash);
    out.batchFirstSeq = Number(p.batchFirstSeq);
  }
  if (p.inclusionProof !== undefined) {
    out.inclusionProof = {
      logIndex: Number(p.inclusionProof.logIndex),
      treeSize: Number(p.inclusionProof.treeSize),
      path: p.inclusionProof.path.map(b64),
    };
  }
  return out;
}

interface StepView {
  json: StepJson;
  locationName: string | null;
  partyName: string | null;
}

function stepView(s: ChainStep): StepView {
  let ev: EpcisEvent | undefined;
  try {
    ev = s.event === undefined ? undefined : eventFromProto(s.event);
  } catch {
    ev = undefined; // an event the CLI cannot decode still shows its hash and proof
  }
  const eventId = s.eventHash.length === 32 ? formatEventHashId(s.eventHash) : (ev?.eventID ?? "");
  const location = s.location?.id ? s.location.id : null;
  const party = s.party?.id ? s.party.id : (s.location?.owner?.id ?? null) || null;
  return {
    json: {
      eventId,
      eventType: ev?.type ?? "",
      eventTime: ev?.eventTime ?? "",
      // CBV 2.0 §7.2 / §7.3: standard values as their bare word (e.g. "shipping").
      bizStep: ev?.bizStep ? toCbvWordOrSelf("bizStep", ev.bizStep) : null,
      disposition: ev?.disposition ? toCbvWordOrSelf("disposition", ev.disposition) : null,
      location,
      party,
      via: viaString(s),
      proof: proofJson(s.proof),
    },
    locationName: s.location?.name ? s.location.name : null,
    partyName: s.party?.name ? s.party.name : s.location?.owner?.name ? s.location.owner.name : null,
  };
}

export function chainJson(code: string, res: GetChainResponse): ChainJson {
  return {
    code,
    canonical: res.identifier,
    steps: res.steps.map((s) => stepView(s).json),
    checkpoint: checkpointJson(res.checkpoint),
  };
}

function badge(p: ProofJson): string {
  const who = p.gatewayId === undefined ? "" : ` · gateway ${p.gatewayId}`;
  if (!p.included) return `… log #${p.logIndex}, not yet checkpointed${who}`;
  const proven = p.inclusionProof === undefined ? "" : " + inclusion proof";
  return `✓ log #${p.logIndex} in checkpoint ${p.checkpointSize}${proven}${who}`;
}

export function chainText(code: string, res: GetChainResponse): string {
  const views = res.steps.map(stepView);
  let out = `${res.identifier}${res.identifier === code ? "" : `  (scanned: ${code})`}\n`;
  if (views.length === 0) return `${out}  no events\n`;
  out += table(
    [
      ["TIME", "STEP", "LOCATION", "PARTY", "VIA", "PROOF"],
      ...views.map((v) => [
        v.json.eventTime,
        v.json.bizStep ?? v.json.eventType,
        v.locationName ?? v.json.location ?? "-",
        v.partyName ?? v.json.party ?? "-",
        v.json.via,
        badge(v.json.proof),
      ]),
    ],
    "  ",
  );
  const cp = checkpointJson(res.checkpoint);
  if (cp !== null) out += `checkpoint ${cp.origin} size ${cp.size} root ${cp.rootHash}\n`;
  return out;
}

export const chainCommand: Command = {
  name: "chain",
  summary: "an item's chain from origin to now (timeline or JSON)",
  usage: USAGE,
  async run(args: string[], io: CommandIo): Promise<number> {
    const { positional, flags } = parseFlags(args, { ...REMOTE_FLAGS, json: "boolean", proofs: "boolean" });
    if (positional.length !== 1) throw new UsageError("expected exactly one CODE");
    const code = positional[0]!;
    const res = await withCore(flags, io, false, (conn) =>
      unary(
        conn,
        conn.query,
        conn.query.getChain,
        { identifier: code, includeProofs: flags.proofs === true },
        "QueryService.GetChain",
      ),
    );
    io.stdout(flags.json === true ? `${JSON.stringify(chainJson(code, res))}\n` : chainText(code, res));
    return 0;
  },
};
