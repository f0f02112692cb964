// Test fixtures shared by the batcher, outbox and uplink tests: distinct, valid EPCIS 2.0
// ObjectEvents (one SGTIN each) and a gateway key.
import type { EpcisEvent } from "@suyuan/proto";

/** Event i: an OBSERVE of SGTIN 0614141.107346.<i> (GS1 example company prefix 0614141). */
export function testEvent(i: number, bizStep = "receiving"): EpcisEvent {
  return {
    type: "ObjectEvent",
    eventTime: new Date(Date.UTC(2024, 2, 1, 0, 0, 0) + i * 1000).toISOString(),
    eventTimeZoneOffset: "+08:00",
    action: "OBSERVE",
    epcList: [`urn:epc:id:sgtin:0614141.107346.${i}`],
    bizStep,
    readPoint: { id: "urn:epc:id:sgln:0614141.00777.0" },
  };
}

export function testEvents(from: number, n: number): EpcisEvent[] {
  return Array.from({ length: n }, (_, k) => testEvent(from + k));
}
