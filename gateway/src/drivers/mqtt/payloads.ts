/**
 * MQTT payload parsing: pure (no I/O), one message in, reads or a device status out. Formats and
 * examples: FORMATS.md beside this file. Bad input never throws: it comes back as `errors`
 * (naming the field and the rule) for the driver to log and count.
 */
import type { RawRead } from "../driver.ts";

export type PayloadFormat = "auto" | "zebra" | "generic";
export const PAYLOAD_FORMATS: readonly PayloadFormat[] = ["auto", "zebra", "generic"];

export interface ParseOptions {
  /** Receive time (ms) for reads that carry no device time. */
  now: number;
  format?: PayloadFormat;
  /** Payloads longer than this are rejected unparsed (default 256 KiB). */
  maxBytes?: number;
}

export type ParsedMessage =
  | { kind: "reads"; format: "zebra" | "generic"; reads: RawRead[]; errors: string[] }
  | { kind: "status"; deviceId: string; online: boolean; ts: number; errors: string[] }
  | { kind: "invalid"; errors: string[] };

export const DEFAULT_MAX_BYTES = 256 * 1024;
const MAX_RECORDS = 10_000;
const MAX_ID = 128;
const MAX_CODE = 4096;
/** EPC bank up to 496 bits (Gen2 PC length field ≤ 31 words): 124 hex digits. */
const MAX_EPC_HEX = 124;

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => typeof v === "object" && v !== null && !Array.isArray(v);

export function parseMqttPayload(topic: string, payload: Uint8Array, o: ParseOptions): ParsedMessage {
  const maxBytes = o.maxBytes ?? DEFAULT_MAX_BYTES;
  if (payload.length > maxBytes) {
    return { kind: "invalid", errors: [`payload: ${payload.length} bytes exceeds the limit of ${maxBytes}`] };
  }
  let doc: unknown;
  try {
    doc = JSON.parse(Buffer.from(payload.buffer, payload.byteOffset, payload.length).toString("utf8"));
  } catch {
    return { kind: "invalid", errors: ["payload: must be JSON"] };
  }
  const format = o.format ?? "auto";
  const looksGeneric = isObj(doc) && "deviceId" in doc;
  if (format === "generic" || (format === "auto" && looksGeneric)) return parseGeneric(doc, o.now);
  if (format === "zebra" || (format === "auto" && (isObj(doc) || Array.isArray(doc)))) {
    return parseZebra(topic, doc, o.now);
  }
  return { kind: "invalid", errors: ["payload: must be a JSON object (generic or Zebra dataEVT)"] };
}

// ---- generic JSON (FORMATS.md §2) ----

function parseGeneric(doc: unknown, now: number): ParsedMessage {
  if (!isObj(doc)) return { kind: "invalid", errors: ["payload: must be a JSON object"] };
  const deviceId = doc.deviceId;
  if (typeof deviceId !== "string" || deviceId === "" || deviceId.length > MAX_ID) {
    return { kind: "invalid", errors: [`deviceId: must be a non-empty string of at most ${MAX_ID} characters`] };
  }
  const errors: string[] = [];
  const msgTs = doc.ts === undefined ? now : parseTs(doc.ts, "ts", errors);
  if (msgTs === undefined) return { kind: "invalid", errors };

  if (doc.status !== undefined) {
    if (doc.status !== "online" && doc.status !== "offline") {
      return { kind: "invalid", errors: ['status: must be "online" or "offline"'] };
    }
    return { kind: "status", deviceId, online: doc.status === "online", ts: msgTs, errors: [] };
  }

  if (doc.sensor !== undefined) {
    const s = doc.sensor;
    if (!isObj(s)) return { kind: "invalid", errors: ["sensor: must be an object {type, value, uom}"] };
    if (typeof s.type !== "string" || s.type === "" || s.type.length > MAX_ID)
      errors.push("sensor.type: must be a non-empty string");
    if (typeof s.value !== "number" || !Number.isFinite(s.value)) errors.push("sensor.value: must be a finite number");
    // UN/CEFACT Rec. 20 unit codes (CEL, FAH, KEL, P1 …) as EPCIS 2.0 §7.3.8 sensorReport uom uses.
    if (typeof s.uom !== "string" || !/^[A-Z0-9]{1,3}$/.test(s.uom))
      errors.push("sensor.uom: must be a UN/CEFACT Rec. 20 code (e.g. CEL)");
    if (errors.length > 0) return { kind: "invalid", errors };
    const read: RawRead = {
      deviceId,
      kind: "sensor",
      data: deviceId,
      ts: msgTs,
      sensor: { type: s.type as string, value: s.value as number, uom: s.uom as string },
    };
    return { kind: "reads", format: "generic", reads: [read], errors };
  }

  if (!Array.isArray(doc.reads)) {
    return { kind: "invalid", errors: ["payload: a generic message needs reads[], sensor or status"] };
  }
  if (doc.reads.length > MAX_RECORDS) {
    return { kind: "invalid", errors: [`reads: at most ${MAX_RECORDS} reads per message`] };
  }
  const reads: RawRead[] = [];
  doc.reads.forEach((r, i) => {
    const at = `reads[${i}]`;
    if (!isObj(r)) {
      errors.push(`${at}: must be an object`);
      return;
    }
    const hasEpc = r.epc !== undefined;
    const hasCode = r.code !== undefined;
    if (hasEpc === hasCode) {
      errors.push(`${at}: must have exactly one of epc or code`);
      return;
    }
    const ts = r.ts === undefined ? msgTs : parseTs(r.ts, `${at}.ts`, errors);
    if (ts === undefined) return;
    const antenna = optAntenna(r.antenna, `${at}.antenna`, errors);
    const rssi = optRssi(r.rssi, `${at}.rssi`, errors);
    if (antenna === null || rssi === null) return;
    if (hasEpc) {
      const epc = hexField(r.epc, `${at}.epc`, MAX_EPC_HEX, errors);
      if (epc === undefined) return;
      const pc = r.pc === undefined ? undefined : hexField(r.pc, `${at}.pc`, 4, errors, 4);
      if (r.pc !== undefined && pc === undefined) return;
      reads.push(clean({ deviceId, kind: "rfid", data: epc, ts, antenna, rssi, pc }));
    } else {
      if (typeof r.code !== "string" || r.code === "" || r.code.length > MAX_CODE) {
        errors.push(`${at}.code: must be a non-empty string of at most ${MAX_CODE} characters`);
        return;
      }
      reads.push(clean({ deviceId, kind: "barcode", data: r.code, ts, antenna, rssi }));
    }
  });
  return { kind: "reads", format: "generic", reads, errors };
}

