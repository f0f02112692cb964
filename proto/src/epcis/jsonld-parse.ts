/**
 * EPCIS 2.0 JSON-LD binding (EPCIS 2.0 §9) → the shared event model.
 *
 * The parser guarantees the model's type invariants: every JSON value has the type the
 * JSON schema gives it (EPCIS_BAD_TYPE otherwise), fields the model needs are there
 * (EPCIS_MISSING_FIELD), and every key is either a standard field of that object or a
 * namespaced user extension (EPCIS_UNKNOWN_FIELD, EPCIS 2.0 §9.3: user extensions must be
 * namespaced). The standard's rules on values (actions, times, CBV terms, which lists an
 * event type needs) are checked by `validate.ts`.
 *
 * Errors name the JSON path, e.g. `epcisBody.eventList[2].quantityList[0].quantity`.
 */
import { SuyuanError } from "../errors.ts";
import {
  EPCIS_NS,
  type ExpandedKey,
  expandKey,
  type ResolvedContext,
  resolveContext,
  STANDARD_CONTEXT,
} from "./jsonld-context.ts";
import type {
  Action,
  BizTransaction,
  EpcisDocument,
  EpcisEvent,
  ErrorDeclaration,
  EventType,
  ExtensionElement,
  Location,
  PersistentDisposition,
  QuantityElement,
  SensorElement,
  SensorMetadata,
  SensorReport,
  SourceDest,
  Vocabulary,
  VocabularyElement,
} from "./model.ts";
import { SENSOR_METADATA_FIELDS, sensorReportFieldsOf } from "./model.ts";
import { ALL_EVENT_FIELDS, EVENT_FIELDS } from "./validate.ts";

type Json = Record<string, unknown>;

// ---------------------------------------------------------------------------------------
// Type helpers. Paths are only built when an error is thrown.

function typeName(v: unknown): string {
  if (v === null) return "null";
  if (Array.isArray(v)) return "array";
  return typeof v === "string" ? `string "${v.length > 40 ? `${v.slice(0, 40)}…` : v}"` : typeof v;
}

function badType(field: string, expected: string, v: unknown): never {
  throw new SuyuanError("EPCIS_BAD_TYPE", `${field}: expected ${expected}, got ${typeName(v)}`, { field });
}

function missing(field: string, what: string): never {
  throw new SuyuanError("EPCIS_MISSING_FIELD", `${field}: ${what} is required`, { field });
}

function unknownField(field: string, where: string): never {
  throw new SuyuanError(
    "EPCIS_UNKNOWN_FIELD",
    `${field}: not a field of ${where}; user extensions must be namespaced (EPCIS 2.0 §9.3)`,
    { field },
  );
}

function str(v: unknown, field: string): string {
  if (typeof v !== "string") badType(field, "a string", v);
  return v;
}

function num(v: unknown, field: string): number {
  if (typeof v !== "number" || !Number.isFinite(v)) badType(field, "a number", v);
  return v;
}

function obj(v: unknown, field: string): Json {
  if (v === null || typeof v !== "object" || Array.isArray(v)) badType(field, "an object", v);
  return v as Json;
}

function arr(v: unknown, field: string): unknown[] {
  if (!Array.isArray(v)) badType(field, "an array", v);
  return v;
}

function strList(v: unknown, field: string): string[] {
  const a = arr(v, field);
  for (let i = 0; i < a.length; i++) if (typeof a[i] !== "string") badType(`${field}[${i}]`, "a string", a[i]);
  return a.slice() as string[];
}

// ---------------------------------------------------------------------------------------
// User extensions (EPCIS 2.0 §9.3): namespaced keys, any JSON value.

/**
 * Expands a key met where only standard fields or extensions may appear. Returns the
 * expansion for an extension, "std:<local>" for an `epcis:`-prefixed standard key, or
 * throws EPCIS_UNKNOWN_FIELD.
 */
function extensionKey(key: string, ctx: ResolvedContext, field: string, where: string): ExpandedKey {
  const k = expandKey(key, ctx, field);
  if (k === undefined) unknownField(field, where);
  return k;
}

function scalarValue(v: unknown): string | number | boolean | null {
  return v as string | number | boolean | null;
}

