// The emulated devices of one site, attached where the real ones would be: serial scanners and
// UHF modules on the device end of a socat pty pair (or a serial mock line), networked readers,
// handhelds and loggers on the site's MQTT broker. `perform(observation)` is how a scenario's
// physical action reaches them: tags enter and leave an antenna's field, labels are scanned at
// the operator's pace, handhelds publish, the logger reports its readings.
import {
  BarcodeScanner,
  type DeviceSpec,
  type GatewaySetup,
  type MockSerialBus,
  MqttLink,
  MqttReader,
  mulberry32,
  type Observation,
  openSerialLine,
  type Random,
  type ReadNoise,
  type SerialLine,
  type SiteSpec,
  statusPayload,
  UhfModule,
} from "@suyuan/firmware-sim";

export type Log = (msg: string, fields?: object) => void;

export interface NoiseOptions {
  /** Probability a present tag is reported per inventory round (RFID), 0..1. */
  readRate?: number;
  /** Reports per reported tag per round. */
  repeats?: number;
  /** Probability per round that a tag in a neighbouring reader's field at the same site is reported. */
  crossReadProbability?: number;
  /** Probability a serial frame is damaged (UHF) / line noise precedes a scan (scanners). */
  corruptRate?: number;
}

export interface SiteDevicesOptions {
  site: string;
  /** The scenario's site (device specs: scanner suffixes, reader formats). */
  spec: SiteSpec;
  setup: GatewaySetup;
  transport: "pty" | "mock";
  /** Mock lines: the bus shared with the in-process gateway. */
  bus?: MockSerialBus;
  /** Folder for the pty links. */
  ptyDir: string;
  noise?: NoiseOptions;
  seed: number;
  log: Log;
}

/** A UHF module plus the tags each running observation has put in its field. */
interface UhfSlot {
  module: UhfModule;
  // Map ( EPC hex -> how many running observations hold it in the field )
  field: Map<string, number>;
  antenna: Map<string, number | undefined>;
  crossReads: { tags: string[]; probability: number } | undefined;
}

/** A logger that plays the scenario's readings (exact values: they are the ground truth). */
class ScenarioLogger {
  private readonly link: MqttLink;
  readonly topic: string;
  constructor(
    readonly id: string,
    url: string,
    log: Log,
  ) {
    this.topic = `suyuan/devices/${id}/sensor`;
    const statusTopic = `suyuan/devices/${id}/status`;
    this.link = new MqttLink({
      url,
      clientId: `sim-${id}`,
      will: { topic: statusTopic, payload: statusPayload(id, "offline"), qos: 1 },
      onConnect: () => this.link.publish(statusTopic, statusPayload(id, "online")),
      log,
    });
  }
  get connected(): boolean {
    return this.link.connected;
  }
  start(): Promise<void> {
    return this.link.start();
  }
  async reading(ts: number, r: { type: string; value: number; uom: string }): Promise<boolean> {
    if (!this.link.connected) return false;
    // gateway/src/drivers/mqtt/FORMATS.md §2.2: generic JSON sensor reading.
    const payload = { deviceId: this.id, sensor: { type: r.type, value: r.value, uom: r.uom }, ts };
    try {
      await this.link.publish(this.topic, JSON.stringify(payload), 1);
      return true;
    } catch {
      return false;
    }
  }
  disconnect(): Promise<void> {
    return this.link.drop();
  }
  reconnect(): Promise<void> {
    return this.link.reconnect();
  }
  stop(): Promise<void> {
    return this.link.stop();
  }
}

const delay = (ms: number) => new Promise<void>((r) => setTimeout(r, Math.max(0, ms)));

export class SiteDevices {
  /** Serial device id → the path for the gateway config. */
  readonly hostPaths: Record<string, string> = {};
  private readonly lines: SerialLine[] = [];
  private readonly scanners = new Map<string, BarcodeScanner>();
  private readonly uhf = new Map<string, UhfSlot>();
  private readonly readers = new Map<string, MqttReader>();
  private readonly loggers = new Map<string, ScenarioLogger>();
  private readonly rng: Random;
  // Map ( device id -> the end of its last queued observation )
  private readonly busy = new Map<string, Promise<void>>();
  /** Reads the emulators put out (scans, tag reports, barcode publishes, readings). */
  readsSent = 0;

  constructor(readonly o: SiteDevicesOptions) {
    this.rng = mulberry32(o.seed);
  }

  private readNoise(): ReadNoise | undefined {
    const n = this.o.noise;
    if (n === undefined) return undefined;
    return {
      ...(n.readRate === undefined ? {} : { readRate: n.readRate }),
      ...(n.repeats === undefined ? {} : { repeats: n.repeats }),
    };
  }

