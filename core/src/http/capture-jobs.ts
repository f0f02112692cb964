// Capture jobs of the EPCIS 2.0 REST binding (EPCIS 2.0 §12.3: `POST /capture` answers 202
// with `Location: /capture/{captureID}`; `GET /capture/{captureID}` reports the job).
//
// Kept in memory (the most recent MAX_IN_MEMORY) and in the ledger store's meta, so a job's
// outcome survives a restart:
//   meta "http:capture:<captureID>" → JSON CaptureJob
// A job found running after a restart was cut off by the stop: its events are either in the
// log or not at all (appends are atomic), so it is reported finished with an error saying so.
import { randomUUID } from "node:crypto";
import type { LedgerStore } from "../store/store.ts";
import type { LogFn } from "./server.ts";

export const JOB_KEY_PREFIX = "http:capture:";
const MAX_IN_MEMORY = 1000;

/** One error of a capture job: an RFC 9457 problem, with the event it concerns. */
export interface CaptureJobError {
  type: string;
  title: string;
  status: number;
  detail: string;
  code: string;
  field?: string;
  /** Position of the event in the document's event list. */
  eventIndex?: number;
  /** CBV 2.0 event hash ID of the event, when it could be computed. */
  eventID?: string;
}

/** The capture job resource (EPCIS 2.0 OpenAPI `CaptureJob`), plus suyuan's counts. */
export interface CaptureJob {
  captureID: string;
  createdAt: string;
  finishedAt?: string;
  running: boolean;
  success: boolean;
  captureErrorBehaviour: "rollback" | "proceed";
  errors: CaptureJobError[];
  /** Token id of the submitter (a partner sees only its own jobs). */
  principal: string;
  /** The capture processor's document id (the `documentId` of the events' provenance). */
  documentId?: string;
  eventCount?: number;
  accepted?: number;
  duplicates?: number;
  rejected?: number;
  rolledBack?: boolean;
}

export class CaptureJobs {
  private readonly store: Pick<LedgerStore, "getMeta" | "putMeta">;
  private readonly now: () => Date;
  private readonly log: LogFn;
  private readonly newId: () => string;
  // captureID → job, insertion order = age (oldest evicted first).
  private readonly jobs = new Map<string, CaptureJob>();
  private writes: Promise<void> = Promise.resolve();

  constructor(opts: {
    store: Pick<LedgerStore, "getMeta" | "putMeta">;
    now?: () => Date;
    log?: LogFn;
    newId?: () => string;
  }) {
    this.store = opts.store;
    this.now = opts.now ?? (() => new Date());
    this.log = opts.log ?? (() => {});
    this.newId = opts.newId ?? randomUUID;
  }

  async open(): Promise<void> {}

  create(captureErrorBehaviour: "rollback" | "proceed", principal: string): CaptureJob {
    const job: CaptureJob = {
      captureID: this.newId(),
      createdAt: this.now().toISOString(),
      running: true,
      success: false,
      captureErrorBehaviour,
      errors: [],
      principal,
    };
    this.remember(job);
    this.persist(job);
    return job;
  }

  /** Records the job's end (fields merged) and persists it. */
  finish(job: CaptureJob, patch: Partial<CaptureJob>): void {
    Object.assign(job, patch, { running: false, finishedAt: this.now().toISOString() });
    this.persist(job);
  }

  /** Forgets a job that never started (its request was refused before capture). */
  drop(job: CaptureJob): void {
    this.jobs.delete(job.captureID);
  }

  async get(captureID: string): Promise<CaptureJob | undefined> {
    const hit = this.jobs.get(captureID);
    if (hit !== undefined) return structuredClone(hit);
    if (!/^[A-Za-z0-9-]{1,64}$/.test(captureID)) return undefined;
    await this.writes;
    const v = await this.store.getMeta(JOB_KEY_PREFIX + captureID);
    if (v === undefined) return undefined;
    try {
      const job = JSON.parse(typeof v === "string" ? v : new TextDecoder().decode(v)) as CaptureJob;
      if (job.running) {
        // Not in memory yet running: this process did not start it, so a stop cut it off.
        job.running = false;
        job.errors = [
          ...job.errors,
          {
            type: "https://suyuan.dev/problems/CAPTURE_INTERRUPTED",
            title: "Capture interrupted",
            status: 500,
            detail: "the core stopped while this job ran; query /events for what was stored",
            code: "CAPTURE_INTERRUPTED",
          },
        ];
      }
      return job;
    } catch {
      return undefined;
    }
  }

  /** Jobs still in memory, newest first, optionally of one principal. */
  list(principal?: string): CaptureJob[] {
    return [...this.jobs.values()]
      .filter((j) => principal === undefined || j.principal === principal)
      .reverse()
      .map((j) => structuredClone(j));
  }

  async close(): Promise<void> {
    await this.writes;
  }

  private remember(job: CaptureJob): void {
    this.jobs.set(job.captureID, job);
    while (this.jobs.size > MAX_IN_MEMORY) {
      const oldest = this.jobs.keys().next().value;
      if (oldest === undefined) break;
      const j = this.jobs.get(oldest);
      if (j?.running) break; // never evict a running job
      this.jobs.delete(oldest);
    }
  }

  private persist(job: CaptureJob): void {
    const snapshot = JSON.stringify(job);
    this.writes = this.writes
      .then(() => this.store.putMeta(JOB_KEY_PREFIX + job.captureID, snapshot))
      .catch((e) => this.log("capture job write failed", { captureID: job.captureID, error: String(e) }));
  }
}