/** Appends the extension element(s) for `key: value` to `out` (an array becomes siblings with inArray). */
function pushExtension(
  out: ExtensionElement[],
  k: ExpandedKey,
  value: unknown,
  ctx: ResolvedContext,
  field: string,
): void {
  if (Array.isArray(value)) {
    if (value.length === 0) {
      // `"ex:a": []` — an array marker with neither value nor children.
      out.push(withPrefix({ ns: k.ns, name: k.name, inArray: true }, k));
      return;
    }
    for (let i = 0; i < value.length; i++) {
      const item: unknown = value[i];
      if (Array.isArray(item)) {
        throw new SuyuanError("EPCIS_BAD_TYPE", `${field}[${i}]: arrays nested directly in arrays are not supported`, {
          field: `${field}[${i}]`,
        });
      }
      const el = extensionElement(k, item, ctx, `${field}[${i}]`);
      el.inArray = true;
      out.push(el);
    }
    return;
  }
  out.push(extensionElement(k, value, ctx, field));
}

function withPrefix(el: ExtensionElement, k: ExpandedKey): ExtensionElement {
  if (k.prefix !== undefined) el.prefix = k.prefix;
  return el;
}

function extensionElement(k: ExpandedKey, value: unknown, ctx: ResolvedContext, field: string): ExtensionElement {
  const el: ExtensionElement = withPrefix({ ns: k.ns, name: k.name }, k);
  if (value !== null && typeof value === "object") {
    const o = value as Json;
    const v = o["@value"];
    if (v !== undefined && (v === null || typeof v !== "object")) {
      // A value object (JSON-LD 1.1 §4.2.1) is how the writer renders an element with text and
      // attributes (XML `<cbvmda:netWeight measurementUnitCode="KGM">3.5</…>`): the other
      // members are its attributes.
      el.value = scalarValue(v);
      for (const key in o) {
        if (key === "@value") continue;
        const f = `${field}.${key}`;
        const av = o[key];
        if (av === null || typeof av === "object") badType(f, "an attribute value (string, number or boolean)", av);
        const k2 = key.startsWith("@") ? undefined : expandKey(key, ctx, f);
        if (key.startsWith("@")) continue; // @type, @language: JSON-LD typing, no XML counterpart
        el.attributes ??= [];
        el.attributes.push(
          k2 === undefined
            ? { name: key, value: String(av) }
            : k2.prefix === undefined
              ? { ns: k2.ns, name: k2.name, value: String(av) }
              : { ns: k2.ns, name: k2.name, prefix: k2.prefix, value: String(av) },
        );
      }
      return el;
    }
    el.children = extensionChildren(o, ctx, field);
  } else {
    el.value = scalarValue(value);
  }
  return el;
}

/**
 * Children of an extension object. Inside an extension a key need not be namespaced (XML
 * allows unqualified child elements); such keys get `ns: ""` so they round-trip.
 */
function extensionChildren(o: Json, ctx: ResolvedContext, field: string): ExtensionElement[] {
  const out: ExtensionElement[] = [];
  for (const key in o) {
    const f = `${field}.${key}`;
    const k = expandKey(key, ctx, f) ?? { ns: "", name: key };
    pushExtension(out, k, o[key], ctx, f);
  }
  return out;
}

/** Parses a whole object whose every key must be an extension (ilmd, EPCIS 2.0 §7.3.6.5). */
function extensionObject(v: unknown, ctx: ResolvedContext, field: string, where: string): ExtensionElement[] {
  const o = obj(v, field);
  const out: ExtensionElement[] = [];
  for (const key in o) {
    const f = `${field}.${key}`;
    pushExtension(out, extensionKey(key, ctx, f, where), o[key], ctx, f);
  }
  return out;
}

/**
 * For objects with standard fields plus extensions: a key with a colon (or a context term)
 * is an extension unless it is an `epcis:`-prefixed spelling of a standard field, which is
 * returned as the bare name so the caller handles it like the unprefixed key.
 */
function stdName(key: string, ctx: ResolvedContext): string {
  if (key.startsWith("epcis:") && ctx.prefixes.get("epcis") === EPCIS_NS) return key.slice(6);
  return key;
}

// ---------------------------------------------------------------------------------------
// Standard structures.

