// Index records made before the log index is known. Capture's check workers build each
// event's index records (records.ts) off the event loop, but the log index I that most keys
// and some values carry is assigned only when the log plans the append. So the worker builds
// them with a marker character where I goes and packs them into one string per event; the
// event loop fills in I (`fillIndexTemplate`) instead of decoding the stored record and
// indexing it again.
//
// The marker and the two separators are control characters (U+0000, U+0001, U+0002). Keys
// and values derive from the event's strings, so a template is only made for an event whose
// strings hold no control character at all; `indexTemplate` answers undefined for any other,
// and the caller indexes that event the ordinary way. The stored record is JSON
// (model.encodeRecord), where JSON.stringify writes every such character as a \u00XX escape
// (U+0000–U+001F except \b \t \n \f \r, which have short escapes and are not ours): the
// check is a substring search of the record text.
import type { StoredEvent } from "../model.ts";
import type { IndexRecord } from "../store/store.ts";
import { indexRecordsAt, padIndex } from "./records.ts";

const MARK = "\u0000";
const RECORD_SEP = "\u0001";
const FIELD_SEP = "\u0002";

/**
 * The packed index records of `stored` with I left open, or undefined when its strings hold
 * a control character (`recordJson` is its record text, JSON.stringify of `stored`).
 */
export function indexTemplate(stored: StoredEvent, recordJson: string): string | undefined {
  if (recordJson.includes("\\u00")) return undefined;
  const records = indexRecordsAt(stored, MARK);
  const parts: string[] = new Array(records.length);
  for (let i = 0; i < records.length; i++) {
    const r = records[i]!;
    if (typeof r.value !== "string") return undefined; // records.ts writes strings only
    parts[i] = r.index + FIELD_SEP + r.key + FIELD_SEP + r.value;
  }
  return parts.join(RECORD_SEP);
}

/** The index records of a template for the event at log index `index`. */
export function fillIndexTemplate(template: string, index: number): IndexRecord[] {
  if (template === "") return [];
  const I = padIndex(index);
  const parts = template.split(RECORD_SEP);
  const out: IndexRecord[] = new Array(parts.length);
  for (let i = 0; i < parts.length; i++) {
    const p = parts[i]!;
    const a = p.indexOf(FIELD_SEP);
    const b = p.indexOf(FIELD_SEP, a + 1);
    let key = p.slice(a + 1, b);
    let value = p.slice(b + 1);
    if (key.includes(MARK)) key = key.replaceAll(MARK, I);
    if (value.includes(MARK)) value = value.replaceAll(MARK, I);
    out[i] = { index: p.slice(0, a), key, value };
  }
  return out;
}
