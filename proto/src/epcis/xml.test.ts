// Unit tests of the EPCIS XML binding (parse and write). Expected values are the literal
// content of the XML snippets below (EPCIS 2.0 §10 / 1.2 layouts) and of the third-party
// documents in ../shared/conformance; round trips are checked with compare.ts.
import { readdirSync, readFileSync } from "node:fs";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { conformancePath, readConformanceJson } from "../../../tests/shared.ts";
import { isSuyuanError, SuyuanError } from "../errors.ts";
import { compareDocuments } from "./compare.ts";
import { parseEpcisJsonLd } from "./jsonld-parse.ts";
import type { EpcisDocument } from "./model.ts";
import { parseEpcisXml } from "./xml-parse.ts";
import { writeEpcisXml } from "./xml-write.ts";

const doc2 = (events: string, ns = "urn:epcglobal:epcis:xsd:2", extra = "") =>
  `<?xml version="1.0" encoding="UTF-8"?>
<epcis:EPCISDocument xmlns:epcis="${ns}" xmlns:ex="https://ex.example.com/epcis/" schemaVersion="2.0" creationDate="2024-01-01T00:00:00Z"${extra}>
  <EPCISBody><EventList>${events}</EventList></EPCISBody>
</epcis:EPCISDocument>`;

function code(f: () => unknown): string {
  try {
    f();
  } catch (e) {
    if (e instanceof SuyuanError) return e.code;
    return `not a SuyuanError: ${String(e)}`;
  }
  return "no error";
}

const HEAD = `<eventTime>2024-03-01T10:00:00.000+01:00</eventTime><eventTimeZoneOffset>+01:00</eventTimeZoneOffset>`;

