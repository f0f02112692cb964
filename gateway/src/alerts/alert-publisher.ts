// Recall alerts at the scan point (issue 4 §4): the pipeline's recall check names the recall;
// this publishes an alert to the site MQTT broker on suyuan/<gatewayId>/<readPointId>/alert
// so the operator's screen or stack light shows it, and logs it.
import type { ActiveRecall, RecallHit, RecallStore, ScannedCode } from "./recall-store.ts";

/** The injected publisher (the MQTT driver's embedded broker, or an MQTT client). */
export type Publish = (topic: string, payload: string) => Promise<void> | void;

/** What the operator must do, by recall class (China drug/food recall levels map one to one). */
export function actionFor(recall: ActiveRecall, bizStep: string | undefined): string {
  const urgent = recall.recallClass === "I" ? "Immediately: " : "";
  // CBV 2.0 §7.1: bare words or their URIs (https://ref.gs1.org/cbv/BizStep-receiving).
  switch (bizStep?.replace(/^https:\/\/ref\.gs1\.org\/cbv\/BizStep-/, "")) {
    case "retail_selling":
    case "dispensing":
      return `${urgent}do not sell or dispense: take the unit off the counter and quarantine it`;
    case "receiving":
    case "accepting":
      return `${urgent}do not put away: quarantine the unit and refuse or hold the delivery`;
    case "shipping":
    case "departing":
      return `${urgent}do not ship: pull the unit from the shipment and quarantine it`;
    default:
      return `${urgent}stop: quarantine the unit and contact the recall officer`;
  }
}

export interface AlertInput {
  /** The configured read point id (topic segment). */
  readPointId: string;
  /** Canonical id of the scanned unit. */
  unit: string;
  recallId: string;
  bizStep?: string;
  /** RFC 3339 time of the observation. */
  time: string;
  /** Overrides the computed action. */
  action?: string;
}

export interface AlertPayload {
  type: "recall";
  gatewayId: string;
  readPoint: string;
  unit: string;
  recallId: string;
  recallClass: string;
  reason: string;
  lots: string[];
  action: string;
  time: string;
}

/** MQTT topic names must not contain the wildcards + and # (MQTT 3.1.1 §4.7.1). */
function topicSegment(s: string): string {
  return s.replace(/[+#/]/g, "_");
}

export class AlertPublisher {
  constructor(
    private readonly opts: {
      gatewayId: string;
      store: RecallStore;
      publish?: Publish;
      log?: (msg: string, fields?: object) => void;
      onAlert?: (payload: AlertPayload) => void;
      onError?: (kind: string) => void;
    },
  ) {}

  /** The pipeline's recall check (matches a recalled unit or lot). */
  recallCheck = (code: ScannedCode): { recallId: string; action: string } | undefined => {
    const hit: RecallHit | undefined = this.opts.store.check(code);
    if (!hit) return undefined;
    return { recallId: hit.recall.recallId, action: actionFor(hit.recall, undefined) };
  };

  topic(readPointId: string): string {
    return `suyuan/${topicSegment(this.opts.gatewayId)}/${topicSegment(readPointId)}/alert`;
  }

  /** Publishes and logs one alert; a publish failure is logged and counted, never thrown. */
  async alert(a: AlertInput): Promise<AlertPayload> {
    const recall = this.opts.store.list().find((r) => r.recallId === a.recallId);
    const payload: AlertPayload = {
      type: "recall",
      gatewayId: this.opts.gatewayId,
      readPoint: a.readPointId,
      unit: a.unit,
      recallId: a.recallId,
      recallClass: recall?.recallClass ?? "unspecified",
      reason: recall?.reason ?? "",
      lots: recall?.lots ?? [],
      action: a.action ?? (recall ? actionFor(recall, a.bizStep) : "quarantine the unit"),
      time: a.time,
    };
    this.opts.log?.("RECALL ALERT at scan point", payload);
    this.opts.onAlert?.(payload);
    if (this.opts.publish) {
      try {
        await this.opts.publish(this.topic(a.readPointId), JSON.stringify(payload));
      } catch (e) {
        this.opts.onError?.("alert_publish");
        this.opts.log?.("alert publish failed", { error: String(e), recallId: a.recallId });
      }
    }
    return payload;
  }
}
