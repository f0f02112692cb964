import { createServer, type Server, type Socket } from "node:net";
import { Aedes, type AedesPublishPacket } from "aedes";
import { connectAsync, type MqttClient } from "mqtt";
import { type DriverDeps, errorMessage, type Log, noLog, openFailed } from "../common/deps.ts";
import { ReadQueue } from "../common/read-queue.ts";
import type { Driver, DriverStats, RawRead } from "../driver.ts";
import { DEFAULT_MAX_BYTES, type PayloadFormat, parseMqttPayload } from "./payloads.ts";

export type MqttBrokerOptions =
  /**
   * Embed an aedes broker (in-memory persistence: the gateway's outbox, not the broker, is the
   * durability point — aedes-persistence-level stalls some QoS 1 messages of persistent sessions).
   * `port` 0 picks a free port (see `port()`); `host` defaults to 0.0.0.0 so site readers reach it.
   */
  | { embedded: { port: number; host?: string } }
  /** Connect to an external broker (Mosquitto, EMQX): mqtt://host:port or mqtts://… */
  | { url: string; username?: string; password?: string; clientId?: string };

export interface MqttDriverOptions extends DriverDeps {
  id: string;
  broker: MqttBrokerOptions;
  /** Topic filters to read (default `["#"]`; `$`-topics are never read). */
  topics?: string[];
  /** Payload format (default "auto": generic if it has deviceId, else Zebra dataEVT). */
  format?: PayloadFormat;
  /** QoS of the driver's subscriptions (default 1). */
  qos?: 0 | 1;
  maxPayloadBytes?: number;
  queueSize?: number;
  /** External broker: connect timeout for the first open (default 5000 ms). */
  connectTimeoutMs?: number;
  /** External broker: delay between reconnect attempts after a loss (default 1000 ms). */
  reconnectPeriodMs?: number;
}

export interface MqttDeviceStatus {
  online: boolean;
  /** ms: the time of the last status message or read from this device. */
  lastSeen: number;
}

export interface MqttDriverStats extends DriverStats {
  /** Messages rejected whole or in part (not JSON, wrong shape, too large, bad fields). */
  badPayloads: number;
  /** Devices known from status messages (heartbeats, last wills) and reads. */
  devices: Record<string, MqttDeviceStatus>;
  /** Embedded broker: MQTT clients connected now. */
  clients?: number;
}

/**
 * Reads published by networked readers, handhelds and sensors to the site broker.
 * Payload formats: payloads.ts / FORMATS.md.
 */
export class MqttDriver implements Driver {
  readonly id: string;
  readonly kind = "mqtt";
  private readonly o: MqttDriverOptions;
  private readonly log: Log;
  private readonly now: () => number;
  private readonly queue: ReadQueue;
  private readonly topics: string[];
  private broker: Aedes | undefined;
  private server: Server | undefined;
  private readonly sockets = new Set<Socket>();
  private client: MqttClient | undefined;
  private boundPort: number | undefined;
  private connected = false;
  private closed = false;
  private readonly ownTopics = new Set<string>();
  // Map ( deviceId -> { online, lastSeen } )
  private readonly devices = new Map<string, MqttDeviceStatus>();
  private counts = { reads: 0, errors: 0, reconnects: 0, badPayloads: 0 };

  constructor(o: MqttDriverOptions) {
    this.o = o;
    this.id = o.id;
    this.log = o.log ?? noLog;
    this.now = o.now ?? Date.now;
    this.queue = new ReadQueue(o.queueSize ?? 10_000);
    this.topics = o.topics ?? ["#"];
  }

  async open(): Promise<void> {
    if (this.closed) throw openFailed(this.id, "driver is closed");
    if (this.broker !== undefined || this.client !== undefined) return;
    if ("embedded" in this.o.broker) await this.openEmbedded(this.o.broker.embedded);
    else await this.openExternal(this.o.broker);
  }

  private async openEmbedded(e: { port: number; host?: string }): Promise<void> {
    let broker: Aedes | undefined;
    try {
      broker = await Aedes.createBroker();
      const b = broker;
      const server = createServer((socket) => {
        this.sockets.add(socket);
        socket.on("close", () => this.sockets.delete(socket));
        b.handle(socket);
      });
      await new Promise<void>((resolve, reject) => {
        server.once("error", reject);
        server.listen(e.port, e.host ?? "0.0.0.0", () => {
          server.off("error", reject);
          resolve();
        });
      });
      server.on("error", (err) => this.log("mqtt broker server error", { driver: this.id, error: err.message }));
      const addr = server.address();
      this.boundPort = typeof addr === "object" && addr !== null ? addr.port : e.port;
      for (const t of this.topics) {
        await new Promise<void>((resolve) =>
          b.subscribe(
            t,
            (packet: AedesPublishPacket, cb: () => void) => {
              this.onMessage(packet.topic, packet.payload);
              cb();
            },
            resolve,
          ),
        );
      }
      this.broker = b;
      this.server = server;
      this.connected = true;
      this.log("mqtt broker listening", { driver: this.id, port: this.boundPort });
    } catch (err) {
      broker?.close();
      throw openFailed(this.id, `cannot start the embedded MQTT broker on port ${e.port}: ${errorMessage(err)}`, err);
    }
  }

