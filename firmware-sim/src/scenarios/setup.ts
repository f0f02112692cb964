/**
 * What a runner needs to stand a scenario up: the core's master-data import document
 * (core/src/master/import.ts format: parties, locations with owners and parents, products,
 * optionally gateways with their keys) and one gateway configuration per site
 * (gateway/src/config/config.ts format), with placeholders for what only the runner knows —
 * the pty path of each serial device, the port of each site's embedded MQTT broker, the core's
 * address, the data folder.
 */
import type { DeviceSpec, ReadPointSpec, Scenario, SiteSpec } from "./model.ts";

/** Placeholder written for a serial device's path; `fillTransports` replaces it. */
export function ptyPlaceholder(siteId: string, deviceId: string): string {
  return `@pty:${siteId}/${deviceId}`;
}

/** The id of a site's MQTT device (one embedded broker per site, as in deploy/gateway/*.yaml). */
export const BROKER_DEVICE = "site-broker";

export interface SetupOptions {
  /** gRPC address of the core (default 127.0.0.1:7443). */
  coreAddress?: string;
  /** Folder under which each gateway gets `<site>/` (outbox, key, alerts). Default "./data". */
  dataDir?: string;
  /** Serial port path of a device (default: the placeholder `@pty:<site>/<device>`). */
  devicePath?: (siteId: string, deviceId: string) => string;
  /** Embedded broker port of a site (default 0: a free port). */
  mqttPort?: (siteId: string) => number;
  /** Gateway public keys (base64 raw Ed25519) by site id: with them, the import enrols the gateways. */
  gatewayKeys?: Record<string, string>;
  /** Gateway id of a site (default `<scenario>-<site>-gw`). */
  gatewayId?: (siteId: string) => string;
}

export interface GatewaySetup {
  site: string;
  gatewayId: string;
  /** The configuration object (write it as YAML or JSON; `validateConfig` accepts it). */
  config: Record<string, unknown>;
  /** Serial devices the runner must attach to ptys: device id → placeholder in `config`. */
  serialDevices: Array<{ deviceId: string; kind: "serial-barcode" | "serial-uhf"; path: string }>;
  /** MQTT devices that publish to this site's broker (readers, handhelds, loggers). */
  mqttDevices: DeviceSpec[];
}

export interface ScenarioSetup {
  masterData: Record<string, unknown>;
  /** The import document as JSON text (`suyuan admin import`, format "json"; JSON is YAML 1.2 too). */
  masterDataJson: string;
  gateways: GatewaySetup[];
}

function gatewayIdOf(s: Scenario, o: SetupOptions, site: string): string {
  return o.gatewayId?.(site) ?? `${s.name}-${site}-gw`;
}

export function masterDataFor(s: Scenario, o: SetupOptions = {}): Record<string, unknown> {
  const parties = new Map<string, Record<string, unknown>>();
  const locations: Record<string, unknown>[] = [];
  for (const site of s.sites) {
    if (!parties.has(site.party.canonical))
      parties.set(site.party.canonical, { id: site.party.id, name: site.party.name, address: site.address });
    locations.push({ id: site.location.id, name: site.location.name, party: site.party.id, address: site.address });
    for (const rp of site.readPoints)
      locations.push({ id: rp.readPoint, name: rp.name, party: site.party.id, parent: site.location.id });
  }
  const products = s.products.map((p) => {
    const out: Record<string, unknown> = p.gtin !== undefined ? { gtin: p.gtin } : { id: p.id };
    out.name = p.name;
    out.category = p.category;
    if (p.approvalNumber !== undefined) out.approvalNumber = p.approvalNumber;
    if (p.dosageForm !== undefined) out.dosageForm = p.dosageForm;
    if (p.storageTemperature !== undefined) out.storageTemperature = p.storageTemperature;
    if (Object.keys(p.attributes).length > 0) out.attributes = p.attributes;
    if (p.party !== "") out.party = p.party;
    return out;
  });
  const doc: Record<string, unknown> = { parties: [...parties.values()], locations, products };
  if (o.gatewayKeys) {
    doc.gateways = s.sites
      .filter((site) => o.gatewayKeys?.[site.id] !== undefined)
      .map((site) => ({
        id: gatewayIdOf(s, o, site.id),
        party: site.party.id,
        allowedReadPoints: site.readPoints.map((r) => r.readPoint),
        keys: [{ algorithm: "ed25519", publicKey: o.gatewayKeys?.[site.id] }],
      }));
  }
  return doc;
}

