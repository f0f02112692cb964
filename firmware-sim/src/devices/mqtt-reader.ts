/**
 * A networked RFID reader or handheld on MQTT (gateway/src/drivers/mqtt/FORMATS.md): publishes
 * tag and barcode events in the Zebra IoT Connector `dataEVT` format or our generic JSON, a
 * status heartbeat, and registers "offline" as its last will at connect.
 *
 * A fixed reader inventories continuously: every `roundMs` it publishes the round's reports
 * (one batched message, the way RFD40/RFD90 and fixed readers batch) while tags are in its field.
 * A handheld is triggered instead: `triggerInventory()`.
 */

import { zebraSymbology } from "./barcode-content.ts";
import { errorMessage, type Log, noLog, realScheduler, type Scheduler } from "./clock.ts";
import { inventoryRound, type ReadNoise, type TagInField, type TagReport, validateReadNoise } from "./noise.ts";
import { mulberry32, type Random } from "./random.ts";
import { normaliseTag, pcFor } from "./tags.ts";
import { MqttLink } from "./transport/mqtt.ts";

export type ReaderFormat = "zebra" | "generic";

export interface MqttReaderOptions {
  /** Device id (generic `deviceId`) and serial number (last level of the Zebra data topic). */
  id: string;
  /** Broker URL, e.g. mqtt://127.0.0.1:1883. */
  url: string;
  format?: ReaderFormat;
  /** Data topic (default Zebra `zebra/DATA/clients/data1event/<id>`, generic `suyuan/devices/<id>/reads`). */
  dataTopic?: string;
  /** Status topic for heartbeats and the last will (default `suyuan/devices/<id>/status`). */
  statusTopic?: string;
  /** Heartbeat period in ms (default 30 000; 0 = only at connect). */
  heartbeatMs?: number;
  /** Continuous inventory: a round every `roundMs` (default 250; 0 = triggered only). */
  roundMs?: number;
  noise?: ReadNoise;
  /** Antenna reported for tags that give none (default 1). */
  antenna?: number;
  scheduler?: Scheduler;
  random?: Random;
  log?: Log;
  /** MQTT client id (default `sim-<id>`). */
  clientId?: string;
}

export interface MqttReaderStats {
  messages: number;
  tagReports: number;
  crossReads: number;
  barcodes: number;
  heartbeats: number;
  rounds: number;
  lostMessages: number;
  drops: number;
}

export class MqttReader {
  readonly id: string;
  readonly format: ReaderFormat;
  readonly dataTopic: string;
  readonly statusTopic: string;
  private readonly o: MqttReaderOptions;
  private readonly scheduler: Scheduler;
  private readonly rng: Random;
  private readonly log: Log;
  private readonly link: MqttLink;
  private field: TagInField[] = [];
  private heartbeat: unknown;
  private roundTimer: unknown;
  private running = false;
  private eventNum = 0;
  // Map ( EPC hex -> reports published ): ground truth of what went out.
  readonly reported = new Map<string, number>();
  readonly stats: MqttReaderStats = {
    messages: 0,
    tagReports: 0,
    crossReads: 0,
    barcodes: 0,
    heartbeats: 0,
    rounds: 0,
    lostMessages: 0,
    drops: 0,
  };

