/**
 * The scenario model: who takes part (sites: a party with its PGLN, a site location with its
 * SGLN, read points with their devices and scan-point rule), what is traded (products), and a
 * TIMELINE of physical actions — commission, pack, unpack, ship, receive, transform, sell,
 * dispense, sense — each saying which device at which read point observes it and how (tags in
 * the field of a UHF antenna, exact scan data on a barcode scanner, MQTT reads, sensor
 * readings).
 *
 * Times are PLAY times: milliseconds from the start of a run. Device interactions (how long a
 * tag stays in a reader's field, the pace of scans) are real durations the gateway's smoothing
 * needs; the waits between supply-chain stages (transport, storage) are simulated durations
 * divided by the scenario's `speed`. A runner plays action `a` at `runStart + a.at`.
 *
 * Identifiers are canonical (`parseCode(...).canonical`: GS1 Digital Link, or
 * `urn:suyuan:cn-drug-code:…`), the form the core answers in.
 */
import { mulberry32 } from "../devices/random.ts";

/** The gateway's scan-point rules (gateway/src/pipeline/config.ts RULE_NAMES). */
export const RULES = [
  "commissioning",
  "packing",
  "unpacking",
  "shipping",
  "receiving",
  "storing",
  "inspecting",
  "retail-selling",
  "dispensing",
  "transformation",
  "sensor",
] as const;
export type RuleName = (typeof RULES)[number];

/**
 * How a device reaches the gateway: a serial barcode scanner or a serial UHF module (M100
 * family) on a pty, an MQTT reader/handheld (generic JSON or Zebra dataEVT) or an MQTT
 * temperature logger, both on the site's broker.
 */
export type DeviceKind = "serial-barcode" | "serial-uhf" | "mqtt-reader" | "mqtt-logger";

export interface DeviceSpec {
  /** Device id: the gateway's device id (serial), or the id the device reports (MQTT). */
  id: string;
  kind: DeviceKind;
  /** Serial barcode scanners: the line suffix the scanner is configured with. */
  suffix?: "CR" | "CRLF";
  /** MQTT readers: payload format. */
  format?: "generic" | "zebra";
}

export interface DeviceSelector {
  deviceId: string;
  antennas?: number[];
}

export interface ReadPointSpec {
  id: string;
  rule: RuleName;
  /** SGLN EPC URI of the read point (EPCIS 2.0 §7.3.5.3). */
  readPoint: string;
  /** SGLN EPC URI of the business location (the site). */
  bizLocation: string;
  name: string;
  devices: DeviceSelector[];
  zones?: { input: DeviceSelector[]; output: DeviceSelector[] };
  closeCodes?: string[];
  /** The rule's own options, as written in the gateway config (ilmd, container, destinations, …). */
  options?: Record<string, unknown>;
}

export type SiteRole =
  | "farm"
  | "packhouse"
  | "distribution-centre"
  | "juice-factory"
  | "store"
  | "manufacturer"
  | "wholesaler"
  | "hospital"
  | "pharmacy";

export interface SiteSpec {
  id: string;
  role: SiteRole;
  companyPrefix: string;
  party: { id: string; canonical: string; name: string };
  /** The site location: SGLN with extension 0 (the GLN itself). */
  location: { id: string; canonical: string; gln: string; name: string };
  address: { countryCode: string; province?: string; city?: string; street?: string };
  timezoneOffset: string;
  devices: DeviceSpec[];
  readPoints: ReadPointSpec[];
}

export interface ProductSpec {
  /** Canonical class id: GTIN Digital Link, or `urn:suyuan:cn-drug-product:<7 digits>`. */
  id: string;
  gtin?: string;
  cnProductCode?: string;
  name: string;
  category: "food" | "drug";
  party: string;
  attributes: Record<string, string>;
  storageTemperature?: { min?: number; max?: number };
  approvalNumber?: string;
  dosageForm?: string;
}