function quantityList(v: unknown, field: string): QuantityElement[] {
  const a = arr(v, field);
  const out: QuantityElement[] = new Array(a.length);
  for (let i = 0; i < a.length; i++) {
    const f = `${field}[${i}]`;
    const o = obj(a[i], f);
    let epcClass: string | undefined;
    let quantity: number | undefined;
    let uom: string | undefined;
    // EPCIS 2.0 JSON schema quantityElement: additionalProperties false.
    for (const key in o) {
      if (key === "epcClass") epcClass = str(o[key], `${f}.epcClass`);
      else if (key === "quantity") quantity = num(o[key], `${f}.quantity`);
      else if (key === "uom") uom = str(o[key], `${f}.uom`);
      else unknownField(`${f}.${key}`, "a QuantityElement (epcClass, quantity, uom)");
    }
    if (epcClass === undefined) missing(`${f}.epcClass`, "epcClass");
    const q: QuantityElement = { epcClass };
    if (quantity !== undefined) q.quantity = quantity;
    if (uom !== undefined) q.uom = uom;
    out[i] = q;
  }
  return out;
}

function location(v: unknown, ctx: ResolvedContext, field: string, where: string): Location {
  const o = obj(v, field);
  let id: string | undefined;
  let ext: ExtensionElement[] | undefined;
  for (const key in o) {
    const name = stdName(key, ctx);
    if (name === "id") id = str(o[key], `${field}.id`);
    else {
      const f = `${field}.${key}`;
      ext ??= [];
      pushExtension(ext, extensionKey(key, ctx, f, where), o[key], ctx, f);
    }
  }
  if (id === undefined) missing(`${field}.id`, "id");
  const loc: Location = { id };
  if (ext) loc.extensions = ext;
  return loc;
}

function bizTransactionList(v: unknown, field: string): BizTransaction[] {
  const a = arr(v, field);
  const out: BizTransaction[] = new Array(a.length);
  for (let i = 0; i < a.length; i++) {
    const f = `${field}[${i}]`;
    const o = obj(a[i], f);
    let type: string | undefined;
    let bt: string | undefined;
    for (const key in o) {
      if (key === "type") type = str(o[key], `${f}.type`);
      else if (key === "bizTransaction") bt = str(o[key], `${f}.bizTransaction`);
      else unknownField(`${f}.${key}`, "a BusinessTransaction (type, bizTransaction)");
    }
    if (bt === undefined) missing(`${f}.bizTransaction`, "bizTransaction");
    out[i] = type === undefined ? { bizTransaction: bt } : { type, bizTransaction: bt };
  }
  return out;
}

function sourceDestList(v: unknown, field: string, idKey: "source" | "destination"): SourceDest[] {
  const a = arr(v, field);
  const out: SourceDest[] = new Array(a.length);
  for (let i = 0; i < a.length; i++) {
    const f = `${field}[${i}]`;
    const o = obj(a[i], f);
    let type: string | undefined;
    let id: string | undefined;
    for (const key in o) {
      if (key === "type") type = str(o[key], `${f}.type`);
      else if (key === idKey) id = str(o[key], `${f}.${idKey}`);
      else unknownField(`${f}.${key}`, `a ${idKey === "source" ? "Source" : "Destination"} (type, ${idKey})`);
    }
    // EPCIS 2.0 §7.3.6.3: both the type and the identifier are required.
    if (type === undefined) missing(`${f}.type`, "type");
    if (id === undefined) missing(`${f}.${idKey}`, idKey);
    out[i] = { type, id };
  }
  return out;
}

function persistentDisposition(v: unknown, field: string): PersistentDisposition {
  const o = obj(v, field);
  const pd: PersistentDisposition = {};
  for (const key in o) {
    if (key === "set") pd.set = strList(o[key], `${field}.set`);
    else if (key === "unset") pd.unset = strList(o[key], `${field}.unset`);
    else unknownField(`${field}.${key}`, "persistentDisposition (set, unset)");
  }
  return pd;
}