  /** Creates the serial lines and starts the serial emulators (before the gateway opens its end). */
  async openSerial(): Promise<void> {
    for (const d of this.o.setup.serialDevices) {
      const line = await openSerialLine(
        this.o.transport === "pty"
          ? { kind: "pty", dir: this.o.ptyDir, name: d.deviceId }
          : { kind: "mock", bus: this.o.bus as MockSerialBus, path: `/dev/suyuan-sim/${this.o.site}/${d.deviceId}` },
      );
      this.lines.push(line);
      this.hostPaths[d.deviceId] = line.hostPath;
      const random = mulberry32(Math.floor(this.rng() * 2 ** 32));
      if (d.kind === "serial-barcode") {
        const spec = this.spec(d.deviceId);
        const s = new BarcodeScanner({
          id: d.deviceId,
          transport: line.transport,
          suffix: spec?.suffix ?? "CR",
          pace: "fast",
          noise: { lineNoiseRate: this.o.noise?.corruptRate ?? 0 },
          random,
          log: this.o.log,
        });
        await s.start();
        this.scanners.set(d.deviceId, s);
      } else {
        const cross =
          (this.o.noise?.crossReadProbability ?? 0) > 0
            ? { tags: [] as string[], probability: this.o.noise?.crossReadProbability ?? 0 }
            : undefined;
        const noise = {
          ...this.readNoise(),
          ...(cross === undefined ? {} : { crossReads: cross }),
          ...(this.o.noise?.corruptRate === undefined ? {} : { corruptRate: this.o.noise.corruptRate }),
        };
        const m = new UhfModule({ id: d.deviceId, transport: line.transport, noise, random, log: this.o.log });
        await m.start();
        this.uhf.set(d.deviceId, { module: m, field: new Map(), antenna: new Map(), crossReads: cross });
      }
    }
  }

  private spec(id: string): DeviceSpec | undefined {
    return this.o.spec.devices.find((d) => d.id === id);
  }

  /** Connects the MQTT devices to the site broker (after the gateway has started it). */
  async openMqtt(brokerUrl: string): Promise<void> {
    for (const d of this.o.setup.mqttDevices) {
      if (d.kind === "mqtt-logger") {
        const l = new ScenarioLogger(d.id, brokerUrl, this.o.log);
        await l.start();
        this.loggers.set(d.id, l);
      } else {
        const r = new MqttReader({
          id: d.id,
          url: brokerUrl,
          format: d.format ?? "generic",
          // Triggered reads only: the scenario says when a handheld reads.
          roundMs: 0,
          heartbeatMs: 10_000,
          ...(this.readNoise() === undefined ? {} : { noise: this.readNoise() as ReadNoise }),
          random: mulberry32(Math.floor(this.rng() * 2 ** 32)),
          log: this.o.log,
        });
        await r.start();
        this.readers.set(d.id, r);
      }
    }
  }

  mqttConnected(): boolean {
    return [...this.readers.values(), ...this.loggers.values()].every((d) => d.connected);
  }

  has(device: string): boolean {
    return this.scanners.has(device) || this.uhf.has(device) || this.readers.has(device) || this.loggers.has(device);
  }

  get deviceIds(): string[] {
    return [...this.scanners.keys(), ...this.uhf.keys(), ...this.readers.keys(), ...this.loggers.keys()];
  }

  /**
   * Performs one observation starting now (`startMs` is its wall-clock start; sub-steps keep
   * the observation's own pace relative to it). `runStartMs` maps play times to wall clock.
   * Resolves when the observation is over (tags left the field, last scan sent).
   */
  perform(o: Observation, startMs: number, runStartMs: number): Promise<void> {
    // One thing at a time per device, in timeline order: when the machine lags, the next
    // action's scans must not interleave with the previous one's (an operator finishes a case
    // before starting the next), they just start late.
    const prev = this.busy.get(o.device) ?? Promise.resolve();
    const run = prev.then(() => this.performNow(o, startMs, runStartMs));
    const tail = run.then(
      () => {},
      () => {},
    );
    this.busy.set(o.device, tail);
    return run;
  }