// ---- Zebra IoT Connector dataEVT (FORMATS.md §1) ----

function parseZebra(topic: string, doc: unknown, now: number): ParsedMessage {
  // Fixed readers batch several events into one array; the RFD40/RFD90 sends one envelope.
  const envelopes = Array.isArray(doc) ? doc : [doc];
  if (envelopes.length > MAX_RECORDS) return { kind: "invalid", errors: [`payload: at most ${MAX_RECORDS} events`] };
  // The reader is named by the last topic level (…/data1event/<serialNumber>).
  const deviceId =
    topic
      .split("/")
      .filter((s) => s !== "")
      .at(-1) ?? "zebra";
  const reads: RawRead[] = [];
  const errors: string[] = [];
  envelopes.forEach((env, e) => {
    const at = Array.isArray(doc) ? `[${e}]` : "";
    if (!isObj(env) || !isObj(env.data)) {
      errors.push(`${at}data: a Zebra dataEVT needs a data object`);
      return;
    }
    const data = env.data;
    const envTs = env.timestamp === undefined ? now : parseTs(env.timestamp, `${at}timestamp`, errors);
    if (envTs === undefined) return;
    const tagRecords = Array.isArray(data.tagData)
      ? data.tagData.map((r, i) => [r, `${at}data.tagData[${i}]`] as const)
      : data.idHex !== undefined
        ? [[data, `${at}data`] as const]
        : [];
    const barcodeRecords = Array.isArray(data.barcodeData)
      ? data.barcodeData.map((r, i) => [r, `${at}data.barcodeData[${i}]`] as const)
      : typeof data.decodedBarcode === "string" || (typeof data.data === "string" && data.symbology !== undefined)
        ? [[data, `${at}data`] as const]
        : [];
    if (tagRecords.length + barcodeRecords.length === 0) {
      errors.push(`${at}data: no tagData, barcodeData, idHex or decoded barcode`);
      return;
    }
    if (reads.length + tagRecords.length + barcodeRecords.length > MAX_RECORDS) {
      errors.push(`${at}data: at most ${MAX_RECORDS} records per message`);
      return;
    }
    for (const [r, rat] of tagRecords) {
      if (!isObj(r)) {
        errors.push(`${rat}: must be an object`);
        continue;
      }
      const epc = hexField(r.idHex, `${rat}.idHex`, MAX_EPC_HEX, errors);
      if (epc === undefined) continue;
      const ts = recordTs(r, envTs, rat, errors);
      const antenna = optAntenna(r.antenna, `${rat}.antenna`, errors);
      const rssi = optRssi(r.peakRssi, `${rat}.peakRssi`, errors);
      const pcRaw = r.PC ?? r.pc;
      const pc = pcRaw === undefined ? undefined : hexField(pcRaw, `${rat}.PC`, 4, errors, 4);
      if (ts === undefined || antenna === null || rssi === null || (pcRaw !== undefined && pc === undefined)) continue;
      reads.push(clean({ deviceId, kind: "rfid", data: epc, ts, antenna, rssi, pc }));
    }
    for (const [r, rat] of barcodeRecords) {
      if (!isObj(r)) {
        errors.push(`${rat}: must be an object`);
        continue;
      }
      const value = r.decodedBarcode ?? r.data;
      if (typeof value !== "string" || value === "" || value.length > MAX_CODE) {
        errors.push(`${rat}.decodedBarcode: must be a non-empty string of at most ${MAX_CODE} characters`);
        continue;
      }
      const ts = recordTs(r, envTs, rat, errors);
      if (ts === undefined) continue;
      const prefix = value.startsWith("]") ? "" : aimPrefix(r.symbology);
      reads.push({ deviceId, kind: "barcode", data: prefix + value, ts });
    }
  });
  if (reads.length === 0 && errors.length > 0) return { kind: "invalid", errors };
  return { kind: "reads", format: "zebra", reads, errors };
}