describe("parseEpcisXml: EPCIS 2.0 event types", () => {
  it("ObjectEvent with every standard field", () => {
    const d = parseEpcisXml(
      doc2(`<ObjectEvent><eventTime>2024-03-01T10:00:00.000+01:00</eventTime>
        <recordTime>2024-03-01T10:00:05Z</recordTime><eventTimeZoneOffset>+01:00</eventTimeZoneOffset>
        <eventID>urn:uuid:1</eventID>
        <errorDeclaration><declarationTime>2024-03-02T00:00:00Z</declarationTime><reason>urn:epcglobal:cbv:er:incorrect_data</reason>
          <correctiveEventIDs><correctiveEventID>urn:uuid:2</correctiveEventID></correctiveEventIDs><ex:why>typo</ex:why></errorDeclaration>
        <certificationInfo>https://cert.example.com/1</certificationInfo>
        <epcList><epc>urn:epc:id:sgtin:0614141.107346.2017</epc><epc> urn:epc:id:sgtin:0614141.107346.2018 </epc></epcList>
        <action>ADD</action>
        <bizStep>urn:epcglobal:cbv:bizstep:commissioning</bizStep>
        <disposition>urn:epcglobal:cbv:disp:active</disposition>
        <readPoint><id>urn:epc:id:sgln:0614141.00777.0</id><ex:door>7</ex:door></readPoint>
        <bizLocation><id>urn:epc:id:sgln:0614141.00888.0</id></bizLocation>
        <bizTransactionList><bizTransaction type="urn:epcglobal:cbv:btt:po">urn:epcglobal:cbv:bt:0614141000005:PO1</bizTransaction><bizTransaction>http://t/2</bizTransaction></bizTransactionList>
        <quantityList><quantityElement><epcClass>urn:epc:class:lgtin:4012345.012345.998877</epcClass><quantity>200.5</quantity><uom>KGM</uom></quantityElement>
          <quantityElement><epcClass>urn:epc:idpat:sgtin:4012345.066666.*</epcClass></quantityElement></quantityList>
        <sourceList><source type="urn:epcglobal:cbv:sdt:owning_party">urn:epc:id:pgln:4012345.00225</source></sourceList>
        <destinationList><destination type="urn:epcglobal:cbv:sdt:location">urn:epc:id:sgln:0614141.00777.0</destination></destinationList>
        <sensorElementList><sensorElement>
          <sensorMetadata time="2024-03-01T09:00:00Z" deviceID="urn:epc:id:giai:4000001.111" ex:batch="b1"/>
          <sensorReport type="gs1:Temperature" value="26.5" uom="CEL" booleanValue="true" minValue="-1E2" ex:note="n"/>
          <ex:extra>x</ex:extra>
        </sensorElement></sensorElementList>
        <persistentDisposition><unset>urn:epcglobal:cbv:disp:completeness_inferred</unset><set>urn:epcglobal:cbv:disp:completeness_verified</set></persistentDisposition>
        <ilmd><ex:lot>L1</ex:lot><ex:dims><ex:w>1</ex:w><ex:h xsi:nil="true" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"/></ex:dims></ilmd>
        <ex:temp unit="C">4</ex:temp><ex:tag>a</ex:tag><ex:tag>b</ex:tag>
      </ObjectEvent>`),
    );
    expect(d.kind).toBe("EPCISDocument");
    expect(d.schemaVersion).toBe("2.0");
    expect(d.creationDate).toBe("2024-01-01T00:00:00Z");
    const e = d.events[0];
    expect(e).toMatchObject({
      type: "ObjectEvent",
      eventTime: "2024-03-01T10:00:00.000+01:00",
      eventTimeZoneOffset: "+01:00",
      recordTime: "2024-03-01T10:00:05Z",
      eventID: "urn:uuid:1",
      certificationInfo: "https://cert.example.com/1",
      epcList: ["urn:epc:id:sgtin:0614141.107346.2017", "urn:epc:id:sgtin:0614141.107346.2018"],
      action: "ADD",
      bizStep: "urn:epcglobal:cbv:bizstep:commissioning",
      disposition: "urn:epcglobal:cbv:disp:active",
      readPoint: {
        id: "urn:epc:id:sgln:0614141.00777.0",
        extensions: [{ ns: "https://ex.example.com/epcis/", name: "door", prefix: "ex", value: "7" }],
      },
      bizLocation: { id: "urn:epc:id:sgln:0614141.00888.0" },
      bizTransactionList: [
        { type: "urn:epcglobal:cbv:btt:po", bizTransaction: "urn:epcglobal:cbv:bt:0614141000005:PO1" },
        { bizTransaction: "http://t/2" },
      ],
      quantityList: [
        { epcClass: "urn:epc:class:lgtin:4012345.012345.998877", quantity: 200.5, uom: "KGM" },
        { epcClass: "urn:epc:idpat:sgtin:4012345.066666.*" },
      ],
      sourceList: [{ type: "urn:epcglobal:cbv:sdt:owning_party", id: "urn:epc:id:pgln:4012345.00225" }],
      destinationList: [{ type: "urn:epcglobal:cbv:sdt:location", id: "urn:epc:id:sgln:0614141.00777.0" }],
      persistentDisposition: {
        unset: ["urn:epcglobal:cbv:disp:completeness_inferred"],
        set: ["urn:epcglobal:cbv:disp:completeness_verified"],
      },
    });
    expect(e?.errorDeclaration).toEqual({
      declarationTime: "2024-03-02T00:00:00Z",
      reason: "urn:epcglobal:cbv:er:incorrect_data",
      correctiveEventIDs: ["urn:uuid:2"],
      extensions: [{ ns: "https://ex.example.com/epcis/", name: "why", prefix: "ex", value: "typo" }],
    });
    const se = e?.sensorElementList?.[0];
    expect(se?.sensorMetadata).toEqual({
      time: "2024-03-01T09:00:00Z",
      deviceID: "urn:epc:id:giai:4000001.111",
      extensions: [{ ns: "https://ex.example.com/epcis/", name: "batch", prefix: "ex", value: "b1" }],
    });
    expect(se?.sensorReport).toEqual([
      {
        type: "gs1:Temperature",
        value: 26.5,
        uom: "CEL",
        booleanValue: true,
        minValue: -100,
        extensions: [{ ns: "https://ex.example.com/epcis/", name: "note", prefix: "ex", value: "n" }],
      },
    ]);
    expect(se?.extensions).toEqual([{ ns: "https://ex.example.com/epcis/", name: "extra", prefix: "ex", value: "x" }]);
    expect(e?.ilmd).toEqual([
      { ns: "https://ex.example.com/epcis/", name: "lot", prefix: "ex", value: "L1" },
      {
        ns: "https://ex.example.com/epcis/",
        name: "dims",
        prefix: "ex",
        children: [
          { ns: "https://ex.example.com/epcis/", name: "w", prefix: "ex", value: "1" },
          { ns: "https://ex.example.com/epcis/", name: "h", prefix: "ex", value: null },
        ],
      },
    ]);
    expect(e?.extensions).toEqual([
      {
        ns: "https://ex.example.com/epcis/",
        name: "temp",
        prefix: "ex",
        value: "4",
        attributes: [{ name: "unit", value: "C" }],
      },
      { ns: "https://ex.example.com/epcis/", name: "tag", prefix: "ex", value: "a", inArray: true },
      { ns: "https://ex.example.com/epcis/", name: "tag", prefix: "ex", value: "b", inArray: true },
    ]);
  });

  it("AggregationEvent, TransactionEvent, TransformationEvent, AssociationEvent", () => {
    const d = parseEpcisXml(
      doc2(`
      <AggregationEvent>${HEAD}<parentID>urn:epc:id:sscc:0614141.1234567890</parentID>
        <childEPCs><epc>urn:epc:id:sgtin:0614141.107346.2017</epc></childEPCs><action>ADD</action>
        <childQuantityList><quantityElement><epcClass>urn:epc:class:lgtin:4012345.012345.998877</epcClass><quantity>10</quantity></quantityElement></childQuantityList>
      </AggregationEvent>
      <TransactionEvent>${HEAD}<bizTransactionList><bizTransaction type="urn:epcglobal:cbv:btt:po">urn:epcglobal:cbv:bt:0614141000005:PO1</bizTransaction></bizTransactionList>
        <parentID>urn:epc:id:sscc:0614141.1234567890</parentID><epcList/><action>DELETE</action></TransactionEvent>
      <TransformationEvent>${HEAD}<inputEPCList><epc>urn:epc:id:sgtin:4012345.011122.25</epc></inputEPCList>
        <outputQuantityList><quantityElement><epcClass>urn:epc:class:lgtin:4012345.077889.L1</epcClass><quantity>3</quantity><uom>KGM</uom></quantityElement></outputQuantityList>
        <transformationID>urn:epc:id:gdti:0614141.12345.400</transformationID><bizStep>urn:epcglobal:cbv:bizstep:transforming</bizStep></TransformationEvent>
      <AssociationEvent>${HEAD}<parentID>urn:epc:id:grai:4012345.55555.987</parentID>
        <childEPCs><epc>urn:epc:id:giai:4000001.12345</epc></childEPCs><action>ADD</action></AssociationEvent>`),
    );
    expect(d.events.map((e) => e.type)).toEqual([
      "AggregationEvent",
      "TransactionEvent",
      "TransformationEvent",
      "AssociationEvent",
    ]);
    expect(d.events[0]).toMatchObject({
      parentID: "urn:epc:id:sscc:0614141.1234567890",
      childEPCs: ["urn:epc:id:sgtin:0614141.107346.2017"],
      childQuantityList: [{ epcClass: "urn:epc:class:lgtin:4012345.012345.998877", quantity: 10 }],
    });
    expect(d.events[1]).toMatchObject({ epcList: [], action: "DELETE" });
    expect(d.events[2]).toMatchObject({
      inputEPCList: ["urn:epc:id:sgtin:4012345.011122.25"],
      outputQuantityList: [{ epcClass: "urn:epc:class:lgtin:4012345.077889.L1", quantity: 3, uom: "KGM" }],
      transformationID: "urn:epc:id:gdti:0614141.12345.400",
    });
    expect(d.events[2]?.action).toBeUndefined();
    expect(d.events[3]).toMatchObject({ parentID: "urn:epc:id:grai:4012345.55555.987", action: "ADD" });
  });

  it("query documents, master data and SBDH header", () => {
    const d =
      parseEpcisXml(`<epcisq:EPCISQueryDocument xmlns:epcisq="urn:epcglobal:epcis-query:xsd:2" xmlns:sbdh="http://www.unece.org/cefact/namespaces/StandardBusinessDocumentHeader" schemaVersion="2.0" creationDate="2024-01-01T00:00:00Z">
      <EPCISHeader><sbdh:StandardBusinessDocumentHeader><sbdh:HeaderVersion>1.0</sbdh:HeaderVersion>
        <sbdh:Sender><sbdh:Identifier Authority="GS1">urn:epc:id:sgln:0353579.00001.0</sbdh:Identifier></sbdh:Sender>
        <sbdh:Receiver><sbdh:Identifier>urn:epc:id:sgln:5012345.00001.0</sbdh:Identifier></sbdh:Receiver>
        <sbdh:DocumentIdentification><sbdh:InstanceIdentifier>1234</sbdh:InstanceIdentifier></sbdh:DocumentIdentification>
      </sbdh:StandardBusinessDocumentHeader>
      <extension><EPCISMasterData><VocabularyList><Vocabulary type="urn:epcglobal:epcis:vtype:BusinessLocation"><VocabularyElementList>
        <VocabularyElement id="urn:epc:id:sgln:0614141.00777.0"><attribute id="urn:epcglobal:cbv:mda#name">DC 7</attribute>
          <children><id>urn:epc:id:sgln:0614141.00777.1</id></children></VocabularyElement>
      </VocabularyElementList></Vocabulary></VocabularyList></EPCISMasterData></extension></EPCISHeader>
      <EPCISBody><epcisq:QueryResults><queryName>SimpleEventQuery</queryName><subscriptionID>s1</subscriptionID>
        <resultsBody><EventList><ObjectEvent>${HEAD}<epcList/><action>OBSERVE</action></ObjectEvent></EventList></resultsBody>
      </epcisq:QueryResults></EPCISBody></epcisq:EPCISQueryDocument>`);
    expect(d).toMatchObject({
      kind: "EPCISQueryDocument",
      queryName: "SimpleEventQuery",
      subscriptionID: "s1",
      sender: "urn:epc:id:sgln:0353579.00001.0",
      receiver: "urn:epc:id:sgln:5012345.00001.0",
      instanceIdentifier: "1234",
      vocabularies: [
        {
          type: "urn:epcglobal:epcis:vtype:BusinessLocation",
          elements: [
            {
              id: "urn:epc:id:sgln:0614141.00777.0",
              attributes: [{ id: "urn:epcglobal:cbv:mda#name", value: "DC 7" }],
              children: ["urn:epc:id:sgln:0614141.00777.1"],
            },
          ],
        },
      ],
    });
    expect(d.events).toHaveLength(1);
    expect(typeof d.extra?.sbdh).toBe("string");
    const again = parseEpcisXml(writeEpcisXml(d));
    expect(compareDocuments(d, again)).toBeUndefined();
  });
});