function readPointConfig(s: Scenario, site: SiteSpec, rp: ReadPointSpec): Record<string, unknown> {
  const out: Record<string, unknown> = {
    id: rp.id,
    rule: rp.rule,
    readPoint: rp.readPoint,
    bizLocation: rp.bizLocation,
  };
  if (rp.devices.length > 0) out.devices = rp.devices;
  if (rp.zones) out.zones = rp.zones;
  if (rp.closeCodes) out.closeCodes = rp.closeCodes;
  const selectors = [...rp.devices, ...(rp.zones?.input ?? []), ...(rp.zones?.output ?? [])];
  const kindOf = (id: string) => site.devices.find((x) => x.id === id)?.kind;
  const hasRfid = selectors.some((d) => kindOf(d.deviceId) === "serial-uhf");
  if (hasRfid) {
    // Short cycles so the scenario plays quickly; a tag is gone after 2 missed cycles (ALE 1.1 §8.2).
    out.cycle = { durationMs: s.timing.cycleMs, missTolerance: 2 };
  }
  if (selectors.some((d) => kindOf(d.deviceId) === "serial-uhf" || kindOf(d.deviceId) === "mqtt-reader")) {
    // Tags in a portal's own field read at −65…−45 dBm; cross-reads from the neighbouring door
    // arrive at −82…−72 dBm (devices/noise.ts). −70 keeps the first and drops the second.
    out.minRssi = -70;
  }
  return { ...out, ...rp.options };
}

export function gatewayConfigFor(s: Scenario, site: SiteSpec, o: SetupOptions = {}): GatewaySetup {
  const dir = `${o.dataDir ?? "./data"}/${site.id}`;
  const gatewayId = gatewayIdOf(s, o, site.id);
  const serialDevices: GatewaySetup["serialDevices"] = [];
  const devices: Record<string, unknown>[] = [];
  for (const d of site.devices) {
    if (d.kind !== "serial-barcode" && d.kind !== "serial-uhf") continue;
    const path = o.devicePath?.(site.id, d.id) ?? ptyPlaceholder(site.id, d.id);
    serialDevices.push({ deviceId: d.id, kind: d.kind, path });
    devices.push(
      d.kind === "serial-barcode"
        ? { id: d.id, kind: d.kind, path, baud: 115200, suffix: d.suffix ?? "CR" }
        : { id: d.id, kind: d.kind, path, baud: 115200 },
    );
  }
  const mqttDevices = site.devices.filter((d) => d.kind === "mqtt-reader" || d.kind === "mqtt-logger");
  // Every site runs an embedded broker: MQTT devices publish to it and recall alerts go out on it.
  devices.push({ id: BROKER_DEVICE, kind: "mqtt", broker: { embedded: { port: o.mqttPort?.(site.id) ?? 0 } } });
  const config: Record<string, unknown> = {
    gatewayId,
    party: site.party.id,
    timezoneOffset: site.timezoneOffset,
    companyPrefixLength: site.companyPrefix.length,
    core: { address: o.coreAddress ?? "127.0.0.1:7443" },
    keyFile: `${dir}/gateway.key`,
    batching: { maxEvents: 500, maxDelayMs: 100 },
    outbox: {
      path: `${dir}/outbox`,
      // 72 h × 20 events/s × 600 B ≈ 3.1 GB (issue 4 §3); a quota, not an allocation.
      quotaBytes: "4GiB",
      peakEventsPerSecond: 20,
    },
    alerts: { path: `${dir}/recalls`, mqttDevice: BROKER_DEVICE },
    devices,
    readPoints: site.readPoints.map((rp) => readPointConfig(s, site, rp)),
  };
  return { site: site.id, gatewayId, config, serialDevices, mqttDevices };
}

export function setupFor(s: Scenario, o: SetupOptions = {}): ScenarioSetup {
  const masterData = masterDataFor(s, o);
  return {
    masterData,
    masterDataJson: `${JSON.stringify(masterData, null, 2)}\n`,
    gateways: s.sites.map((site) => gatewayConfigFor(s, site, o)),
  };
}

/**
 * Replaces the pty placeholders and the broker port of a gateway configuration (a copy):
 * `paths` maps device id → pty path.
 */
export function fillTransports(
  config: Record<string, unknown>,
  paths: Record<string, string>,
  mqttPort?: number,
): Record<string, unknown> {
  const devices = (config.devices as Record<string, unknown>[]).map((d) => {
    const out = { ...d };
    if (typeof d.path === "string" && d.path.startsWith("@pty:")) {
      const p = paths[String(d.id)];
      if (p === undefined) throw new TypeError(`fillTransports: no pty path for device ${String(d.id)}`);
      out.path = p;
    }
    if (d.kind === "mqtt" && mqttPort !== undefined) out.broker = { embedded: { port: mqttPort } };
    return out;
  });
  return { ...config, devices };
}
