/**
 * fast-check arbitraries for the EPCIS 2.0 model (test support only: imported by tests,
 * never by product code). They reach every field of `../epcis/model.ts`, every JSON scalar
 * type of an extension value, absent and empty lists, -0, NaN and infinities, and any
 * well-formed Unicode string; they do not try to be valid EPCIS (that is the validator's
 * business, not the wire format's).
 */
import fc from "fast-check";
import type {
  BizTransaction,
  EpcisDocument,
  EpcisEvent,
  ErrorDeclaration,
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
} from "../epcis/model.ts";

/**
 * One arbitrary per key of T, every key required in the *type*: when the model gains a field,
 * this file stops compiling until the arbitrary covers it (and the round-trip property then
 * checks the converter carries it).
 */
type Complete<T> = { [K in keyof T]-?: fc.Arbitrary<Exclude<T[K], undefined>> };

function rec<T>(model: Complete<T>, requiredKeys: readonly (keyof T)[] = []): fc.Arbitrary<T> {
  return fc.record(model as Record<string, fc.Arbitrary<unknown>>, {
    requiredKeys: requiredKeys as unknown as string[],
    noNullPrototype: true,
  }) as unknown as fc.Arbitrary<T>;
}

/** Any well-formed string (every code point, no lone surrogates). */
export const anyString = fc.string({ unit: "binary", maxLength: 12 });
const strings = fc.array(anyString, { maxLength: 4 });
const key = anyString.filter((k) => k !== "__proto__");

type Attribute = NonNullable<ExtensionElement["attributes"]>[number];
const attribute = rec<Attribute>({ ns: anyString, name: anyString, prefix: anyString, value: anyString }, [
  "name",
  "value",
]);

/** User extension elements, nested a few levels. */
export const extensionElement: fc.Arbitrary<ExtensionElement> = fc.letrec<{
  element: ExtensionElement;
  children: ExtensionElement[];
}>((tie) => ({
  element: rec<ExtensionElement>(
    {
      ns: anyString,
      name: anyString,
      prefix: anyString,
      value: fc.oneof(anyString, fc.double(), fc.boolean(), fc.constant(null)),
      children: tie("children"),
      attributes: fc.array(attribute, { maxLength: 2 }),
      inArray: fc.boolean(),
    },
    ["ns", "name"],
  ),
  children: fc.oneof(
    { maxDepth: 3, depthIdentifier: "extension" },
    fc.constant(null).map((): ExtensionElement[] => []),
    fc.array(tie("element"), { maxLength: 3 }),
  ),
})).element;

const extensions = fc.array(extensionElement, { maxLength: 3 });

const quantities = fc.array(
  rec<QuantityElement>({ epcClass: anyString, quantity: fc.double(), uom: anyString }, ["epcClass"]),
  {
    maxLength: 3,
  },
);

const location = rec<Location>({ id: anyString, extensions }, ["id"]);
const sourceDest = fc.array(rec<SourceDest>({ type: anyString, id: anyString }, ["type", "id"]), { maxLength: 3 });

const sensorMetadata = rec<SensorMetadata>({
  time: anyString,
  startTime: anyString,
  endTime: anyString,
  deviceID: anyString,
  deviceMetadata: anyString,
  rawData: anyString,
  dataProcessingMethod: anyString,
  bizRules: anyString,
  extensions,
});

const sensorReport = rec<SensorReport>({
  type: anyString,
  exception: anyString,
  deviceID: anyString,
  deviceMetadata: anyString,
  rawData: anyString,
  dataProcessingMethod: anyString,
  bizRules: anyString,
  time: anyString,
  microorganism: anyString,
  chemicalSubstance: anyString,
  value: fc.double(),
  component: anyString,
  stringValue: anyString,
  booleanValue: fc.boolean(),
  hexBinaryValue: anyString,
  uriValue: anyString,
  minValue: fc.double(),
  maxValue: fc.double(),
  meanValue: fc.double(),
  sDev: fc.double(),
  percRank: fc.double(),
  percValue: fc.double(),
  uom: anyString,
  coordinateReferenceSystem: anyString,
  extensions,
});