describe("parseEpcisXml: EPCIS 1.2 upgrade", () => {
  it("lifts extension / baseExtension wrappers to the 2.0 fields", () => {
    const d = parseEpcisXml(
      doc2(
        `<ObjectEvent>${HEAD}
          <baseExtension><eventID>urn:uuid:9</eventID>
            <errorDeclaration><declarationTime>2024-03-02T00:00:00Z</declarationTime></errorDeclaration></baseExtension>
          <epcList/><action>OBSERVE</action>
          <extension><quantityList><quantityElement><epcClass>urn:epc:class:lgtin:4012345.012345.1</epcClass><quantity>5</quantity></quantityElement></quantityList>
            <sourceList><source type="urn:epcglobal:cbv:sdt:location">urn:epc:id:sgln:4012345.00225.0</source></sourceList>
            <ilmd><ex:lot>A</ex:lot></ilmd></extension>
          <ex:user>u</ex:user>
        </ObjectEvent>
        <extension><TransformationEvent>${HEAD}<inputEPCList><epc>urn:epc:id:sgtin:4012345.011122.25</epc></inputEPCList></TransformationEvent></extension>
        <AggregationEvent>${HEAD}<parentID>urn:epc:id:sscc:0614141.1234567890</parentID><childEPCs/><action>ADD</action>
          <extension><childQuantityList><quantityElement><epcClass>urn:epc:class:lgtin:4012345.012345.1</epcClass><quantity>2</quantity></quantityElement></childQuantityList>
          <destinationList><destination type="urn:epcglobal:cbv:sdt:owning_party">urn:epc:id:pgln:0614141.00777</destination></destinationList></extension>
        </AggregationEvent>`,
        "urn:epcglobal:epcis:xsd:1",
      ).replace('schemaVersion="2.0"', 'schemaVersion="1.2"'),
    );
    expect(d.schemaVersion).toBe("2.0");
    expect(d.events.map((e) => e.type)).toEqual(["ObjectEvent", "TransformationEvent", "AggregationEvent"]);
    expect(d.events[0]).toMatchObject({
      eventID: "urn:uuid:9",
      errorDeclaration: { declarationTime: "2024-03-02T00:00:00Z" },
      quantityList: [{ epcClass: "urn:epc:class:lgtin:4012345.012345.1", quantity: 5 }],
      sourceList: [{ type: "urn:epcglobal:cbv:sdt:location", id: "urn:epc:id:sgln:4012345.00225.0" }],
      ilmd: [{ ns: "https://ex.example.com/epcis/", name: "lot", value: "A" }],
      extensions: [{ ns: "https://ex.example.com/epcis/", name: "user", value: "u" }],
    });
    expect(d.events[2]).toMatchObject({
      childQuantityList: [{ epcClass: "urn:epc:class:lgtin:4012345.012345.1", quantity: 2 }],
      destinationList: [{ type: "urn:epcglobal:cbv:sdt:owning_party", id: "urn:epc:id:pgln:0614141.00777" }],
    });
  });

  it("1.x namespace documents are read in any element order (1.2 layout differs from 2.0)", () => {
    const d = parseEpcisXml(
      doc2(`<ObjectEvent><action>ADD</action><epcList/>${HEAD}</ObjectEvent>`, "urn:epcglobal:epcis:xsd:1"),
    );
    expect(d.events[0]?.action).toBe("ADD");
  });

  it("a field given both directly and inside <extension> is a duplicate", () => {
    expect(
      code(() =>
        parseEpcisXml(
          doc2(
            `<ObjectEvent>${HEAD}<epcList/><action>ADD</action><ilmd/><extension><ilmd/></extension></ObjectEvent>`,
            "urn:epcglobal:epcis:xsd:1",
          ),
        ),
      ),
    ).toBe("EPCIS_DUPLICATE_FIELD");
  });
});

