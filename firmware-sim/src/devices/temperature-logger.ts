/**
 * A temperature logger that travels with a shipment (a reefer's data logger): every `intervalS`
 * simulated seconds it takes a reading that follows a cold-chain profile (e.g. 2–8 °C, the usual
 * vaccine and fresh-produce range) with occasional excursions (a door left open, a reefer
 * failure), and publishes it in the generic JSON sensor format (gateway FORMATS.md §2.2:
 * EPCIS 2.0 measurement type `Temperature`, UN/CEFACT Rec. 20 unit `CEL`).
 *
 * The readings it sent are kept: they are the ground truth for excursions.
 */
import { errorMessage, type Log, noLog, realScheduler, type Scheduler } from "./clock.ts";
import { statusPayload } from "./mqtt-reader.ts";
import { chance, mulberry32, type Random, randomBetween, randomInt, randomNormal } from "./random.ts";
import { MqttLink } from "./transport/mqtt.ts";

export interface ColdChainProfileOptions {
  /** Allowed range, °C (default 2–8). */
  min?: number;
  max?: number;
  /** Set point the reefer holds (default the middle of the range). */
  setPoint?: number;
  /** Standard deviation of the reading around the set point, °C (default 0.4); clamped inside the range. */
  jitter?: number;
  excursion?: {
    /** Probability, per reading, that an excursion starts (default 0.02). */
    probability?: number;
    /** How far outside the range the excursion peaks, °C: [min, max] (default [2, 6]). */
    magnitude?: readonly [number, number];
    /** Readings an excursion lasts: [min, max] (default [2, 5]). */
    duration?: readonly [number, number];
    /** Excursions go above the range ("warm", default), below it ("cold"), or either. */
    direction?: "warm" | "cold" | "either";
  };
}

export interface TemperatureReading {
  /** Device time (ms) of the reading. */
  ts: number;
  /** °C, one decimal as loggers report. */
  value: number;
  /** Outside [min, max]: an excursion the system should flag. */
  excursion: boolean;
  /** Whether it reached the broker. */
  published: boolean;
}

/** Pure generator of the cold-chain profile: one value per call, with seeded noise. */
export class ColdChainProfile {
  readonly min: number;
  readonly max: number;
  private readonly setPoint: number;
  private readonly jitter: number;
  private readonly p: number;
  private readonly magnitude: readonly [number, number];
  private readonly duration: readonly [number, number];
  private readonly direction: "warm" | "cold" | "either";
  private left = 0;
  private peak = 0;
  private span = 0;

  constructor(
    o: ColdChainProfileOptions,
    private readonly rng: Random,
  ) {
    this.min = o.min ?? 2;
    this.max = o.max ?? 8;
    if (!(this.max > this.min)) throw new TypeError("profile max must be above min");
    this.setPoint = o.setPoint ?? (this.min + this.max) / 2;
    this.jitter = o.jitter ?? 0.4;
    this.p = o.excursion?.probability ?? 0.02;
    this.magnitude = o.excursion?.magnitude ?? [2, 6];
    this.duration = o.excursion?.duration ?? [2, 5];
    this.direction = o.excursion?.direction ?? "warm";
    if (!(this.p >= 0 && this.p <= 1)) throw new TypeError("excursion probability must be 0..1");
    if (!(this.magnitude[0] > 0 && this.magnitude[1] >= this.magnitude[0])) {
      throw new TypeError("excursion magnitude must be [min, max] > 0 °C");
    }
  }

  next(): number {
    if (this.left === 0 && chance(this.rng, this.p)) {
      this.span = randomInt(this.rng, this.duration[0], this.duration[1]);
      this.left = this.span;
      const warm = this.direction === "warm" || (this.direction === "either" && this.rng() < 0.5);
      const m = randomBetween(this.rng, this.magnitude[0], this.magnitude[1]);
      this.peak = warm ? this.max + m : this.min - m;
    }
    if (this.left > 0) {
      // A triangle: the temperature drifts to the peak and back over the excursion; every
      // reading of it stays at least 0.3 °C outside the range so ground truth is unambiguous.
      const i = this.span - this.left;
      this.left--;
      const shape = this.span === 1 ? 1 : 1 - Math.abs((2 * i) / (this.span - 1) - 1) * 0.5;
      const edge = this.peak > this.max ? this.max : this.min;
      const dist = Math.max(0.3, Math.abs(this.peak - edge) * shape);
      return round1(this.peak > this.max ? edge + dist : edge - dist);
    }
    const v = this.setPoint + randomNormal(this.rng) * this.jitter;
    return round1(Math.min(this.max - 0.1, Math.max(this.min + 0.1, v)));
  }

  isExcursion(v: number): boolean {
    return v < this.min || v > this.max;
  }
}

function round1(v: number): number {
  return Math.round(v * 10) / 10;
}