  constructor(o: MqttReaderOptions) {
    validateReadNoise(o.noise);
    if (!/^[^/#+]{1,128}$/.test(o.id)) throw new TypeError("id must be 1–128 characters without / # +");
    this.o = o;
    this.id = o.id;
    this.format = o.format ?? "zebra";
    this.dataTopic =
      o.dataTopic ??
      (this.format === "zebra" ? `zebra/DATA/clients/data1event/${o.id}` : `suyuan/devices/${o.id}/reads`);
    this.statusTopic = o.statusTopic ?? `suyuan/devices/${o.id}/status`;
    this.scheduler = o.scheduler ?? realScheduler;
    this.rng = o.random ?? mulberry32(1);
    this.log = o.log ?? noLog;
    this.link = new MqttLink({
      url: o.url,
      clientId: o.clientId ?? `sim-${o.id}`,
      // FORMATS.md §2.3: the broker publishes this when the reader drops without DISCONNECT.
      will: { topic: this.statusTopic, payload: statusPayload(o.id, "offline"), qos: 1 },
      onConnect: () => this.publishStatus("online"),
      log: this.log,
    });
  }

  get connected(): boolean {
    return this.link.connected;
  }

  setTagsInField(tags: readonly (string | TagInField)[], opts: { antenna?: number } = {}): void {
    this.field = tags.map((t) => normaliseTag(t, opts.antenna));
  }

  get tagsInField(): readonly TagInField[] {
    return this.field;
  }

  /** Connects (will registered), says "online", starts heartbeats and the continuous inventory. */
  async start(): Promise<void> {
    if (this.running) return;
    this.running = true;
    await this.link.start();
    this.armHeartbeat();
    this.armRound();
  }

  private armHeartbeat(): void {
    const ms = this.o.heartbeatMs ?? 30_000;
    if (ms <= 0 || !this.running) return;
    this.heartbeat = this.scheduler.setTimeout(() => {
      this.heartbeat = undefined;
      void this.publishStatus("online").finally(() => this.armHeartbeat());
    }, ms);
  }

  private armRound(): void {
    const ms = this.o.roundMs ?? 250;
    if (ms <= 0 || !this.running) return;
    this.roundTimer = this.scheduler.setTimeout(() => {
      this.roundTimer = undefined;
      const go = this.field.length > 0 || (this.o.noise?.crossReads?.tags.length ?? 0) > 0;
      void (go ? this.triggerInventory() : Promise.resolve([])).finally(() => this.armRound());
    }, ms);
  }

  private async publishStatus(status: "online" | "offline"): Promise<void> {
    if (await this.publish(this.statusTopic, statusPayload(this.id, status))) this.stats.heartbeats++;
  }

  /** One inventory round published now (a handheld's trigger pull); returns what was reported. */
  async triggerInventory(): Promise<TagReport[]> {
    this.stats.rounds++;
    const reports = inventoryRound(this.field, this.o.noise, this.rng, this.o.antenna ?? 1);
    if (reports.length > 0) await this.publishTags(reports);
    return reports;
  }

  /** Publishes tag reports as one message in the configured format. */
  async publishTags(reports: readonly TagReport[]): Promise<boolean> {
    const ts = this.scheduler.now();
    let payload: unknown;
    if (this.format === "zebra") {
      // FORMATS.md §1: RFD40/RFD90 batch, `data.tagData[]`.
      payload = {
        type: "SIMPLE",
        timestamp: new Date(ts).toISOString(),
        data: {
          tagData: reports.map((r) => ({
            eventNum: ++this.eventNum,
            format: "epc",
            idHex: r.epc,
            antenna: r.antenna,
            peakRssi: r.rssi,
            PC: pcFor(r.epc),
          })),
        },
      };
    } else {
      payload = {
        deviceId: this.id,
        reads: reports.map((r) => ({ epc: r.epc, ts, antenna: r.antenna, rssi: r.rssi, pc: pcFor(r.epc) })),
      };
    }
    const ok = await this.publish(this.dataTopic, JSON.stringify(payload));
    if (ok) {
      for (const r of reports) {
        this.stats.tagReports++;
        if (r.crossRead) this.stats.crossReads++;
        this.reported.set(r.epc, (this.reported.get(r.epc) ?? 0) + 1);
      }
    }
    return ok;
  }

  /**
   * Publishes a barcode decode (`data` as a serial scanner sends it: AIM identifier + data). In
   * Zebra format the identifier becomes Zebra's symbology name (FORMATS.md §1), which the
   * gateway maps back to the same AIM identifier.
   */
  async scanBarcode(data: string): Promise<boolean> {
    const ts = this.scheduler.now();
    let payload: unknown;
    if (this.format === "zebra") {
      const aim = data.startsWith("]") ? data.slice(0, 3) : undefined;
      const name = aim === undefined ? undefined : zebraSymbology(aim);
      const rec = name === undefined ? { decodedBarcode: data } : { decodedBarcode: data.slice(3), symbology: name };
      payload = { type: "SIMPLE", timestamp: new Date(ts).toISOString(), data: { barcodeData: [rec] } };
    } else {
      payload = { deviceId: this.id, reads: [{ code: data, ts }] };
    }
    const ok = await this.publish(this.dataTopic, JSON.stringify(payload));
    if (ok) this.stats.barcodes++;
    return ok;
  }

  private async publish(topic: string, payload: string): Promise<boolean> {
    if (!this.link.connected) {
      this.stats.lostMessages++;
      return false;
    }
    try {
      await this.link.publish(topic, payload, 1);
      this.stats.messages++;
      return true;
    } catch (e) {
      this.stats.lostMessages++;
      this.log("reader publish failed", { device: this.id, topic, error: errorMessage(e) });
      return false;
    }
  }

  /** Drops off the network without DISCONNECT (the broker publishes the "offline" will). */
  async disconnect(): Promise<void> {
    this.stats.drops++;
    await this.link.drop();
    this.log("reader disconnected", { device: this.id });
  }

  /** Comes back: reconnects (will re-registered) and says "online". */
  async reconnect(): Promise<void> {
    await this.link.reconnect();
    this.log("reader reconnected", { device: this.id });
  }

  /** Stops rounds and heartbeats, says "offline", disconnects cleanly. Idempotent. */
  async stop(): Promise<void> {
    if (!this.running) return;
    this.running = false;
    for (const t of [this.heartbeat, this.roundTimer]) if (t !== undefined) this.scheduler.clearTimeout(t);
    this.heartbeat = undefined;
    this.roundTimer = undefined;
    await this.publishStatus("offline");
    await this.link.stop();
  }
}

export function statusPayload(deviceId: string, status: "online" | "offline"): string {
  return JSON.stringify({ deviceId, status });
}