describe("parseEpcisXml: structural errors", () => {
  const obj = (inner: string) => doc2(`<ObjectEvent>${inner}</ObjectEvent>`);
  it.each([
    [
      "unknown standard element",
      obj(`${HEAD}<epcList/><action>ADD</action><madeUpField>x</madeUpField>`),
      "EPCIS_UNKNOWN_FIELD",
    ],
    [
      "element of another event type",
      obj(`${HEAD}<parentID>urn:x:1</parentID><epcList/><action>ADD</action>`),
      "EPCIS_UNKNOWN_FIELD",
    ],
    ["wrong order", obj(`<action>ADD</action>${HEAD}<epcList/>`), "EPCIS_ELEMENT_ORDER"],
    [
      "standard element after user extension",
      obj(`${HEAD}<epcList/><ex:a>1</ex:a><action>ADD</action>`),
      "EPCIS_ELEMENT_ORDER",
    ],
    [
      "uom before quantity",
      obj(
        `${HEAD}<epcList/><action>ADD</action><quantityList><quantityElement><epcClass>urn:x:1</epcClass><uom>KGM</uom><quantity>1</quantity></quantityElement></quantityList>`,
      ),
      "EPCIS_ELEMENT_ORDER",
    ],
    [
      "quantity as text",
      obj(
        `${HEAD}<epcList/><action>ADD</action><quantityList><quantityElement><epcClass>urn:x:1</epcClass><quantity>ten</quantity></quantityElement></quantityList>`,
      ),
      "EPCIS_BAD_TYPE",
    ],
    [
      "sensor value not a double",
      obj(
        `${HEAD}<epcList/><action>ADD</action><sensorElementList><sensorElement><sensorReport value="hot"/></sensorElement></sensorElementList>`,
      ),
      "EPCIS_BAD_TYPE",
    ],
    [
      "unknown sensor attribute",
      obj(
        `${HEAD}<epcList/><action>ADD</action><sensorElementList><sensorElement><sensorReport colour="red"/></sensorElement></sensorElementList>`,
      ),
      "EPCIS_UNKNOWN_FIELD",
    ],
    [
      "sensorElement without report",
      obj(
        `${HEAD}<epcList/><action>ADD</action><sensorElementList><sensorElement><sensorMetadata/></sensorElement></sensorElementList>`,
      ),
      "EPCIS_MISSING_FIELD",
    ],
    ["bad action", obj(`${HEAD}<epcList/><action>CREATE</action>`), "EPCIS_BAD_VALUE"],
    [
      "missing eventTime",
      obj(`<eventTimeZoneOffset>+01:00</eventTimeZoneOffset><epcList/><action>ADD</action>`),
      "EPCIS_MISSING_FIELD",
    ],
    ["duplicate field", obj(`${HEAD}<epcList/><epcList/><action>ADD</action>`), "EPCIS_DUPLICATE_FIELD"],
    [
      "source without type",
      obj(`${HEAD}<epcList/><action>ADD</action><sourceList><source>urn:x:1</source></sourceList>`),
      "EPCIS_MISSING_FIELD",
    ],
    ["text in element-only content", obj(`${HEAD}<epcList>junk</epcList><action>ADD</action>`), "EPCIS_BAD_STRUCTURE"],
    ["element inside a text field", obj(`<eventTime><b/></eventTime>`), "EPCIS_BAD_STRUCTURE"],
    ["non-EPCIS root", `<foo xmlns="urn:x"/>`, "EPCIS_BAD_ROOT"],
    ["unsupported event type", doc2(`<QuantityEvent>${HEAD}</QuantityEvent>`), "EPCIS_UNSUPPORTED_EVENT"],
  ])("%s", (_name, xml, expected) => {
    expect(code(() => parseEpcisXml(xml))).toBe(expected);
  });

  it("lenient element order accepts any order in 2.0 documents", () => {
    const d = parseEpcisXml(obj(`<action>ADD</action>${HEAD}<epcList/>`), { elementOrder: "lenient" });
    expect(d.events[0]?.action).toBe("ADD");
  });

  it("qualified EPCIS elements and BOM are accepted", () => {
    const d = parseEpcisXml(
      `\uFEFF<e:EPCISDocument xmlns:e="urn:epcglobal:epcis:xsd:2" schemaVersion="2.0"><e:EPCISBody><e:EventList><e:ObjectEvent>
      <e:eventTime>2024-01-01T00:00:00Z</e:eventTime><e:eventTimeZoneOffset>+00:00</e:eventTimeZoneOffset><e:action>OBSERVE</e:action>
      </e:ObjectEvent></e:EventList></e:EPCISBody></e:EPCISDocument>`,
    );
    expect(d.events[0]?.action).toBe("OBSERVE");
  });

  it("malformed XML reports EPCIS_BAD_XML with line and column", () => {
    try {
      parseEpcisXml(
        `<epcis:EPCISDocument xmlns:epcis="urn:epcglobal:epcis:xsd:2">\n<EPCISBody>\n  <EventList></EPCISBody>`,
      );
      expect.unreachable();
    } catch (e) {
      expect(isSuyuanError(e, "EPCIS_BAD_XML")).toBe(true);
      expect((e as SuyuanError).detail?.line).toBe(3);
      expect((e as SuyuanError).message).toMatch(/line 3/);
    }
  });
});