export interface TemperatureLoggerOptions {
  id: string;
  url: string;
  /** Sensor topic (default `suyuan/devices/<id>/sensor`). */
  topic?: string;
  statusTopic?: string;
  /** Simulated seconds between readings (default 300). */
  intervalS?: number;
  /** Simulated seconds per real second (default 1). Reading times advance by intervalS each. */
  speed?: number;
  /** Simulated time of the first reading (default scheduler.now()). */
  startTime?: number;
  profile?: ColdChainProfileOptions;
  scheduler?: Scheduler;
  random?: Random;
  log?: Log;
  clientId?: string;
}

export class TemperatureLogger {
  readonly id: string;
  readonly topic: string;
  readonly statusTopic: string;
  readonly profile: ColdChainProfile;
  private readonly o: TemperatureLoggerOptions;
  private readonly scheduler: Scheduler;
  private readonly log: Log;
  private readonly link: MqttLink;
  private readonly intervalMs: number;
  private nextTs: number | undefined;
  private timer: unknown;
  private running = false;
  /** Every reading taken, in order (ground truth). */
  readonly readings: TemperatureReading[] = [];

  constructor(o: TemperatureLoggerOptions) {
    const intervalS = o.intervalS ?? 300;
    const speed = o.speed ?? 1;
    if (!(intervalS > 0) || !(speed > 0)) throw new TypeError("intervalS and speed must be > 0");
    this.o = o;
    this.id = o.id;
    this.topic = o.topic ?? `suyuan/devices/${o.id}/sensor`;
    this.scheduler = o.scheduler ?? realScheduler;
    this.log = o.log ?? noLog;
    this.intervalMs = intervalS * 1000;
    this.profile = new ColdChainProfile(o.profile ?? {}, o.random ?? mulberry32(1));
    const statusTopic = o.statusTopic ?? `suyuan/devices/${o.id}/status`;
    this.statusTopic = statusTopic;
    this.link = new MqttLink({
      url: o.url,
      clientId: o.clientId ?? `sim-${o.id}`,
      will: { topic: statusTopic, payload: statusPayload(o.id, "offline"), qos: 1 },
      onConnect: () => this.link.publish(statusTopic, statusPayload(o.id, "online")),
      log: this.log,
    });
  }

  /** Real ms between readings. */
  get realIntervalMs(): number {
    return this.intervalMs / (this.o.speed ?? 1);
  }

  /** Connects and starts taking a reading every interval (the first at once). */
  async start(): Promise<void> {
    if (this.running) return;
    this.running = true;
    await this.link.start();
    this.arm(0);
  }

  private arm(ms: number): void {
    if (!this.running) return;
    this.timer = this.scheduler.setTimeout(() => {
      this.timer = undefined;
      void this.takeReading().finally(() => this.arm(this.realIntervalMs));
    }, ms);
  }

  /** Takes and publishes the next reading now (scenarios that drive time themselves call this). */
  async takeReading(): Promise<TemperatureReading> {
    const ts = this.nextTs ?? this.o.startTime ?? this.scheduler.now();
    this.nextTs = ts + this.intervalMs;
    const value = this.profile.next();
    const reading: TemperatureReading = { ts, value, excursion: this.profile.isExcursion(value), published: false };
    this.readings.push(reading);
    if (this.link.connected) {
      const payload = JSON.stringify({
        deviceId: this.id,
        sensor: { type: "Temperature", value, uom: "CEL" },
        ts,
      });
      try {
        await this.link.publish(this.topic, payload, 1);
        reading.published = true;
      } catch (e) {
        this.log("logger publish failed", { device: this.id, error: errorMessage(e) });
      }
    }
    return reading;
  }

  /** The excursions in the readings taken: runs of consecutive out-of-range readings. */
  excursions(): { from: number; to: number; peak: number; readings: number }[] {
    const out: { from: number; to: number; peak: number; readings: number }[] = [];
    let cur: { from: number; to: number; peak: number; readings: number } | undefined;
    for (const r of this.readings) {
      if (r.excursion) {
        if (cur === undefined) {
          cur = { from: r.ts, to: r.ts, peak: r.value, readings: 0 };
          out.push(cur);
        }
        cur.to = r.ts;
        cur.readings++;
        if (Math.abs(r.value - this.mid()) > Math.abs(cur.peak - this.mid())) cur.peak = r.value;
      } else cur = undefined;
    }
    return out;
  }

  private mid(): number {
    return (this.profile.min + this.profile.max) / 2;
  }

  /** Drops off the network (battery, no coverage): the broker publishes the "offline" will. */
  async disconnect(): Promise<void> {
    await this.link.drop();
  }

  async reconnect(): Promise<void> {
    await this.link.reconnect();
  }

  async stop(): Promise<void> {
    if (!this.running) return;
    this.running = false;
    if (this.timer !== undefined) this.scheduler.clearTimeout(this.timer);
    this.timer = undefined;
    // A clean stop says "offline" itself (the will covers only unclean drops).
    if (this.link.connected) {
      await this.link.publish(this.statusTopic, statusPayload(this.id, "offline")).catch(() => {});
    }
    await this.link.stop();
  }
}
