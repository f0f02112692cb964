// Watches the core's RecallService.WatchRecalls (server streaming): the backlog after the
// stored cursor, then live notices; after any disconnect it reconnects with jittered
// exponential backoff and resumes after the last cursor it stored, so no notice is missed.
import { type ChannelCredentials, type ClientOptions, Metadata, type ServiceError } from "@grpc/grpc-js";
import {
  RecallClass,
  type RecallNotice,
  RecallServiceClient,
  type WatchRecallsResponse,
} from "@suyuan/proto/gen/suyuan/v1/recall.ts";
import { type BackoffPolicy, backoffDelay, DEFAULT_BACKOFF } from "../uplink/backoff.ts";
import type { Timers } from "../uplink/uplink.ts";
import type { ActiveRecall, RecallStore } from "./recall-store.ts";

export function noticeToRecall(n: RecallNotice): ActiveRecall {
  const cls =
    n.recallClass === RecallClass.I
      ? "I"
      : n.recallClass === RecallClass.II
        ? "II"
        : n.recallClass === RecallClass.III
          ? "III"
          : "unspecified";
  const r: ActiveRecall = {
    recallId: n.recallId,
    recallClass: cls,
    reason: n.reason,
    lots: [...n.lots],
    units: [...(n.holder?.units ?? [])],
    issuedAt: n.issuedAt,
  };
  const loc = n.holder?.location?.id;
  if (loc) r.location = loc;
  return r;
}

export interface RecallWatcherOptions {
  address: string;
  credentials: ChannelCredentials;
  token?: string;
  store: RecallStore;
  /** Restrict to these locations (the gateway's read point SGLNs); empty = all of the party's. */
  locationIds?: string[];
  backoff?: Partial<BackoffPolicy>;
  random?: () => number;
  timers?: Timers;
  channelOptions?: Partial<ClientOptions>;
  log?: (msg: string, fields?: object) => void;
  onRecall?: (recall: ActiveRecall, backlog: boolean) => void;
  onError?: (kind: string) => void;
}

export class RecallWatcher {
  private readonly client: RecallServiceClient;
  private readonly backoff: BackoffPolicy;
  private readonly timers: Timers;
  private stopped = false;
  private running: Promise<void> | undefined;
  private attempt = 0;
  private call: ReturnType<RecallServiceClient["watchRecalls"]> | undefined;
  private sleeping: { h: unknown; resolve: () => void } | undefined;
  private connectedFlag = false;

  constructor(private readonly opts: RecallWatcherOptions) {
    this.client = new RecallServiceClient(opts.address, opts.credentials, opts.channelOptions);
    this.backoff = { ...DEFAULT_BACKOFF, ...opts.backoff };
    this.timers = opts.timers ?? {
      setTimeout: (fn, ms) => setTimeout(fn, ms),
      clearTimeout: (h) => clearTimeout(h as ReturnType<typeof setTimeout>),
    };
  }

  connected(): boolean {
    return this.connectedFlag;
  }

  start(): void {
    this.running ??= this.loop();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    this.call?.cancel();
    if (this.sleeping) {
      this.timers.clearTimeout(this.sleeping.h);
      this.sleeping.resolve();
    }
    await this.running;
    this.client.close();
  }

  private async loop(): Promise<void> {
    while (!this.stopped) {
      try {
        await this.watchOnce();
      } catch (e) {
        if (this.stopped) break;
        const err = e as Partial<ServiceError>;
        this.opts.onError?.("recall_watch");
        this.opts.log?.("recall watch failed", { code: err.code, error: err.details ?? String(e) });
      }
      this.connectedFlag = false;
      if (this.stopped) break;
      const delay = backoffDelay(this.attempt++, this.backoff, this.opts.random ?? Math.random);
      await new Promise<void>((resolve) => {
        const h = this.timers.setTimeout(() => {
          this.sleeping = undefined;
          resolve();
        }, delay);
        this.sleeping = { h, resolve };
      });
    }
  }

  private async watchOnce(): Promise<void> {
    const md = new Metadata();
    if (this.opts.token !== undefined) md.set("authorization", `Bearer ${this.opts.token}`);
    const call = this.client.watchRecalls(
      { afterCursor: this.opts.store.cursor(), locationIds: this.opts.locationIds ?? [] },
      md,
    );
    this.call = call;
    call.on("metadata", () => {
      this.connectedFlag = true;
    });
    try {
      for await (const msg of call as AsyncIterable<WatchRecallsResponse>) {
        this.connectedFlag = true;
        this.attempt = 0;
        if (!msg.notice) continue;
        const merged = await this.opts.store.put(noticeToRecall(msg.notice), msg.cursor);
        this.opts.log?.("recall notice stored", {
          recallId: merged.recallId,
          backlog: msg.backlog,
          lots: merged.lots.length,
          units: merged.units.length,
        });
        this.opts.onRecall?.(merged, msg.backlog);
      }
    } finally {
      this.call = undefined;
    }
  }
}