function errorDeclaration(v: unknown, ctx: ResolvedContext, field: string): ErrorDeclaration {
  const o = obj(v, field);
  let declarationTime: string | undefined;
  const ed: Partial<ErrorDeclaration> = {};
  let ext: ExtensionElement[] | undefined;
  for (const key in o) {
    const f = `${field}.${key}`;
    switch (stdName(key, ctx)) {
      case "declarationTime":
        declarationTime = str(o[key], f);
        break;
      case "reason":
        ed.reason = str(o[key], f);
        break;
      case "correctiveEventIDs":
        ed.correctiveEventIDs = strList(o[key], f);
        break;
      default:
        ext ??= [];
        pushExtension(ext, extensionKey(key, ctx, f, "errorDeclaration"), o[key], ctx, f);
    }
  }
  // EPCIS 2.0 §7.4.1.2: declarationTime is required.
  if (declarationTime === undefined) missing(`${field}.declarationTime`, "declarationTime");
  const out: ErrorDeclaration = { declarationTime };
  if (ed.reason !== undefined) out.reason = ed.reason;
  if (ed.correctiveEventIDs !== undefined) out.correctiveEventIDs = ed.correctiveEventIDs;
  if (ext) out.extensions = ext;
  return out;
}

const METADATA_STRINGS: ReadonlySet<string> = new Set(SENSOR_METADATA_FIELDS);

function sensorMetadata(v: unknown, ctx: ResolvedContext, field: string): SensorMetadata {
  const o = obj(v, field);
  const md: SensorMetadata = {};
  for (const key in o) {
    const name = stdName(key, ctx);
    const f = `${field}.${key}`;
    if (METADATA_STRINGS.has(name)) (md as Record<string, string>)[name] = str(o[key], f);
    else {
      md.extensions ??= [];
      pushExtension(md.extensions, extensionKey(key, ctx, f, "sensorMetadata"), o[key], ctx, f);
    }
  }
  return md;
}

// EPCIS 2.0 §7.3.7.2 SensorReport attributes by JSON type.
const REPORT_STRINGS: ReadonlySet<string> = new Set(sensorReportFieldsOf("string"));
const REPORT_NUMBERS: ReadonlySet<string> = new Set(sensorReportFieldsOf("double"));

function sensorReport(v: unknown, ctx: ResolvedContext, field: string): SensorReport {
  const o = obj(v, field);
  const r: SensorReport = {};
  const rec = r as Record<string, unknown>;
  for (const key in o) {
    const name = stdName(key, ctx);
    const f = `${field}.${key}`;
    if (REPORT_STRINGS.has(name)) rec[name] = str(o[key], f);
    else if (REPORT_NUMBERS.has(name)) rec[name] = num(o[key], f);
    else if (name === "booleanValue") {
      if (typeof o[key] !== "boolean") badType(f, "a boolean", o[key]);
      r.booleanValue = o[key] as boolean;
    } else {
      r.extensions ??= [];
      pushExtension(r.extensions, extensionKey(key, ctx, f, "sensorReport"), o[key], ctx, f);
    }
  }
  return r;
}

function sensorElementList(v: unknown, ctx: ResolvedContext, field: string): SensorElement[] {
  const a = arr(v, field);
  const out: SensorElement[] = new Array(a.length);
  for (let i = 0; i < a.length; i++) {
    const f = `${field}[${i}]`;
    const o = obj(a[i], f);
    let md: SensorMetadata | undefined;
    let reports: SensorReport[] | undefined;
    let ext: ExtensionElement[] | undefined;
    for (const key in o) {
      const name = stdName(key, ctx);
      const kf = `${f}.${key}`;
      if (name === "sensorMetadata") md = sensorMetadata(o[key], ctx, kf);
      else if (name === "sensorReport") {
        const ra = arr(o[key], kf);
        reports = new Array(ra.length);
        for (let j = 0; j < ra.length; j++) reports[j] = sensorReport(ra[j], ctx, `${kf}[${j}]`);
      } else {
        ext ??= [];
        pushExtension(ext, extensionKey(key, ctx, kf, "sensorElement"), o[key], ctx, kf);
      }
    }
    // EPCIS 2.0 §7.3.7: a SensorElement has one or more sensorReports.
    if (reports === undefined) missing(`${f}.sensorReport`, "sensorReport");
    const se: SensorElement =
      md === undefined ? { sensorReport: reports } : { sensorMetadata: md, sensorReport: reports };
    if (ext) se.extensions = ext;
    out[i] = se;
  }
  return out;
}