  private async performNow(o: Observation, startMs: number, runStartMs: number): Promise<void> {
    switch (o.kind) {
      case "rfid": {
        const slot = this.uhf.get(o.device);
        if (slot === undefined) throw new TypeError(`site ${this.o.site}: no UHF module ${o.device}`);
        for (const t of o.tags) {
          slot.field.set(t, (slot.field.get(t) ?? 0) + 1);
          slot.antenna.set(t, o.antenna);
        }
        this.refreshField();
        const rounds0 = slot.module.stats.notices;
        // The full dwell from when the tags actually entered (a late start must not shorten it
        // below what the gateway's cycles need to see them).
        await delay(Math.max(startMs, Date.now()) + o.dwellMs - Date.now());
        for (const t of o.tags) {
          const n = (slot.field.get(t) ?? 1) - 1;
          if (n <= 0) slot.field.delete(t);
          else slot.field.set(t, n);
        }
        this.refreshField();
        this.readsSent += slot.module.stats.notices - rounds0;
        return;
      }
      case "scan": {
        const s = this.scanners.get(o.device);
        const r = s === undefined ? this.readers.get(o.device) : undefined;
        if (s === undefined && r === undefined) throw new TypeError(`site ${this.o.site}: no scanner ${o.device}`);
        for (let i = 0; i < o.scans.length; i++) {
          await delay(startMs + i * o.intervalMs - Date.now());
          const data = o.scans[i] as string;
          if (s !== undefined) await s.scan(data);
          else await r?.scanBarcode(data);
          this.readsSent++;
        }
        return;
      }
      case "mqtt-read": {
        const r = this.readers.get(o.device);
        if (r === undefined) throw new TypeError(`site ${this.o.site}: no MQTT reader ${o.device}`);
        for (let i = 0; i < o.reads.length; i++) {
          await delay(startMs + i * o.intervalMs - Date.now());
          const read = o.reads[i]!;
          if ("code" in read) {
            await r.scanBarcode(read.code);
            this.readsSent++;
          } else {
            // A handheld operator pulls the trigger until the tag beeps (at most 10 pulls).
            r.setTagsInField([read.epc], read.antenna === undefined ? {} : { antenna: read.antenna });
            for (let k = 0; k < 10; k++) {
              const reports = await r.triggerInventory();
              this.readsSent += reports.length;
              if (reports.some((x) => !x.crossRead)) break;
            }
            r.setTagsInField([]);
          }
        }
        return;
      }
      case "sensor": {
        const l = this.loggers.get(o.device);
        if (l === undefined) throw new TypeError(`site ${this.o.site}: no logger ${o.device}`);
        for (const reading of o.readings) {
          await delay(runStartMs + reading.at - Date.now());
          if (await l.reading(runStartMs + reading.at, reading)) this.readsSent++;
        }
        return;
      }
    }
  }

  /** Puts the held tags in each module's field; neighbours' tags become cross-read candidates. */
  private refreshField(): void {
    for (const [id, slot] of this.uhf) {
      slot.module.setTagsInField([...slot.field.keys()].map((epc) => tagIn(epc, slot.antenna.get(epc))));
      if (slot.crossReads) {
        const other: string[] = [];
        for (const [oid, os] of this.uhf)
          if (oid !== id) for (const t of os.field.keys()) if (!slot.field.has(t)) other.push(t);
        slot.crossReads.tags = other;
      }
    }
  }

  /** An MQTT reader or logger drops off the network (its last will is published) and comes back. */
  async disconnectDevice(device: string): Promise<void> {
    const d = this.readers.get(device) ?? this.loggers.get(device);
    if (d === undefined) throw new TypeError(`site ${this.o.site}: no MQTT device ${device}`);
    await d.disconnect();
  }

  async reconnectDevice(device: string): Promise<void> {
    const d = this.readers.get(device) ?? this.loggers.get(device);
    if (d === undefined) throw new TypeError(`site ${this.o.site}: no MQTT device ${device}`);
    await d.reconnect();
  }

  hasMqttDevice(device: string): boolean {
    return this.readers.has(device) || this.loggers.has(device);
  }

  /** Network devices leave cleanly (before their broker goes away with the gateway). */
  async stopMqtt(): Promise<void> {
    const all: Array<Promise<unknown>> = [];
    for (const r of this.readers.values()) all.push(r.stop());
    for (const l of this.loggers.values()) all.push(l.stop());
    await Promise.allSettled(all);
  }

  async stop(): Promise<void> {
    await this.stopMqtt();
    const all: Array<Promise<unknown>> = [];
    for (const s of this.scanners.values()) all.push(s.stop());
    for (const u of this.uhf.values()) all.push(u.module.stop());
    await Promise.allSettled(all);
    // Closing the transports above closes the pty pairs' socat too (PtySerialTransport.close).
    await Promise.allSettled(this.lines.map((l) => l.transport.close()));
  }
}

function tagIn(epc: string, antenna: number | undefined): { epc: string; antenna?: number } {
  return antenna === undefined ? { epc } : { epc, antenna };
}