describe("parseEpcisXml: hostile input", () => {
  const laughs = `<?xml version="1.0"?>
<!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
<!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">]>
<epcis:EPCISDocument xmlns:epcis="urn:epcglobal:epcis:xsd:2"><EPCISBody><EventList><ObjectEvent><eventTime>&lol3;</eventTime></ObjectEvent></EventList></EPCISBody></epcis:EPCISDocument>`;
  it("rejects entity declarations (billion laughs)", () => {
    expect(code(() => parseEpcisXml(laughs))).toBe("EPCIS_BAD_XML");
  });
  it("rejects external entities", () => {
    const xxe = `<!DOCTYPE d SYSTEM "file:///etc/passwd"><epcis:EPCISDocument xmlns:epcis="urn:epcglobal:epcis:xsd:2"/>`;
    expect(code(() => parseEpcisXml(xxe))).toBe("EPCIS_BAD_XML");
  });
  it("rejects undeclared entity references", () => {
    expect(code(() => parseEpcisXml(doc2(`<ObjectEvent><eventTime>&x;</eventTime></ObjectEvent>`)))).toBe(
      "EPCIS_BAD_XML",
    );
  });
  it("accepts a bare DOCTYPE without internal subset (as in GS1 examples)", () => {
    expect(parseEpcisXml(`<!DOCTYPE project>${doc2("").replace(/^<\?xml[^>]*\?>\n/, "")}`).events).toEqual([]);
  });
  it("throws only SuyuanError on arbitrary or mutilated input", () => {
    const base = doc2(
      `<ObjectEvent>${HEAD}<epcList><epc>urn:epc:id:sgtin:0614141.107346.1</epc></epcList><action>ADD</action></ObjectEvent>`,
    );
    fc.assert(
      fc.property(
        fc.oneof(
          fc.string(),
          fc
            .tuple(fc.nat(base.length), fc.nat(40), fc.string({ maxLength: 8 }))
            .map(([i, n, s]) => base.slice(0, i) + s + base.slice(i + n)),
        ),
        (s) => {
          try {
            parseEpcisXml(s);
          } catch (e) {
            if (!(e instanceof SuyuanError)) throw e;
          }
        },
      ),
      { numRuns: 400 },
    );
  });
});