// ---------------------------------------------------------------------------------------
// Events.

const EVENT_TYPES = new Set<string>(Object.keys(EVENT_FIELDS));

function parseEvent(v: unknown, docCtx: ResolvedContext, field: string): EpcisEvent {
  const o = obj(v, field);
  const ctx = o["@context"] === undefined ? docCtx : resolveContext(o["@context"], docCtx, `${field}.@context`);
  const rawType = o.type ?? o["epcis:type"];
  if (rawType === undefined) missing(`${field}.type`, "the event type");
  const type = str(rawType, `${field}.type`);
  if (!EVENT_TYPES.has(type)) {
    throw new SuyuanError(
      "EPCIS_BAD_VALUE",
      `${field}.type: "${type}" is not an EPCIS 2.0 event type (ObjectEvent, AggregationEvent, TransformationEvent, AssociationEvent, TransactionEvent)`,
      { field: `${field}.type` },
    );
  }
  const allowed = EVENT_FIELDS[type as EventType];
  const ev = { type } as EpcisEvent;
  const rec = ev as unknown as Record<string, unknown>;
  let ext: ExtensionElement[] | undefined;
  for (const key in o) {
    if (key === "@context") continue;
    const name = stdName(key, ctx);
    if (!allowed.has(name)) {
      // A standard field on the wrong event type is an error, not an extension.
      if (ALL_EVENT_FIELDS.has(name)) unknownField(`${field}.${key}`, `an ${type}`);
      const f = `${field}.${key}`;
      ext ??= [];
      pushExtension(ext, extensionKey(key, ctx, f, `an ${type}`), o[key], ctx, f);
      continue;
    }
    const value = o[key];
    const f = `${field}.${key}`;
    switch (name) {
      case "type":
        break;
      case "eventTime":
      case "recordTime":
      case "eventTimeZoneOffset":
      case "eventID":
      case "bizStep":
      case "disposition":
      case "parentID":
      case "transformationID":
        rec[name] = str(value, f);
        break;
      case "action":
        ev.action = str(value, f) as Action;
        break;
      case "certificationInfo":
        // EPCIS 2.0 JSON schema: a URI or an array of URIs.
        ev.certificationInfo = Array.isArray(value) ? strList(value, f) : str(value, f);
        break;
      case "errorDeclaration":
        ev.errorDeclaration = errorDeclaration(value, ctx, f);
        break;
      case "epcList":
      case "childEPCs":
      case "inputEPCList":
      case "outputEPCList":
        rec[name] = strList(value, f);
        break;
      case "quantityList":
      case "childQuantityList":
      case "inputQuantityList":
      case "outputQuantityList":
        rec[name] = quantityList(value, f);
        break;
      case "persistentDisposition":
        ev.persistentDisposition = persistentDisposition(value, f);
        break;
      case "readPoint":
        ev.readPoint = location(value, ctx, f, "readPoint");
        break;
      case "bizLocation":
        ev.bizLocation = location(value, ctx, f, "bizLocation");
        break;
      case "bizTransactionList":
        ev.bizTransactionList = bizTransactionList(value, f);
        break;
      case "sourceList":
        ev.sourceList = sourceDestList(value, f, "source");
        break;
      case "destinationList":
        ev.destinationList = sourceDestList(value, f, "destination");
        break;
      case "sensorElementList":
        ev.sensorElementList = sensorElementList(value, ctx, f);
        break;
      case "ilmd":
        // EPCIS 2.0 §7.3.6.5: ILMD holds only namespaced (user or CBV master-data) attributes.
        ev.ilmd = extensionObject(value, ctx, f, "ilmd (its fields must be namespaced)");
        break;
    }
  }
  // The model requires these; the standard does too (EPCIS 2.0 §7.4.1).
  if (ev.eventTime === undefined) missing(`${field}.eventTime`, "eventTime");
  if (ev.eventTimeZoneOffset === undefined) missing(`${field}.eventTimeZoneOffset`, "eventTimeZoneOffset");
  if (ext) ev.extensions = ext;
  return ev;
}

function parseEventList(v: unknown, ctx: ResolvedContext, field: string): EpcisEvent[] {
  const a = arr(v, field);
  const out: EpcisEvent[] = new Array(a.length);
  for (let i = 0; i < a.length; i++) out[i] = parseEvent(a[i], ctx, `${field}[${i}]`);
  return out;
}

