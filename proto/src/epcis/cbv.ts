/**
 * CBV 2.0 standard vocabularies used by EPCIS 2.0 event fields, and the spellings each
 * term may take:
 *
 * - the bare word of the EPCIS 2.0 JSON-LD binding (`shipping`), which the standard
 *   `@context` expands with `@type: @vocab` (EPCIS 2.0 §9.3, CBV 2.0 §6/§7);
 * - the CBV 2.0 Web URI (`https://ref.gs1.org/cbv/BizStep-shipping`, CBV 2.0 §6.1), or its
 *   CURIE with the context's `cbv:` prefix (`cbv:BizStep-shipping`);
 * - the legacy URN of CBV 1.x, still used by the EPCIS XML binding
 *   (`urn:epcglobal:cbv:bizstep:shipping`, CBV 2.0 §6.2 "URN format").
 *
 * Sensor measurement types and alert types live in the GS1 Web Vocabulary
 * (`https://gs1.org/voc/Temperature`, CURIE `gs1:Temperature`; EPCIS 2.0 §7.3.7.2).
 *
 * The term lists below are CBV 2.0 §7.1 (BizStep), §7.2 (Disp), §7.3 (BTT), §7.4 (SDT),
 * §7.5 (ER), §7.6 (Comp) and the GS1 Web Vocabulary MeasurementType / SensorAlertType
 * code lists, as enumerated by the EPCIS 2.0 JSON schema.
 */

export type CbvVocabulary =
  | "bizStep"
  | "disposition"
  | "bizTransactionType"
  | "sourceDestType"
  | "errorReason"
  | "component"
  | "measurementType"
  | "sensorAlertType";

// CBV 2.0 §7.1 business steps.
const BIZ_STEPS = [
  "accepting",
  "arriving",
  "assembling",
  "collecting",
  "commissioning",
  "consigning",
  "creating_class_instance",
  "cycle_counting",
  "decommissioning",
  "departing",
  "destroying",
  "disassembling",
  "dispensing",
  "encoding",
  "entering_exiting",
  "holding",
  "inspecting",
  "installing",
  "killing",
  "loading",
  "other",
  "packing",
  "picking",
  "receiving",
  "removing",
  "repackaging",
  "repairing",
  "replacing",
  "reserving",
  "retail_selling",
  "sampling",
  "sensor_reporting",
  "shipping",
  "staging_outbound",
  "stock_taking",
  "stocking",
  "storing",
  "transporting",
  "unloading",
  "unpacking",
  "void_shipping",
];

// CBV 2.0 §7.2 dispositions.
const DISPOSITIONS = [
  "active",
  "available",
  "completeness_inferred",
  "completeness_verified",
  "conformant",
  "container_closed",
  "container_open",
  "damaged",
  "destroyed",
  "dispensed",
  "disposed",
  "encoded",
  "expired",
  "in_progress",
  "in_transit",
  "inactive",
  "mismatch_class",
  "mismatch_instance",
  "mismatch_quantity",
  "needs_replacement",
  "no_pedigree_match",
  "non_conformant",
  "non_sellable_other",
  "partially_dispensed",
  "recalled",
  "reserved",
  "retail_sold",
  "returned",
  "sellable_accessible",
  "sellable_not_accessible",
  "stolen",
  "unavailable",
  "unknown",
];

// CBV 2.0 §7.3 business transaction types.
const BTT = [
  "bol",
  "cert",
  "desadv",
  "inv",
  "pedigree",
  "po",
  "poc",
  "prodorder",
  "recadv",
  "rma",
  "testprd",
  "testres",
  "upevt",
];

// CBV 2.0 §7.4 source/destination types.
const SDT = ["owning_party", "possessing_party", "location"];

// CBV 2.0 §7.5 error reasons.
const ER = ["did_not_occur", "incorrect_data"];

// CBV 2.0 §7.6 sensor value components.
const COMPONENTS = [
  "x",
  "y",
  "z",
  "axial_distance",
  "azimuth",
  "height",
  "spherical_radius",
  "polar_angle",
  "elevation_angle",
  "easting",
  "northing",
  "latitude",
  "longitude",
  "altitude",
];

