/**
 * Shared building blocks of the scenarios: sites with their SGLNs, read points, and the
 * observation shapes of the common physical actions (tags through a portal, labels scanned).
 */
import { canonicalOf, makeGln, pglnUri, sglnUri } from "./ids.ts";
import type {
  DeviceSelector,
  DeviceSpec,
  ObjectSpec,
  Observation,
  ReadPointSpec,
  RuleName,
  SiteRole,
  SiteSpec,
  Timing,
} from "./model.ts";

/** Code 128 control label that closes an open aggregation or transformation run. */
export const CLOSE_CODE = "CLOSE";
export const CLOSE_SCAN = `]C0${CLOSE_CODE}`;

export interface SiteDraft {
  id: string;
  role: SiteRole;
  companyPrefix: string;
  partyRef: number;
  locationRef: number;
  partyName: string;
  locationName: string;
  address: SiteSpec["address"];
  devices: DeviceSpec[];
  readPoints: Array<{
    id: string;
    rule: RuleName;
    name: string;
    devices?: DeviceSelector[];
    zones?: ReadPointSpec["zones"];
    closeCodes?: string[];
    options?: Record<string, unknown>;
  }>;
}

export function makeSite(d: SiteDraft): SiteSpec {
  const party = pglnUri(d.companyPrefix, d.partyRef);
  const loc = sglnUri(d.companyPrefix, d.locationRef, 0);
  return {
    id: d.id,
    role: d.role,
    companyPrefix: d.companyPrefix,
    party: { id: party, canonical: canonicalOf(party), name: d.partyName },
    location: {
      id: loc,
      canonical: canonicalOf(loc),
      gln: makeGln(d.companyPrefix, d.locationRef),
      name: d.locationName,
    },
    address: d.address,
    timezoneOffset: "+08:00",
    devices: d.devices,
    // Read point i (1-based) is the SGLN extension i of the site's GLN (GS1 GS §3.7.9 AI 254).
    readPoints: d.readPoints.map((r, i) => {
      const rp: ReadPointSpec = {
        id: r.id,
        rule: r.rule,
        name: r.name,
        readPoint: sglnUri(d.companyPrefix, d.locationRef, i + 1),
        bizLocation: loc,
        devices: r.devices ?? [],
      };
      if (r.zones) rp.zones = r.zones;
      if (r.closeCodes) rp.closeCodes = r.closeCodes;
      if (r.options) rp.options = r.options;
      return rp;
    }),
  };
}

/** Tags of objects (and of their content, when tagged) in a reader's field. */
export function rfid(device: string, tags: string[], timing: Timing, antenna?: number): (at: number) => Observation[] {
  return (at) => [
    { kind: "rfid", at, device, tags, dwellMs: timing.rfidDwellMs, ...(antenna === undefined ? {} : { antenna }) },
  ];
}

export function scans(device: string, data: string[], timing: Timing): (at: number) => Observation[] {
  return (at) => [{ kind: "scan", at, device, scans: data, intervalMs: timing.scanIntervalMs }];
}

export function tagOf(objects: Map<string, ObjectSpec>, id: string): string {
  const hex = objects.get(id)?.rfidHex;
  if (hex === undefined) throw new TypeError(`scenario: ${id} has no RFID tag`);
  return hex;
}

export function labelOf(objects: Map<string, ObjectSpec>, id: string, which = 0): string {
  const s = objects.get(id)?.scans?.[which];
  if (s === undefined) throw new TypeError(`scenario: ${id} has no label`);
  return s;
}

/** Splits `list` into `n` nearly equal consecutive parts. */
export function split<T>(list: readonly T[], n: number): T[][] {
  const out: T[][] = [];
  const size = Math.ceil(list.length / Math.max(1, n));
  for (let i = 0; i < list.length; i += size) out.push(list.slice(i, i + size));
  return out;
}

export function chunk<T>(list: readonly T[], size: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < list.length; i += size) out.push(list.slice(i, i + size));
  return out;
}