/** A serialised object of the scenario (trade item unit, case or logistic unit). */
export interface ObjectSpec {
  id: string;
  kind: "unit" | "container";
  /** Product class id (units). */
  product?: string;
  /** Lot id (LGTIN Digital Link) when the lot is linkable to the unit's identifier. */
  lot?: string;
  /** The lot number printed on the unit (also for units whose identifier carries no GTIN). */
  lotNumber?: string;
  /** EPC bank hex, when the object carries an RFID tag. */
  rfidHex?: string;
  /** What a scanner reads on its label(s), exactly as sent (AIM prefix, GS). */
  scans?: string[];
}

export interface LotSpec {
  id: string;
  product: string;
  lotNumber: string;
  /** Site where the lot came into being (harvest, production, transformation). */
  origin: string;
}

// ---- how devices observe an action -------------------------------------------------------

export interface RfidObservation {
  kind: "rfid";
  at: number;
  device: string;
  antenna?: number;
  /** EPC bank hex of every tag in the field from `at` for `dwellMs`. */
  tags: string[];
  dwellMs: number;
}

export interface ScanObservation {
  kind: "scan";
  at: number;
  device: string;
  /** Scan data exactly as the scanner sends it (AIM identifier, GS), one scan each. */
  scans: string[];
  intervalMs: number;
}

/** Reads published by an MQTT reader/handheld: `epc` hex or barcode `code` (AIM-prefixed). */
export interface MqttReadObservation {
  kind: "mqtt-read";
  at: number;
  device: string;
  reads: Array<{ epc: string; antenna?: number } | { code: string }>;
  intervalMs: number;
}

export interface SensorObservation {
  kind: "sensor";
  at: number;
  device: string;
  readings: Array<{ at: number; type: string; value: number; uom: string }>;
}

export type Observation = RfidObservation | ScanObservation | MqttReadObservation | SensorObservation;

// ---- the timeline --------------------------------------------------------------------------

export interface QuantitySpec {
  /** Class id: an LGTIN Digital Link (a lot) or a GTIN Digital Link. */
  class: string;
  quantity: number;
  uom?: string;
}

interface ActionBase {
  /** Position in the timeline (unique, increasing with `at`). */
  seq: number;
  /** Play time (ms from run start) of the first observation. */
  at: number;
  /** Play time the last observation ends. */
  end: number;
  site: string;
  readPoint: string;
  observations: Observation[];
}

export interface CommissionAction extends ActionBase {
  type: "commission";
  units: string[];
  /** Class-level commissioning (a harvest lot recorded by its label). */
  quantities: QuantitySpec[];
  lot?: string;
  lotNumber?: string;
}
export interface PackAction extends ActionBase {
  type: "pack";
  container: string;
  children: string[];
}
export interface UnpackAction extends ActionBase {
  type: "unpack";
  container: string;
  /** Everything taken out (the whole content). */
  children: string[];
}
export interface ShipAction extends ActionBase {
  type: "ship";
  /** The top-level objects shipped (containers or loose units). */
  objects: string[];
  /** Every identifier the read point observes (containers and the tags of their content). */
  observed: string[];
  quantities: QuantitySpec[];
  to: string;
  /** Destination location (canonical GLN Digital Link) as the event records it. */
  destination: string;
}
export interface ReceiveAction extends ActionBase {
  type: "receive";
  objects: string[];
  observed: string[];
  quantities: QuantitySpec[];
  from: string;
}
export interface TransformAction extends ActionBase {
  type: "transform";
  /** Scenario's own id of the run (the gateway assigns its own transformationID). */
  transformation: string;
  inputs: string[];
  inputQuantities: QuantitySpec[];
  outputs: string[];
  outputQuantities: QuantitySpec[];
  /** Lot of the outputs (ILMD). */
  outputLot?: string;
}
export interface SellAction extends ActionBase {
  type: "sell";
  unit: string;
}
export interface DispenseAction extends ActionBase {
  type: "dispense";
  unit: string;
}
export interface SenseAction extends ActionBase {
  type: "sense";
  logger: string;
  /** Containers the logger travels with. */
  with: string[];
  /** The receiving action whose event carries the summary (sensor rule attachTo). */
  attachedTo: number;
  readings: SensorObservation["readings"];
}