  private async openExternal(b: {
    url: string;
    username?: string;
    password?: string;
    clientId?: string;
  }): Promise<void> {
    let client: MqttClient;
    try {
      client = await connectAsync(
        b.url,
        {
          clientId: b.clientId ?? `suyuan-${this.id}-${Math.random().toString(16).slice(2, 10)}`,
          clean: true,
          connectTimeout: this.o.connectTimeoutMs ?? 5000,
          reconnectPeriod: this.o.reconnectPeriodMs ?? 1000,
          ...(b.username === undefined ? {} : { username: b.username }),
          ...(b.password === undefined ? {} : { password: b.password }),
        },
        false,
      );
    } catch (err) {
      throw openFailed(this.id, `cannot connect to MQTT broker ${b.url}: ${errorMessage(err)}`, err);
    }
    client.on("message", (topic, payload) => this.onMessage(topic, payload));
    try {
      await client.subscribeAsync(this.topics, { qos: this.o.qos ?? 1 });
    } catch (err) {
      await client.endAsync(true).catch(() => {});
      throw openFailed(this.id, `cannot subscribe to ${this.topics.join(", ")}: ${errorMessage(err)}`, err);
    }
    client.on("connect", () => {
      // mqtt.js resubscribes on reconnect (clean session, `resubscribe` default).
      this.connected = true;
      this.counts.reconnects++;
      this.log("mqtt reconnected", { driver: this.id, url: b.url });
    });
    client.on("offline", () => {
      if (this.connected) this.log("mqtt connection lost", { driver: this.id, url: b.url });
      this.connected = false;
    });
    client.on("error", (err) => this.log("mqtt client error", { driver: this.id, error: err.message }));
    this.client = client;
    this.connected = true;
  }

  private onMessage(topic: string, payload: Uint8Array | string): void {
    if (this.closed || topic.startsWith("$") || this.ownTopics.has(topic)) return;
    const now = this.now();
    const msg = parseMqttPayload(topic, typeof payload === "string" ? Buffer.from(payload) : payload, {
      now,
      format: this.o.format ?? "auto",
      maxBytes: this.o.maxPayloadBytes ?? DEFAULT_MAX_BYTES,
    });
    if (msg.errors.length > 0) {
      this.counts.badPayloads++;
      this.counts.errors += msg.errors.length;
      this.log("mqtt bad payload", {
        driver: this.id,
        topic,
        errors: msg.errors.slice(0, 5),
        count: msg.errors.length,
      });
    }
    if (msg.kind === "status") {
      this.devices.set(msg.deviceId, { online: msg.online, lastSeen: msg.ts });
      this.log("mqtt device status", { driver: this.id, device: msg.deviceId, online: msg.online });
      return;
    }
    if (msg.kind !== "reads") return;
    for (const r of msg.reads) {
      if (this.queue.push(r)) this.counts.reads++;
      const d = this.devices.get(r.deviceId);
      if (d === undefined) this.devices.set(r.deviceId, { online: true, lastSeen: now });
      else d.lastSeen = now;
    }
  }

  /** The embedded broker's bound port (after open), e.g. when configured with port 0. */
  port(): number | undefined {
    return this.boundPort;
  }

  /**
   * Publishes to the site broker (e.g. recall alerts for scan-point displays). Messages on topics
   * published here are not read back as device input.
   */
  async publish(topic: string, payload: string | Buffer, opts: { qos?: 0 | 1; retain?: boolean } = {}): Promise<void> {
    if (this.ownTopics.size < 10_000) this.ownTopics.add(topic);
    const body = typeof payload === "string" ? Buffer.from(payload) : payload;
    if (this.client !== undefined) {
      await this.client.publishAsync(topic, body, { qos: opts.qos ?? 1, retain: opts.retain ?? false });
      return;
    }
    const broker = this.broker;
    if (broker === undefined) throw new TypeError("publish before open()");
    await new Promise<void>((resolve, reject) =>
      broker.publish(
        { cmd: "publish", topic, payload: body, qos: opts.qos ?? 1, retain: opts.retain ?? false, dup: false },
        (err) => (err ? reject(err) : resolve()),
      ),
    );
  }

  reads(): AsyncIterable<RawRead> {
    return this.queue.iterable();
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.connected = false;
    const client = this.client;
    this.client = undefined;
    if (client !== undefined) await client.endAsync(true).catch(() => {});
    const broker = this.broker;
    const server = this.server;
    this.broker = undefined;
    this.server = undefined;
    if (broker !== undefined) await new Promise<void>((resolve) => broker.close(() => resolve()));
    if (server !== undefined) {
      for (const s of this.sockets) s.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    }
    this.queue.end();
  }

  stats(): MqttDriverStats {
    const devices: Record<string, MqttDeviceStatus> = {};
    for (const [k, v] of this.devices) devices[k] = { ...v };
    return {
      reads: this.counts.reads,
      errors: this.counts.errors,
      reconnects: this.counts.reconnects,
      dropped: this.queue.dropped,
      connected: this.connected,
      badPayloads: this.counts.badPayloads,
      devices,
      ...(this.broker === undefined ? {} : { clients: this.broker.connectedClients }),
    };
  }
}