// ---------------------------------------------------------------------------------------
// Master data (EPCIS 2.0 §7.5, JSON schema `vocabulary`).

function vocabularyList(v: unknown, ctx: ResolvedContext, field: string): Vocabulary[] {
  const a = arr(v, field);
  const out: Vocabulary[] = new Array(a.length);
  for (let i = 0; i < a.length; i++) {
    const f = `${field}[${i}]`;
    const o = obj(a[i], f);
    if (o.type === undefined) missing(`${f}.type`, "type");
    const type = str(o.type, `${f}.type`);
    const elements: VocabularyElement[] = [];
    if (o.vocabularyElementList !== undefined) {
      const el = arr(o.vocabularyElementList, `${f}.vocabularyElementList`);
      for (let j = 0; j < el.length; j++) {
        const ef = `${f}.vocabularyElementList[${j}]`;
        const eo = obj(el[j], ef);
        if (eo.id === undefined) missing(`${ef}.id`, "id");
        const ve: VocabularyElement = { id: str(eo.id, `${ef}.id`), attributes: [] };
        if (eo.attributes !== undefined) {
          const at = arr(eo.attributes, `${ef}.attributes`);
          for (let k = 0; k < at.length; k++) {
            const af = `${ef}.attributes[${k}]`;
            const ao = obj(at[k], af);
            if (ao.id === undefined) missing(`${af}.id`, "id");
            const attr: VocabularyElement["attributes"][number] = { id: str(ao.id, `${af}.id`) };
            const val = ao.attribute;
            if (typeof val === "string") attr.value = val;
            // The model keeps attribute values as text (as XML does); a JSON number becomes its decimal text.
            else if (typeof val === "number" && Number.isFinite(val)) attr.value = String(val);
            else if (val !== null && typeof val === "object" && !Array.isArray(val))
              attr.children = extensionChildren(val as Json, ctx, `${af}.attribute`);
            else if (val !== undefined) badType(`${af}.attribute`, "a string, number or object", val);
            ve.attributes.push(attr);
          }
        }
        if (eo.children !== undefined) ve.children = strList(eo.children, `${ef}.children`);
        elements.push(ve);
      }
    }
    out[i] = { type, elements };
  }
  return out;
}

// ---------------------------------------------------------------------------------------
// Documents.

/** Options for {@link parseEpcisJsonLd}. */
export interface JsonLdParseOptions {
  /**
   * Require a top-level `@context` (EPCIS 2.0 §9.2; default true). Without it the keys of
   * a JSON-LD document have no defined meaning.
   */
  requireContext?: boolean;
}

/**
 * Parses an EPCIS 2.0 JSON-LD EPCISDocument or EPCISQueryDocument (text or already-parsed
 * JSON) into the model. Throws SuyuanError (EPCIS_BAD_JSON, EPCIS_BAD_TYPE,
 * EPCIS_MISSING_FIELD, EPCIS_UNKNOWN_FIELD, EPCIS_UNKNOWN_PREFIX, EPCIS_BAD_CONTEXT,
 * EPCIS_BAD_VALUE) with `field` set to the JSON path. Does not apply the standard's value
 * rules: call `validateEpcisDocument` for those (the `parseEpcisDocument` entry point does).
 */