function recordTs(r: Obj, fallback: number, at: string, errors: string[]): number | undefined {
  const v = r.timestamp ?? r.firstSeenTimestamp;
  return v === undefined ? fallback : parseTs(v, `${at}.timestamp`, errors);
}

/**
 * AIM symbology identifier (ISO/IEC 15424) for the symbology names the Zebra connector reports,
 * so a GS1 scan keeps its GS1 marker (`]d2`, `]C1`, `]Q3`, `]e0`) as a serial scanner would
 * send it. Unknown names get no prefix.
 */
const AIM_BY_SYMBOLOGY: Record<string, string> = {
  gs1datamatrix: "]d2",
  datamatrix: "]d1",
  gs1128: "]C1",
  uccean128: "]C1",
  code128: "]C0",
  gs1qr: "]Q3",
  gs1qrcode: "]Q3",
  qr: "]Q1",
  qrcode: "]Q1",
  gs1databar: "]e0",
  gs1databarexpanded: "]e0",
  gs1databaromnidirectional: "]e0",
  gs1databarlimited: "]e0",
  rss14: "]e0",
  rssexpanded: "]e0",
  ean13: "]E0",
  upca: "]E0",
  upce: "]E0",
  ean8: "]E4",
};

export function aimPrefix(symbology: unknown): string {
  if (typeof symbology !== "string") return "";
  return AIM_BY_SYMBOLOGY[symbology.toLowerCase().replace(/[^a-z0-9]/g, "")] ?? "";
}

// ---- field rules ----

const ISO_TS = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:?\d{2})$/;

/** ms since the epoch, or an ISO 8601 date-time with a zone (local time would be ambiguous). */
function parseTs(v: unknown, at: string, errors: string[]): number | undefined {
  if (typeof v === "number" && Number.isFinite(v) && v > 0 && v < 1e14) return Math.round(v);
  if (typeof v === "string" && ISO_TS.test(v)) {
    const t = Date.parse(v);
    if (Number.isFinite(t)) return t;
  }
  errors.push(`${at}: must be milliseconds since the epoch or an ISO 8601 date-time with a zone`);
  return undefined;
}

function hexField(v: unknown, at: string, maxLen: number, errors: string[], exactLen?: number): string | undefined {
  if (
    typeof v !== "string" ||
    !/^[0-9A-Fa-f]+$/.test(v) ||
    v.length % 2 !== 0 ||
    v.length > maxLen ||
    (exactLen !== undefined && v.length !== exactLen)
  ) {
    errors.push(`${at}: must be ${exactLen === undefined ? `an even number (≤ ${maxLen}) of` : exactLen} hex digits`);
    return undefined;
  }
  return v.toUpperCase();
}

/** undefined = absent; null = present and bad (error pushed). */
function optAntenna(v: unknown, at: string, errors: string[]): number | undefined | null {
  if (v === undefined) return undefined;
  if (typeof v === "number" && Number.isInteger(v) && v >= 1 && v <= 256) return v;
  errors.push(`${at}: must be an integer 1..256`);
  return null;
}

function optRssi(v: unknown, at: string, errors: string[]): number | undefined | null {
  if (v === undefined) return undefined;
  if (typeof v === "number" && Number.isFinite(v) && v >= -150 && v <= 20) return v;
  errors.push(`${at}: must be a number of dBm in -150..20`);
  return null;
}

function clean(
  r: RawRead & { antenna?: number | undefined; rssi?: number | undefined; pc?: string | undefined },
): RawRead {
  const out: RawRead = { deviceId: r.deviceId, kind: r.kind, data: r.data, ts: r.ts };
  if (r.antenna !== undefined) out.antenna = r.antenna;
  if (r.rssi !== undefined) out.rssi = r.rssi;
  if (r.pc !== undefined) out.pc = r.pc;
  return out;
}
