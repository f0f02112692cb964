import type { EpcisEvent } from "@suyuan/proto";
import { describe, expect, it } from "vitest";
import { allowedSet, checkLocationPolicy, LocationCanonicaliser } from "./policy.ts";

// GS1 Digital Link of GLN 0614141073467 (EPC urn:epc:id:sgln:0614141.07346.*): GS1 DL 1.2 §4.
const GLN_DL = "https://id.gs1.org/414/0614141073467";
const owners = new Map<string, string>([
  [GLN_DL, "party:A"],
  ["https://example.com/farm/7", "party:A"],
]);
const master = { partyOfLocation: (id: string) => owners.get(id) };
const scope = { party: "party:A", who: "gateway g" };

function ev(readPoint?: string, bizLocation?: string): EpcisEvent {
  return {
    type: "ObjectEvent",
    eventTime: "2024-03-01T08:00:00.000+08:00",
    eventTimeZoneOffset: "+08:00",
    action: "OBSERVE",
    epcList: ["urn:epc:id:sgtin:0614141.107346.1"],
    ...(readPoint === undefined ? {} : { readPoint: { id: readPoint } }),
    ...(bizLocation === undefined ? {} : { bizLocation: { id: bizLocation } }),
  };
}

describe("location policy", () => {
  const canon = new LocationCanonicaliser();
  const check = (e: EpcisEvent, allowed?: string[]) =>
    checkLocationPolicy(e, "events[0]", master, scope, allowedSet(allowed, canon), canon);

  it("knows a location by any code form, and an SGLN extension by its GLN", () => {
    expect(check(ev("urn:epc:id:sgln:0614141.07346.0"))).toBeUndefined();
    expect(check(ev("urn:epc:id:sgln:0614141.07346.dock-4"))).toBeUndefined();
    expect(check(ev(`${GLN_DL}/254/dock-4`))).toBeUndefined();
    expect(check(ev(undefined, "https://example.com/farm/7"))).toBeUndefined();
  });

  it("names the field of a location of another party or unknown to master data", () => {
    owners.set("https://id.gs1.org/414/0012345111112", "party:B");
    const other = check(ev(GLN_DL, "urn:epc:id:sgln:0012345.11111.0"));
    expect(other?.code).toBe("POLICY_FORBIDDEN");
    expect(other?.field).toBe("events[0].bizLocation");
    expect(other?.message).toContain("party:B");
    const unknown = check(ev("https://example.com/farm/8"));
    expect(unknown?.field).toBe("events[0].readPoint");
  });

  it("holds a gateway to its allowed read points when it has any", () => {
    expect(check(ev("urn:epc:id:sgln:0614141.07346.dock-4"), [`${GLN_DL}/254/dock-4`])).toBeUndefined();
    // A GLN on the list covers its extensions.
    expect(check(ev("urn:epc:id:sgln:0614141.07346.dock-5"), [GLN_DL])).toBeUndefined();
    expect(check(ev("urn:epc:id:sgln:0614141.07346.dock-5"), [`${GLN_DL}/254/dock-4`])?.code).toBe("POLICY_FORBIDDEN");
  });

  it("has nothing to check in an event without locations", () => {
    expect(check(ev())).toBeUndefined();
  });
});
