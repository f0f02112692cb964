// Frozen index records for representative events. These are the exact records (order included)
// the implementation produced at commit 6802afd, checked by hand against the key layout in
// records.ts (and changed by hand where the layout changed: per-member `lot` records gave way
// to one `lot-m` record per event and lot, `child` records to one per event, and `lot-of`
// records to the lot as the last field of the member's own `id` entry); they pin the output so performance work on canon / records cannot change a byte
// of what the store writes (existing ledgers would otherwise index old and new events apart).
// Written with "|" for ␟ (U+001F) to stay readable. Only the indexes of the layout as frozen
// (IX) are compared.
import { eventHash } from "@suyuan/proto";
import { describe, expect, it } from "vitest";
import type { StoredEvent } from "../model.ts";
import { FIXTURES } from "./golden.fixtures.ts";
import { IX, indexRecords, SEP } from "./records.ts";

type Rec = [index: string, key: string, value: string];

const GOLDEN: Record<keyof typeof FIXTURES, Rec[]> = {
  commissioningWithIlmdLot: [
    [
      "id",
      "https://id.gs1.org/01/10614141073464/21/CA1|2024-06-01T02:00:00.500Z|000000000017",
      "e|O|ADD|commissioning|active|https://id.gs1.org/414/0614141000012|https://id.gs1.org/414/0614141000012/254/12|https://id.gs1.org/414/0614142000028|https://id.gs1.org/417/0614141000005|||https://id.gs1.org/01/10614141073464/10/M1",
    ],
    [
      "id",
      "https://id.gs1.org/01/10614141073464/21/CA2|2024-06-01T02:00:00.500Z|000000000017",
      "e|O|ADD|commissioning|active|https://id.gs1.org/414/0614141000012|https://id.gs1.org/414/0614141000012/254/12|https://id.gs1.org/414/0614142000028|https://id.gs1.org/417/0614141000005|||https://id.gs1.org/01/10614141073464/10/M1",
    ],
    [
      "id",
      "https://id.gs1.org/01/10614141073464/21/CA3|2024-06-01T02:00:00.500Z|000000000017",
      "e|O|ADD|commissioning|active|https://id.gs1.org/414/0614141000012|https://id.gs1.org/414/0614141000012/254/12|https://id.gs1.org/414/0614142000028|https://id.gs1.org/417/0614141000005|||https://id.gs1.org/01/10614141073464/10/M9",
    ],
    [
      "class",
      "https://id.gs1.org/01/10614141073464/10/M1|2024-06-01T02:00:00.500Z|000000000017",
      "q|O|ADD|commissioning|active|https://id.gs1.org/414/0614141000012|https://id.gs1.org/414/0614141000012/254/12|https://id.gs1.org/414/0614142000028|https://id.gs1.org/417/0614141000005||",
    ],
    [
      "lot-m",
      "https://id.gs1.org/01/10614141073464/10/M1|000000000017",
      '["https://id.gs1.org/01/10614141073464/21/CA1","https://id.gs1.org/01/10614141073464/21/CA2"]',
    ],
    [
      "lot-m",
      "https://id.gs1.org/01/10614141073464/10/M9|000000000017",
      '["https://id.gs1.org/01/10614141073464/21/CA3"]',
    ],
    ["loc", "https://id.gs1.org/414/0614141000012/254/12|2024-06-01T02:00:00.500Z|000000000017", "r"],
    ["loc", "https://id.gs1.org/414/0614141000012|2024-06-01T02:00:00.500Z|000000000017", "b"],
    ["time", "2024-06-01T02:00:00.500Z|000000000017", "ObjectEvent"],
    ["rtime", "2024-06-20T01:02:03.004Z|000000000017", "ObjectEvent"],
    ["evid", "urn:uuid:0b0c1d2e-0000-4000-8000-000000000001", "000000000017"],
  ],
  aggregation: [
    [
      "id",
      "https://id.gs1.org/00/106141410000000019|2024-06-01T12:00:00.000Z|000000000018",
      "p|A|ADD|packing|in_progress|https://id.gs1.org/414/0614141000012|https://id.gs1.org/414/0614141000012||||",
    ],
    [
      "id",
      "https://id.gs1.org/01/10614141073464/21/CA1|2024-06-01T12:00:00.000Z|000000000018",
      "c|A|ADD|packing|in_progress|https://id.gs1.org/414/0614141000012|https://id.gs1.org/414/0614141000012|||https://id.gs1.org/00/106141410000000019|",
    ],
    [
      "id",
      "https://id.gs1.org/01/10614141073464/21/CA2|2024-06-01T12:00:00.000Z|000000000018",
      "c|A|ADD|packing|in_progress|https://id.gs1.org/414/0614141000012|https://id.gs1.org/414/0614141000012|||https://id.gs1.org/00/106141410000000019|",
    ],
    [
      "child",
      "https://id.gs1.org/00/106141410000000019|2024-06-01T12:00:00.000Z|000000000018",
      'ADD|["https://id.gs1.org/01/10614141073464/21/CA1","https://id.gs1.org/01/10614141073464/21/CA2"]',
    ],
    [
      "class",
      "https://id.gs1.org/01/10614141073464|2024-06-01T12:00:00.000Z|000000000018",
      "q|A|ADD|packing|in_progress|https://id.gs1.org/414/0614141000012|https://id.gs1.org/414/0614141000012|||https://id.gs1.org/00/106141410000000019|",
    ],
    ["loc", "https://id.gs1.org/414/0614141000012|2024-06-01T12:00:00.000Z|000000000018", "rb"],
    ["time", "2024-06-01T12:00:00.000Z|000000000018", "AggregationEvent"],
    ["rtime", "2024-06-20T01:02:04.000Z|000000000018", "AggregationEvent"],
  ],
  unpackAll: [
    [
      "id",
      "https://id.gs1.org/00/106141410000000019|2024-06-02T04:00:00.000Z|000000000019",
      "p|A|DELETE|unpacking||||||*|",
    ],
    ["child", "https://id.gs1.org/00/106141410000000019|2024-06-02T04:00:00.000Z|000000000019", `DELETE|["*"]`],
    ["time", "2024-06-02T04:00:00.000Z|000000000019", "AggregationEvent"],
    ["rtime", "2024-06-21T00:00:00.000Z|000000000019", "AggregationEvent"],
  ],
  transformation: [
    [
      "id",
      "https://id.gs1.org/01/10614141073464/21/CA1|2024-06-06T00:00:00.000Z|000000000020",
      "i|T||commissioning|||https://id.gs1.org/414/0614141000012|||tid:urn:uuid:t1|",
    ],
    ["xf-in", "tid:urn:uuid:t1|000000000020", "i|https://id.gs1.org/01/10614141073464/21/CA1"],
    [
      "class",
      "https://id.gs1.org/01/10614141073464/10/M1|2024-06-06T00:00:00.000Z|000000000020",
      "i|T||commissioning|||https://id.gs1.org/414/0614141000012|||tid:urn:uuid:t1|",
    ],
    ["xf-in", "tid:urn:uuid:t1|000000000020", "c|https://id.gs1.org/01/10614141073464/10/M1"],
    [
      "id",
      "https://id.gs1.org/01/20614141073461/21/B1|2024-06-06T00:00:00.000Z|000000000020",
      "o|T||commissioning|||https://id.gs1.org/414/0614141000012|||tid:urn:uuid:t1||https://id.gs1.org/01/20614141073461/10/J1",
    ],
    ["xf-out", "tid:urn:uuid:t1|000000000020", "i|https://id.gs1.org/01/20614141073461/21/B1"],
    [
      "id",
      "https://id.gs1.org/01/20614141073461/21/B2|2024-06-06T00:00:00.000Z|000000000020",
      "o|T||commissioning|||https://id.gs1.org/414/0614141000012|||tid:urn:uuid:t1||https://id.gs1.org/01/20614141073461/10/J1",
    ],
    ["xf-out", "tid:urn:uuid:t1|000000000020", "i|https://id.gs1.org/01/20614141073461/21/B2"],
    [
      "class",
      "https://id.gs1.org/01/20614141073461/10/J1|2024-06-06T00:00:00.000Z|000000000020",
      "o|T||commissioning|||https://id.gs1.org/414/0614141000012|||tid:urn:uuid:t1|",
    ],
    ["xf-out", "tid:urn:uuid:t1|000000000020", "c|https://id.gs1.org/01/20614141073461/10/J1"],
    ["xf-out", "tid:urn:uuid:t1|000000000020", "l|https://id.gs1.org/01/20614141073461/10/J1"],
    [
      "lot-m",
      "https://id.gs1.org/01/20614141073461/10/J1|000000000020",
      '["https://id.gs1.org/01/20614141073461/21/B1","https://id.gs1.org/01/20614141073461/21/B2"]',
    ],
    ["loc", "https://id.gs1.org/414/0614141000012|2024-06-06T00:00:00.000Z|000000000020", "r"],
    ["time", "2024-06-06T00:00:00.000Z|000000000020", "TransformationEvent"],
    ["rtime", "2024-06-21T00:00:01.000Z|000000000020", "TransformationEvent"],
  ],
  errorDeclarationWithEventId: [
    [
      "id",
      "https://id.gs1.org/01/10614141073464/21/CA1|2024-06-01T02:00:00.000Z|000000000021",
      "e|O|ADD|commissioning|||||||E",
    ],
    ["time", "2024-06-01T02:00:00.000Z|000000000021", "ObjectEvent"],
    ["rtime", "2024-06-22T00:00:00.000Z|000000000021", "ObjectEvent"],
    ["err", "000000000021", "urn:uuid:0b0c1d2e-0000-4000-8000-000000000001"],
    ["evid", "urn:uuid:0b0c1d2e-0000-4000-8000-000000000001", "000000000021|E"],
  ],
  errorDeclarationByHash: [
    ["id", "https://id.gs1.org/00/106141410000000019|2024-06-01T12:00:00.000Z|000000000022", "p|A|ADD||||||||E"],
    [
      "id",
      "https://id.gs1.org/01/10614141073464/21/CA1|2024-06-01T12:00:00.000Z|000000000022",
      "c|A|ADD|||||||https://id.gs1.org/00/106141410000000019|E",
    ],
    ["time", "2024-06-01T12:00:00.000Z|000000000022", "AggregationEvent"],
    ["rtime", "2024-06-22T00:00:01.000Z|000000000022", "AggregationEvent"],
    [
      "err",
      "000000000022",
      "ni:///sha-256;930dc8b45a3d05b54f5cc53215481195fcfda219b71c155a9676c4bee8dd4cc9?ver=CBV2.0",
    ],
  ],
  digitalLinkIdentified: [
    [
      "id",
      "https://id.gs1.org/01/09506000134352/21/S1|2024-06-03T14:30:00.000Z|000000000023",
      "e|X|ADD|urn:example:step odd|in_transit|urn:example:dock:7|https://id.gs1.org/414/0614141000012/254/7|https://id.gs1.org/414/0614142000029|https://id.gs1.org/417/0614141000005|||https://id.gs1.org/01/09506000134352/10/LOT%2F7",
    ],
    [
      "id",
      "https://id.gs1.org/00/106141410000000019|2024-06-03T14:30:00.000Z|000000000023",
      "e|X|ADD|urn:example:step odd|in_transit|urn:example:dock:7|https://id.gs1.org/414/0614141000012/254/7|https://id.gs1.org/414/0614142000029|https://id.gs1.org/417/0614141000005||",
    ],
    [
      "id",
      "urn:suyuan:cn-drug-code:81234567890123456789|2024-06-03T14:30:00.000Z|000000000023",
      "e|X|ADD|urn:example:step odd|in_transit|urn:example:dock:7|https://id.gs1.org/414/0614141000012/254/7|https://id.gs1.org/414/0614142000029|https://id.gs1.org/417/0614141000005||",
    ],
    [
      "id",
      "urn:epc:id:gid:95100000.12345.400|2024-06-03T14:30:00.000Z|000000000023",
      "e|X|ADD|urn:example:step odd|in_transit|urn:example:dock:7|https://id.gs1.org/414/0614141000012/254/7|https://id.gs1.org/414/0614142000029|https://id.gs1.org/417/0614141000005||",
    ],
    [
      "id",
      "urn:example:thing:1|2024-06-03T14:30:00.000Z|000000000023",
      "e|X|ADD|urn:example:step odd|in_transit|urn:example:dock:7|https://id.gs1.org/414/0614141000012/254/7|https://id.gs1.org/414/0614142000029|https://id.gs1.org/417/0614141000005||",
    ],
    [
      "lot-m",
      "https://id.gs1.org/01/09506000134352/10/LOT%2F7|000000000023",
      '["https://id.gs1.org/01/09506000134352/21/S1"]',
    ],
    ["loc", "https://id.gs1.org/414/0614141000012/254/7|2024-06-03T14:30:00.000Z|000000000023", "r"],
    ["loc", "urn:example:dock:7|2024-06-03T14:30:00.000Z|000000000023", "b"],
    ["time", "2024-06-03T14:30:00.000Z|000000000023", "TransactionEvent"],
    ["rtime", "2024-06-23T00:00:00.000Z|000000000023", "TransactionEvent"],
  ],
};

function stored(name: keyof typeof FIXTURES): StoredEvent {
  const f = FIXTURES[name];
  return {
    v: 1,
    hashId: eventHash(f.event),
    event: f.event,
    provenance: { kind: "core", principal: "t", reason: "t" },
    recordTime: f.recordTime,
  };
}

describe("indexRecords (frozen output)", () => {
  for (const name of Object.keys(FIXTURES) as Array<keyof typeof FIXTURES>) {
    it(`produces exactly the frozen records for ${name}`, () => {
      const want = GOLDEN[name].map(([index, key, value]) => ({
        index,
        key: key.replaceAll("|", SEP),
        value: value.replaceAll("|", SEP),
      }));
      const frozen = new Set<string>(Object.values(IX));
      const run = () => indexRecords(stored(name), FIXTURES[name].index).filter((r) => frozen.has(r.index));
      expect(run()).toStrictEqual(want);
      // Twice: the second run is answered from the identifier caches and must not differ.
      expect(run()).toStrictEqual(want);
    });
  }
});