describe("writeEpcisXml", () => {
  it("escapes text and attributes, expands CBV words, writes XSD order", () => {
    const doc: EpcisDocument = {
      kind: "EPCISDocument",
      schemaVersion: "2.0",
      events: [
        {
          type: "TransactionEvent",
          action: "ADD",
          eventTimeZoneOffset: "+00:00",
          eventTime: "2024-01-01T00:00:00Z",
          bizStep: "shipping",
          bizTransactionList: [{ type: "po", bizTransaction: `http://t/?a=1&b="<2>"` }],
          quantityList: [{ epcClass: "urn:epc:class:lgtin:4012345.012345.1", quantity: 1e-7 }],
          extensions: [
            { ns: "urn:x&y", name: "note", value: 'a<b & "c"\r', attributes: [{ name: "k", value: "1\n2" }] },
          ],
        },
      ],
    };
    const xml = writeEpcisXml(doc);
    expect(xml).toContain(
      `<bizTransaction type="urn:epcglobal:cbv:btt:po">http://t/?a=1&amp;b="&lt;2&gt;"</bizTransaction>`,
    );
    expect(xml).toContain("<bizStep>urn:epcglobal:cbv:bizstep:shipping</bizStep>");
    expect(xml).toContain("<quantity>0.0000001</quantity>");
    expect(xml).toContain(`xmlns:ns1="urn:x&amp;y"`);
    expect(xml).toContain(`<ns1:note k="1&#10;2">a&lt;b &amp; "c"&#13;</ns1:note>`);
    // TransactionEventType: bizTransactionList comes right after the common event fields.
    expect(xml.indexOf("<eventTimeZoneOffset>")).toBeLessThan(xml.indexOf("<bizTransactionList>"));
    expect(xml.indexOf("<bizTransactionList>")).toBeLessThan(xml.indexOf("<action>"));
    const back = parseEpcisXml(xml);
    expect(back.events[0]?.bizTransactionList?.[0]?.bizTransaction).toBe(`http://t/?a=1&b="<2>"`);
    expect(back.events[0]?.extensions?.[0]?.value).toBe('a<b & "c"');
    expect(back.events[0]?.extensions?.[0]?.attributes?.[0]?.value).toBe("1\n2");
    expect(back.events[0]?.quantityList?.[0]?.quantity).toBe(1e-7);
  });

  it("rejects characters XML 1.0 cannot carry", () => {
    const doc: EpcisDocument = {
      kind: "EPCISDocument",
      schemaVersion: "2.0",
      events: [{ type: "ObjectEvent", eventTime: "x\u0001", eventTimeZoneOffset: "+00:00", action: "ADD" }],
    };
    expect(code(() => writeEpcisXml(doc))).toBe("EPCIS_BAD_VALUE");
  });

  it("round-trips arbitrary extension text and identifiers", () => {
    const xmlChar = fc
      .string({ unit: "binary", maxLength: 20 })
      .map((s) => s.replace(/[\u0000-\u0008\u000B\u000C\u000E-\u001F\uFFFE\uFFFF\uD800-\uDFFF]/g, "").trim());
    fc.assert(
      fc.property(xmlChar, xmlChar, (a, b) => {
        const doc: EpcisDocument = {
          kind: "EPCISDocument",
          schemaVersion: "2.0",
          events: [
            {
              type: "ObjectEvent",
              eventTime: "2024-01-01T00:00:00Z",
              eventTimeZoneOffset: "+00:00",
              action: "OBSERVE",
              epcList: a === "" ? [] : [a],
              extensions: [{ ns: "https://ex.example.com/", name: "v", value: b }],
            },
          ],
        };
        expect(compareDocuments(doc, parseEpcisXml(writeEpcisXml(doc)))).toBeUndefined();
      }),
      { numRuns: 300 },
    );
  });
});