// GS1 Web Vocabulary gs1:MeasurementType (EPCIS 2.0 §7.3.7.2 sensorReport type).
const MEASUREMENT_TYPES = [
  "AbsoluteHumidity",
  "AbsorbedDose",
  "AbsorbedDoseRate",
  "Acceleration",
  "Radioactivity",
  "Altitude",
  "AmountOfSubstance",
  "AmountOfSubstancePerUnitVolume",
  "Angle",
  "AngularAcceleration",
  "AngularMomentum",
  "AngularVelocity",
  "Area",
  "Capacitance",
  "Conductance",
  "Conductivity",
  "Count",
  "Density",
  "Dimensionless",
  "DoseEquivalent",
  "DoseEquivalentRate",
  "DynamicViscosity",
  "ElectricCharge",
  "ElectricCurrent",
  "ElectricCurrentDensity",
  "ElectricFieldStrength",
  "Energy",
  "Exposure",
  "Force",
  "Frequency",
  "Illuminance",
  "Inductance",
  "Irradiance",
  "KinematicViscosity",
  "Length",
  "LinearMomentum",
  "Luminance",
  "LuminousFlux",
  "LuminousIntensity",
  "MagneticFlux",
  "MagneticFluxDensity",
  "MagneticVectorPotential",
  "Mass",
  "MassConcentration",
  "MassFlowRate",
  "MassPerAreaTime",
  "MemoryCapacity",
  "MolalityOfSolute",
  "MolarEnergy",
  "MolarMass",
  "MolarVolume",
  "Power",
  "Pressure",
  "RadiantFlux",
  "RadiantIntensity",
  "RelativeHumidity",
  "Resistance",
  "Resistivity",
  "SolidAngle",
  "SpecificVolume",
  "Speed",
  "SurfaceDensity",
  "SurfaceTension",
  "Temperature",
  "Time",
  "Torque",
  "Voltage",
  "Volume",
  "VolumeFlowRate",
  "VolumeFraction",
  "VolumetricFlux",
  "Wavenumber",
];

// GS1 Web Vocabulary gs1:SensorAlertType.
const SENSOR_ALERT_TYPES = ["ALARM_CONDITION", "ERROR_CONDITION"];

/** CBV 2.0 Web URI namespace (CBV 2.0 §6.1) and the EPCIS JSON-LD context's `cbv:` prefix. */
export const CBV_NS = "https://ref.gs1.org/cbv/";
/** GS1 Web Vocabulary namespace (the EPCIS JSON-LD context's `gs1:` prefix). */
export const GS1_VOC_NS = "https://gs1.org/voc/";

interface VocabSpec {
  words: readonly string[];
  /** Web URI: namespace + local prefix (e.g. "https://ref.gs1.org/cbv/BizStep-"). */
  web: string;
  /** CURIE with the standard context prefix (e.g. "cbv:BizStep-"). */
  curie: string;
  /** Legacy URN prefix (CBV 1.2 §7), where one exists. */
  urn?: string;
  /** Namespaces whose URIs are reserved for this kind of vocabulary: a URI there that is not a term is rejected. */
  reserved: readonly string[];
}

// EPCIS 2.0 JSON schema `vocab-other-uri`: a user URI must not lie in the CBV namespaces
// (`urn:epcglobal:cbv`, `ns.gs1.org/cbv/`); we add the CBV 2.0 Web URI namespace, for the
// same reason. `vocab-nonGS1WebVoc-uri` does the same for gs1.org/voc.
const CBV_RESERVED = [
  "urn:epcglobal:cbv:",
  "https://ref.gs1.org/cbv/",
  "http://ref.gs1.org/cbv/",
  "https://ns.gs1.org/cbv/",
  "http://ns.gs1.org/cbv/",
];
const VOC_RESERVED = [
  "https://gs1.org/voc/",
  "http://gs1.org/voc/",
  "https://www.gs1.org/voc/",
  "http://www.gs1.org/voc/",
];

const SPECS: Record<CbvVocabulary, VocabSpec> = {
  bizStep: {
    words: BIZ_STEPS,
    web: `${CBV_NS}BizStep-`,
    curie: "cbv:BizStep-",
    urn: "urn:epcglobal:cbv:bizstep:",
    reserved: CBV_RESERVED,
  },
  disposition: {
    words: DISPOSITIONS,
    web: `${CBV_NS}Disp-`,
    curie: "cbv:Disp-",
    urn: "urn:epcglobal:cbv:disp:",
    reserved: CBV_RESERVED,
  },
  bizTransactionType: {
    words: BTT,
    web: `${CBV_NS}BTT-`,
    curie: "cbv:BTT-",
    urn: "urn:epcglobal:cbv:btt:",
    reserved: CBV_RESERVED,
  },
  sourceDestType: {
    words: SDT,
    web: `${CBV_NS}SDT-`,
    curie: "cbv:SDT-",
    urn: "urn:epcglobal:cbv:sdt:",
    reserved: CBV_RESERVED,
  },
  errorReason: {
    words: ER,
    web: `${CBV_NS}ER-`,
    curie: "cbv:ER-",
    urn: "urn:epcglobal:cbv:er:",
    reserved: CBV_RESERVED,
  },
  // CBV 2.0 defines no URN form for components; the XML binding writes the `cbv:` CURIE.
  component: { words: COMPONENTS, web: `${CBV_NS}Comp-`, curie: "cbv:Comp-", reserved: CBV_RESERVED },
  measurementType: { words: MEASUREMENT_TYPES, web: GS1_VOC_NS, curie: "gs1:", reserved: VOC_RESERVED },
  sensorAlertType: { words: SENSOR_ALERT_TYPES, web: GS1_VOC_NS, curie: "gs1:", reserved: VOC_RESERVED },
};

