/**
 * The device end of an MQTT connection: a networked reader, a handheld or a logger connecting to
 * a site broker, registering its last will at connect (MQTT 3.1.1 §3.1.2.5: the broker
 * publishes it when the client drops without DISCONNECT).
 */
import { connectAsync, type IClientOptions, type MqttClient } from "mqtt";
import { errorMessage, type Log, noLog } from "../clock.ts";

export interface MqttWill {
  topic: string;
  payload: string;
  qos?: 0 | 1;
  retain?: boolean;
}

export interface MqttLinkOptions {
  /** mqtt://host:port (or mqtts://, ws://). */
  url: string;
  clientId: string;
  will?: MqttWill;
  username?: string;
  password?: string;
  /** Called after every successful connect (first and each reconnect), e.g. to say "online". */
  onConnect?: () => Promise<void> | void;
  /** Delay between automatic reconnect attempts after a broker loss (default 500 ms). */
  reconnectPeriodMs?: number;
  connectTimeoutMs?: number;
  log?: Log;
}

export class MqttLink {
  private client: MqttClient | undefined;
  private readonly log: Log;
  private stopped = false;
  /** Connections made (first connect and every reconnect). */
  connects = 0;

  constructor(private readonly o: MqttLinkOptions) {
    this.log = o.log ?? noLog;
  }

  get connected(): boolean {
    return this.client?.connected === true;
  }

  async start(): Promise<void> {
    this.stopped = false;
    if (this.client !== undefined) return;
    const opts: IClientOptions = {
      clientId: this.o.clientId,
      clean: true,
      reconnectPeriod: this.o.reconnectPeriodMs ?? 500,
      connectTimeout: this.o.connectTimeoutMs ?? 5000,
      ...(this.o.username === undefined ? {} : { username: this.o.username }),
      ...(this.o.password === undefined ? {} : { password: this.o.password }),
      ...(this.o.will === undefined
        ? {}
        : {
            will: {
              topic: this.o.will.topic,
              payload: Buffer.from(this.o.will.payload),
              qos: this.o.will.qos ?? 1,
              retain: this.o.will.retain ?? false,
            },
          }),
    };
    const client = await connectAsync(this.o.url, opts, false);
    this.client = client;
    this.connects++;
    client.on("connect", () => {
      this.connects++;
      this.log("device mqtt reconnected", { clientId: this.o.clientId });
      void this.announce();
    });
    client.on("error", (e) => this.log("device mqtt error", { clientId: this.o.clientId, error: e.message }));
    await this.announce();
  }

  private async announce(): Promise<void> {
    try {
      await this.o.onConnect?.();
    } catch (e) {
      this.log("device mqtt announce failed", { clientId: this.o.clientId, error: errorMessage(e) });
    }
  }

  async publish(topic: string, payload: string, qos: 0 | 1 = 1): Promise<void> {
    const c = this.client;
    if (c === undefined) throw new Error("MQTT link is not started");
    await c.publishAsync(topic, payload, { qos });
  }

  /**
   * Drops the connection without DISCONNECT (power loss, Wi-Fi gone): the broker publishes the
   * last will. `reconnect()` comes back.
   */
  async drop(): Promise<void> {
    const c = this.client;
    this.client = undefined;
    if (c !== undefined) await c.endAsync(true);
  }

  async reconnect(): Promise<void> {
    if (this.stopped) throw new Error("MQTT link is stopped");
    await this.start();
  }

  /** Clean disconnect (DISCONNECT sent: the broker discards the will). Idempotent. */
  async stop(): Promise<void> {
    this.stopped = true;
    const c = this.client;
    this.client = undefined;
    if (c !== undefined) await c.endAsync(false).catch(() => c.endAsync(true));
  }
}