export function parseEpcisJsonLd(input: string | object, options?: JsonLdParseOptions): EpcisDocument {
  let root: unknown = input;
  if (typeof input === "string") {
    try {
      root = JSON.parse(input);
    } catch (e) {
      throw new SuyuanError("EPCIS_BAD_JSON", `document is not JSON: ${(e as Error).message}`, { cause: e });
    }
  }
  const o = obj(root, "(document)");
  const rawContext = o["@context"];
  if (rawContext === undefined && options?.requireContext !== false) missing("@context", "@context (EPCIS 2.0 §9.2)");
  const ctx = resolveContext(rawContext, STANDARD_CONTEXT, "@context");

  if (o.type === undefined) missing("type", "the document type");
  const kind = str(o.type, "type");
  if (kind !== "EPCISDocument" && kind !== "EPCISQueryDocument") {
    throw new SuyuanError("EPCIS_BAD_VALUE", `type: "${kind}" is not EPCISDocument or EPCISQueryDocument`, {
      field: "type",
    });
  }
  // The XSD requires schemaVersion on both document kinds; the model needs it.
  if (o.schemaVersion === undefined) missing("schemaVersion", "schemaVersion");
  const doc: EpcisDocument = { kind, schemaVersion: str(o.schemaVersion, "schemaVersion"), events: [] };
  if (rawContext !== undefined) doc.context = rawContext;
  if (ctx.userPrefixes.size > 0) doc.namespaces = Object.fromEntries(ctx.userPrefixes);

  let extra: Record<string, unknown> | undefined;
  let bodySeen = false;
  for (const key in o) {
    const value = o[key];
    switch (key) {
      case "@context":
      case "type":
      case "schemaVersion":
        break;
      case "creationDate":
      case "instanceIdentifier":
      case "sender":
      case "receiver":
        doc[key] = str(value, key);
        break;
      case "epcisHeader": {
        const h = obj(value, key);
        let rest: Json | undefined;
        for (const hk in h) {
          if (hk === "epcisMasterData") {
            const md = obj(h[hk], "epcisHeader.epcisMasterData");
            for (const mk in md) {
              if (mk === "vocabularyList")
                doc.vocabularies = vocabularyList(md[mk], ctx, "epcisHeader.epcisMasterData.vocabularyList");
              else unknownField(`epcisHeader.epcisMasterData.${mk}`, "epcisMasterData (vocabularyList)");
            }
          } else {
            rest ??= {};
            rest[hk] = h[hk];
          }
        }
        if (rest) {
          extra ??= {};
          extra.epcisHeader = rest;
        }
        break;
      }
      case "epcisBody": {
        bodySeen = true;
        const b = obj(value, key);
        let rest: Json | undefined;
        for (const bk in b) {
          if (kind === "EPCISDocument" && bk === "eventList") {
            doc.events = parseEventList(b[bk], ctx, "epcisBody.eventList");
          } else if (kind === "EPCISQueryDocument" && bk === "queryResults") {
            parseQueryResults(b[bk], ctx, doc, (k, v) => {
              extra ??= {};
              extra[k] = v;
            });
          } else {
            rest ??= {};
            rest[bk] = b[bk];
          }
        }
        if (kind === "EPCISDocument" && b.eventList === undefined)
          missing("epcisBody.eventList", "epcisBody.eventList");
        if (kind === "EPCISQueryDocument" && b.queryResults === undefined)
          missing("epcisBody.queryResults", "epcisBody.queryResults");
        if (rest) {
          extra ??= {};
          extra.epcisBody = rest;
        }
        break;
      }
      default:
        // Document-level fields the model does not name (`id`, SBDH-like headers, namespaced
        // document extensions) are kept verbatim.
        extra ??= {};
        extra[key] = value;
    }
  }
  if (!bodySeen) missing("epcisBody", "epcisBody");
  if (extra) doc.extra = extra;
  return doc;
}

function parseQueryResults(
  v: unknown,
  ctx: ResolvedContext,
  doc: EpcisDocument,
  keep: (key: string, value: unknown) => void,
): void {
  const field = "epcisBody.queryResults";
  const q = obj(v, field);
  let rest: Json | undefined;
  let sawBody = false;
  for (const key in q) {
    if (key === "queryName") doc.queryName = str(q[key], `${field}.queryName`);
    else if (key === "subscriptionID") doc.subscriptionID = str(q[key], `${field}.subscriptionID`);
    else if (key === "resultsBody") {
      sawBody = true;
      const rb = obj(q[key], `${field}.resultsBody`);
      let rbRest: Json | undefined;
      for (const rk in rb) {
        if (rk === "eventList") doc.events = parseEventList(rb[rk], ctx, `${field}.resultsBody.eventList`);
        else {
          rbRest ??= {};
          rbRest[rk] = rb[rk];
        }
      }
      if (rbRest) keep("resultsBody", rbRest);
    } else {
      rest ??= {};
      rest[key] = q[key];
    }
  }
  if (!sawBody) missing(`${field}.resultsBody`, "resultsBody");
  if (rest) keep("queryResults", rest);
}