const sensorElement = rec<SensorElement>(
  { sensorMetadata, sensorReport: fc.array(sensorReport, { maxLength: 3 }), extensions },
  ["sensorReport"],
);

/** Any model event: every field may be absent, empty or filled. */
export const epcisEvent: fc.Arbitrary<EpcisEvent> = rec<EpcisEvent>(
  {
    type: fc.constantFrom(
      "ObjectEvent",
      "AggregationEvent",
      "TransactionEvent",
      "TransformationEvent",
      "AssociationEvent",
    ),
    eventTime: anyString,
    eventTimeZoneOffset: anyString,
    recordTime: anyString,
    eventID: anyString,
    certificationInfo: fc.oneof(anyString, strings),
    errorDeclaration: rec<ErrorDeclaration>(
      { declarationTime: anyString, reason: anyString, correctiveEventIDs: strings, extensions },
      ["declarationTime"],
    ),
    action: fc.constantFrom("ADD", "OBSERVE", "DELETE"),
    parentID: anyString,
    epcList: strings,
    quantityList: quantities,
    childEPCs: strings,
    childQuantityList: quantities,
    inputEPCList: strings,
    inputQuantityList: quantities,
    outputEPCList: strings,
    outputQuantityList: quantities,
    transformationID: anyString,
    bizStep: anyString,
    disposition: anyString,
    persistentDisposition: rec<PersistentDisposition>({ set: strings, unset: strings }),
    readPoint: location,
    bizLocation: location,
    bizTransactionList: fc.array(
      rec<BizTransaction>({ type: anyString, bizTransaction: anyString }, ["bizTransaction"]),
      {
        maxLength: 3,
      },
    ),
    sourceList: sourceDest,
    destinationList: sourceDest,
    sensorElementList: fc.array(sensorElement, { maxLength: 2 }),
    ilmd: extensions,
    extensions,
  },
  ["type", "eventTime", "eventTimeZoneOffset"],
);

/** JSON values as JSON.parse makes them (plain objects, no "__proto__" keys). */
export const jsonValue: fc.Arbitrary<unknown> = fc.letrec<{ value: unknown }>((tie) => ({
  value: fc.oneof(
    { maxDepth: 3, depthIdentifier: "json" },
    fc.oneof(fc.constant(null), fc.boolean(), fc.double(), anyString),
    fc.array(tie("value"), { maxLength: 3 }),
    fc.dictionary(key, tie("value"), { maxKeys: 3, noNullPrototype: true }),
  ),
})).value;

type VocabularyAttribute = VocabularyElement["attributes"][number];
const vocabulary = rec<Vocabulary>(
  {
    type: anyString,
    elements: fc.array(
      rec<VocabularyElement>(
        {
          id: anyString,
          attributes: fc.array(
            rec<VocabularyAttribute>({ id: anyString, value: anyString, children: extensions }, ["id"]),
            { maxLength: 3 },
          ),
          children: strings,
        },
        ["id", "attributes"],
      ),
      { maxLength: 3 },
    ),
  },
  ["type", "elements"],
);

/** Any model document. */
export const epcisDocument: fc.Arbitrary<EpcisDocument> = rec<EpcisDocument>(
  {
    kind: fc.constantFrom("EPCISDocument", "EPCISQueryDocument"),
    schemaVersion: anyString,
    creationDate: anyString,
    instanceIdentifier: anyString,
    sender: anyString,
    receiver: anyString,
    context: jsonValue as fc.Arbitrary<NonNullable<unknown>>,
    namespaces: fc.dictionary(key, anyString, { maxKeys: 3, noNullPrototype: true }),
    vocabularies: fc.array(vocabulary, { maxLength: 2 }),
    events: fc.array(epcisEvent, { maxLength: 3 }),
    queryName: anyString,
    subscriptionID: anyString,
    extra: fc.dictionary(key, jsonValue, { maxKeys: 3, noNullPrototype: true }),
  },
  ["kind", "schemaVersion", "events"],
);