interface Manifest {
  documents: Array<{ file: string; format: string; expected: string }>;
  openepcis_xml_json_pairs: Array<{ xml: string; json: string }>;
  gs1_xml_json_pairs: Array<{ xml: string; json: string }>;
}
const manifest = readConformanceJson<Manifest>("epcis-examples", "manifest.json");
const read = (f: string) => readFileSync(conformancePath(f), "utf8");
const isDocument = (f: string) => !f.includes("/CaptureJob/");

describe("corpus round trip: parse(write(parse(x))) = parse(x)", () => {
  const xmlFiles = manifest.documents
    .filter((d) => d.format === "XML" && !d.expected.startsWith("INVALID") && isDocument(d.file))
    .map((d) => d.file);
  for (const sub of ["examples", "expected_equal"]) {
    const dir = conformancePath("event-hash", "ralphtro", sub);
    for (const n of readdirSync(dir)) if (n.endsWith(".xml")) xmlFiles.push(`event-hash/ralphtro/${sub}/${n}`);
  }
  it("covers the corpus", () => expect(xmlFiles.length).toBeGreaterThan(80));
  it.each(xmlFiles)("%s", (file) => {
    const a = parseEpcisXml(read(file), { elementOrder: "lenient" });
    const written = writeEpcisXml(a);
    // The writer's output is strict 2.0: it must pass the strict parser.
    const b = parseEpcisXml(written);
    expect(compareDocuments(a, b)).toBeUndefined();
  });
});

