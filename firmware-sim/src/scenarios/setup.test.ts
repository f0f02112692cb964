import { generateGatewayKey, isSuyuanError } from "@suyuan/proto";
import { describe, expect, it } from "vitest";
// Compatibility checks against the real validators (tests only: product code imports proto alone).
import { MasterData } from "../../../core/src/master/master-data.ts";
import { MemoryStore } from "../../../core/src/store/memory/memory-store.ts";
import { validateConfig } from "../../../gateway/src/config/config.ts";
import { buildScenario } from "./index.ts";
import { fillTransports, ptyPlaceholder, setupFor } from "./setup.ts";

async function importInto(json: string) {
  const store = new MemoryStore();
  await store.open();
  const md = new MasterData({ store, now: () => new Date("2024-06-01T00:00:00Z") });
  await md.open();
  return { md, summary: await md.importMasterData(json, "json") };
}

describe.each(["food", "drug"] as const)("setup of the %s scenario", (name) => {
  const s = buildScenario(name, name === "drug" ? { units: 200 } : {});

  it("gives one gateway config per site that the gateway's validateConfig accepts", () => {
    const setup = setupFor(s, { dataDir: "/tmp/suyuan-sim" });
    expect(setup.gateways.map((g) => g.site)).toEqual(s.sites.map((x) => x.id));
    for (const g of setup.gateways) {
      const site = s.sites.find((x) => x.id === g.site)!;
      const filled = fillTransports(
        g.config,
        Object.fromEntries(g.serialDevices.map((d, i) => [d.deviceId, `/dev/pts/${100 + i}`])),
        18830,
      );
      const c = validateConfig(filled, { baseDir: "/tmp" });
      expect(c.gatewayId).toBe(`${name}-${site.id}-gw`);
      expect(c.warnings).toEqual([]);
      expect(c.readPointIds).toEqual(site.readPoints.map((r) => r.id));
      expect(c.readPointLocations).toEqual(site.readPoints.map((r) => r.readPoint));
      expect(c.devices.filter((d) => d.kind === "mqtt")).toHaveLength(1);
      // Every device an action observes with is routed to that action's read point.
      for (const a of s.actions.filter((x) => x.site === site.id)) {
        const rp = site.readPoints.find((r) => r.id === a.readPoint)!;
        const routed = [...rp.devices, ...(rp.zones?.input ?? []), ...(rp.zones?.output ?? [])].map((d) => d.deviceId);
        for (const o of a.observations) expect(routed, `${site.id}/${rp.id}`).toContain(o.device);
      }
    }
    // The placeholders are there until the runner fills them.
    const raw = setup.gateways[0]!.config.devices as Array<{ path?: string }>;
    expect(raw[0]!.path).toBe(ptyPlaceholder(s.sites[0]!.id, setup.gateways[0]!.serialDevices[0]!.deviceId));
  });

  it("gives master data the core's importMasterData accepts, with gateways when keys are given", async () => {
    const keys = Object.fromEntries(
      s.sites.map((x) => [x.id, Buffer.from(generateGatewayKey().publicKeyRaw).toString("base64")]),
    );
    const setup = setupFor(s, { gatewayKeys: keys });
    const { md, summary } = await importInto(setup.masterDataJson);
    const parties = new Set(s.sites.map((x) => x.party.canonical));
    expect(summary.parties).toBe(parties.size);
    expect(summary.locations).toBe(s.sites.reduce((n, x) => n + 1 + x.readPoints.length, 0));
    expect(summary.products).toBe(s.products.length);
    expect(summary.gateways).toBe(s.sites.length);
    for (const site of s.sites) {
      expect(md.location(site.location.canonical)?.name).toBe(site.location.name);
      expect(md.partyOfLocation(site.location.canonical)).toBe(site.party.canonical);
    }
    for (const p of s.products) expect(md.getProduct(p.id)?.name).toBe(p.name);
  });
});

describe("setup errors", () => {
  it("fillTransports names a device without a pty; validateConfig refuses a bad rule", () => {
    const s = buildScenario("food");
    const g = setupFor(s).gateways[0]!;
    expect(() => fillTransports(g.config, {})).toThrow(/no pty path/);
    const broken = {
      ...g.config,
      readPoints: [{ id: "x", rule: "pakcing", readPoint: "urn:epc:id:sgln:0614141.00777.1" }],
    };
    try {
      validateConfig(broken, { baseDir: "/tmp" });
      expect.unreachable();
    } catch (e) {
      expect(isSuyuanError(e) && e.code).toBe("CONFIG_INVALID");
    }
  });
});