export type Action =
  | CommissionAction
  | PackAction
  | UnpackAction
  | ShipAction
  | ReceiveAction
  | TransformAction
  | SellAction
  | DispenseAction
  | SenseAction;
export type ActionType = Action["type"];

export interface ScenarioParams {
  /** Scale: cases and bottles (food), units (drug). */
  units: number;
  /** Farms and stores (food), hospitals + pharmacies (drug). */
  sites: number;
  /** Simulated-time multiplier for waits between stages. */
  speed: number;
  seed: number;
}

export interface Timing {
  /** How long tags stay in a reader's field per RFID action. */
  rfidDwellMs: number;
  /** Pace of scans on a scanner. */
  scanIntervalMs: number;
  /** RFID event cycle configured at every RFID read point. */
  cycleMs: number;
  /** Quiet time at a read point between two actions (tags must leave the field). */
  settleMs: number;
}

export interface Scenario {
  name: "food" | "drug";
  params: ScenarioParams;
  timing: Timing;
  /** Business start of the scenario (ISO date-time), for ILMD dates and labels. */
  businessStart: string;
  sites: SiteSpec[];
  products: ProductSpec[];
  lots: LotSpec[];
  /** Map ( canonical id -> object ) */
  objects: Map<string, ObjectSpec>;
  actions: Action[];
  /** Play time when the last action ends. */
  durationMs: number;
}

/** Deterministic PRNG (mulberry32) so a seed gives the same scenario everywhere. */
export function rng(seed: number): () => number {
  return mulberry32(seed);
}

/** The site of a site id; throws a TypeError for a scenario bug. */
export function siteOf(s: Pick<Scenario, "sites">, id: string): SiteSpec {
  const site = s.sites.find((x) => x.id === id);
  if (!site) throw new TypeError(`scenario: unknown site ${id}`);
  return site;
}

export function readPointOf(s: Pick<Scenario, "sites">, siteId: string, rpId: string): ReadPointSpec {
  const rp = siteOf(s, siteId).readPoints.find((r) => r.id === rpId);
  if (!rp) throw new TypeError(`scenario: unknown read point ${siteId}/${rpId}`);
  return rp;
}

type Draft<A extends Action> = Omit<A, "seq" | "at" | "end" | "observations">;

/**
 * Lays actions out in play time. Each read point does one thing at a time; an action starts
 * when its inputs are ready (`after`) and its read point is free, and lasts as long as its
 * observations (RFID dwell, scans at the scanner's pace).
 */
export class Timeline {
  readonly actions: Action[] = [];
  /** Map ( "site/readPoint" -> play time the read point is free again ) */
  private readonly free = new Map<string, number>();
  private seq = 0;

  constructor(readonly timing: Timing) {}

  /**
   * Appends an action. `observe(at)` builds the observations starting at `at`; returns the
   * action (with `end`).
   */
  add<A extends Action>(draft: Draft<A>, after: number, observe: (at: number) => Observation[]): A {
    const key = `${draft.site}/${draft.readPoint}`;
    const at = Math.max(after, this.free.get(key) ?? 0);
    const observations = observe(at);
    let end = at;
    for (const o of observations) end = Math.max(end, observationEnd(o));
    const action = { ...draft, seq: this.seq++, at, end, observations } as unknown as A;
    const settle = observations.some((o) => o.kind === "rfid") ? this.timing.settleMs : this.timing.scanIntervalMs;
    this.free.set(key, end + settle);
    this.actions.push(action);
    return action;
  }

  /** Actions in play order (stable by creation for equal times). */
  sorted(): Action[] {
    return [...this.actions].sort((a, b) => a.at - b.at || a.seq - b.seq);
  }
}

export function observationEnd(o: Observation): number {
  switch (o.kind) {
    case "rfid":
      return o.at + o.dwellMs;
    case "scan":
      return o.at + Math.max(0, o.scans.length - 1) * o.intervalMs;
    case "mqtt-read":
      return o.at + Math.max(0, o.reads.length - 1) * o.intervalMs;
    case "sensor":
      return o.readings.reduce((m, r) => Math.max(m, r.at), o.at);
  }
}