// Twins whose upstream content differs (checked by reading both files), with the differing path.
const TWIN_CONTENT_DIFFERS: Record<string, string> = {
  "AggregationEvent_all_possible_fields.xml": "$.instanceIdentifier", // JSON has sender/receiver/instanceIdentifier, XML no SBDH
  "ObjectEvent_all_possible_fields.xml": "$.instanceIdentifier",
  "TransactionEvent_all_possible_fields.xml": "$.instanceIdentifier",
  "TransformationEvent_all_possible_fields.xml": "$.instanceIdentifier",
  "Combination_of_different_event.xml": "$.events[4].errorDeclaration.declarationTime", // 13:00Z vs 14:00Z
  "ObjectEvent_with_comment.xml": "$.events[0].extensions", // JSON rdfs:comment is data, XML has an XML comment
  "epcisDocWithAllGS1Keys.xml": "$.events[0].epcList[2]", // EPC URN vs Digital Link spelling
  "epcisDocWithSensorComponent.xml": "$.events[0].epcList[0]",
  "aggregation_event_all_possible_fields.xml": "$.events[0].sensorElementList[0].sensorReport[0].component",
  "association_event_all_possible_fields.xml": "$.events[0].sensorElementList[0].extensions[5]", // nesting differs
  "transaction_event_all_possible_fields.xml": "$.events[0].sensorElementList[0].extensions[5]",
  "transformation_event_all_possible_fields.xml": "$.events[0].sensorElementList[0].extensions[5]",
  "object_event_all_possible_fields.xml": "$.events[0].action", // OBSERVE vs ADD
  "ErrorDeclarationAndCorrectiveEvent.xml": "$.events[0].inputQuantityList[0].quantity", // xsi:nil vs 500
};

describe("XML and JSON-LD twins give the same model", () => {
  const pairs = [...manifest.openepcis_xml_json_pairs, ...manifest.gs1_xml_json_pairs];
  it.each(pairs.map((p) => [p.xml, p.json]))("%s", (xmlFile, jsonFile) => {
    const x = parseEpcisXml(read(xmlFile), { elementOrder: "lenient" });
    const j = parseEpcisJsonLd(read(jsonFile));
    const diff = compareDocuments(x, j, { crossFormat: true });
    const known = TWIN_CONTENT_DIFFERS[xmlFile.split("/").pop() ?? ""];
    // A listed twin must differ exactly where its content differs, and nowhere earlier.
    if (known === undefined) expect(diff).toBeUndefined();
    else expect(diff?.startsWith(known)).toBe(true);
  });

  const jsonFiles = manifest.documents
    .filter((d) => d.format === "JSON-LD" && !d.expected.startsWith("INVALID") && d.file.includes("/JSON/"))
    .map((d) => d.file);
  it.each(jsonFiles)("JSON-LD → XML → model: %s", (file) => {
    const j = parseEpcisJsonLd(read(file));
    const x = parseEpcisXml(writeEpcisXml(j));
    expect(compareDocuments(j, x, { crossFormat: true })).toBeUndefined();
  });
});