// Every accepted spelling → bare word, per vocabulary; built once at module load.
const SPELLINGS = new Map<CbvVocabulary, Map<string, string>>();
for (const [vocab, spec] of Object.entries(SPECS) as Array<[CbvVocabulary, VocabSpec]>) {
  const m = new Map<string, string>();
  for (const w of spec.words) {
    m.set(w, w);
    m.set(spec.web + w, w);
    m.set(spec.web.replace("https://", "http://") + w, w);
    m.set(spec.curie + w, w);
    if (spec.urn) m.set(spec.urn + w, w);
  }
  SPELLINGS.set(vocab, m);
}

/** The bare CBV word if `value` is a term of `vocab` in any accepted spelling, else undefined. */
export function cbvWord(vocab: CbvVocabulary, value: string): string | undefined {
  return SPELLINGS.get(vocab)!.get(value);
}

/** True when `word` is a term of `vocab`. */
export function isCbvWord(vocab: CbvVocabulary, word: string): boolean {
  return SPELLINGS.get(vocab)!.get(word) === word;
}

/** The CBV 2.0 Web URI of a term (`https://ref.gs1.org/cbv/BizStep-shipping`). */
export function cbvWebUri(vocab: CbvVocabulary, word: string): string {
  if (!isCbvWord(vocab, word)) throw new TypeError(`${word} is not a CBV ${vocab} term`);
  return SPECS[vocab].web + word;
}

/**
 * The legacy URN of a term (`urn:epcglobal:cbv:bizstep:shipping`), used by the EPCIS XML
 * binding; for vocabularies with no URN form (components, GS1 Web Vocabulary types) the CURIE
 * the XML examples use (`cbv:Comp-x`, `gs1:Temperature`).
 */
export function cbvUrn(vocab: CbvVocabulary, word: string): string {
  if (!isCbvWord(vocab, word)) throw new TypeError(`${word} is not a CBV ${vocab} term`);
  const spec = SPECS[vocab];
  return (spec.urn ?? spec.curie) + word;
}

// RFC 3986 §3.1 scheme, then anything without whitespace: the JSON schema's `format: uri`
// as far as a vocabulary value needs it (CURIEs such as `gs1:Temperature` pass as well).
const URI_RE = /^[A-Za-z][A-Za-z0-9+.-]*:[^\s]+$/;

export function looksLikeUri(value: string): boolean {
  return URI_RE.test(value);
}

/** How a vocabulary-valued field's value classifies. */
export type VocabularyCheck =
  | { ok: true; word?: string }
  | { ok: false; reason: "not-a-term" | "reserved-namespace" | "not-a-uri" };

/**
 * Checks a vocabulary-valued field (EPCIS 2.0 §7.2: "the value SHALL be either a CBV
 * standard term or a URI not in the CBV namespace"): a bare word must be a term; a URI in
 * the vocabulary's reserved namespaces must be a term; any other URI is a user vocabulary.
 */
export function checkVocabularyValue(vocab: CbvVocabulary, value: string): VocabularyCheck {
  const word = cbvWord(vocab, value);
  if (word !== undefined) return { ok: true, word };
  if (!value.includes(":")) return { ok: false, reason: "not-a-term" };
  if (!URI_RE.test(value)) return { ok: false, reason: "not-a-uri" };
  for (const ns of SPECS[vocab].reserved) if (value.startsWith(ns)) return { ok: false, reason: "reserved-namespace" };
  return { ok: true };
}

/** The bare word for a CBV term in any spelling, else the value unchanged (for comparison and JSON-LD output). */
export function toCbvWordOrSelf(vocab: CbvVocabulary, value: string): string {
  return cbvWord(vocab, value) ?? value;
}

/** The terms of a vocabulary (for documentation and tests). */
export function cbvTerms(vocab: CbvVocabulary): readonly string[] {
  return SPECS[vocab].words;
}
