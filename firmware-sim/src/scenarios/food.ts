/**
 * The food scenario (issue 5 §2): mango harvest lots at several farms → packhouse (cases
 * commissioned with SGTIN RFID tags, the lot in ILMD; pallets with SSCC tags) → cold-chain
 * transport with a temperature logger → distribution centre (receive, break pallets, build
 * mixed pallets) → juice factory (a TransformationEvent mixing several mango lots into a
 * juice lot) → bottling (bottles with GS1 DataMatrix or Digital Link QR codes, commissioned
 * with the juice lot) → stores (receive, unpack, sell at the POS).
 *
 * GS1 company prefixes are GS1's example prefixes: farms 0950110, packhouse and juice
 * factory (one co-op, two parties) 0614141, distribution centre 9506000, stores 4012345.
 */
import { CLOSE_CODE, CLOSE_SCAN, chunk, labelOf, makeSite, rfid, scans, split, tagOf } from "./build.ts";
import {
  dataMatrixScan,
  digitalLinkQrScan,
  gs1Date,
  gs1128Scan,
  lgtinOf,
  makeGtin,
  makeSgtin,
  makeSscc,
  makeSsccIds,
} from "./ids.ts";
import {
  type CommissionAction,
  type LotSpec,
  type ObjectSpec,
  type Observation,
  type PackAction,
  type ProductSpec,
  type ReceiveAction,
  rng,
  type Scenario,
  type ScenarioParams,
  type SellAction,
  type SenseAction,
  type ShipAction,
  type SiteSpec,
  Timeline,
  type Timing,
  type TransformAction,
  type UnpackAction,
} from "./model.ts";

export interface FoodOptions extends ScenarioParams {
  /** Farms (default: `sites`). */
  farms?: number;
  /** Stores (default: max(1, sites − 1)). */
  stores?: number;
  /** Mango cases (default: `units`). */
  cases?: number;
  /** Juice bottles (default: ⌈units × 10 / 3⌉). */
  bottles?: number;
  /** Juice runs, one TransformationEvent each (default: 2 when there are enough cases, else 1). */
  juiceRuns?: number;
  /** Share of cases that go to stores as fresh fruit (the rest to the juice factory). */
  retailShare?: number;
  /** Share of units at a store sold at the POS. */
  sellShare?: number;
  palletSize?: number;
  bottlesPerCase?: number;
  timing?: Partial<Timing>;
}

export const FOOD_DEFAULTS: ScenarioParams = { units: 60, sites: 3, speed: 20_000, seed: 1 };

const DEFAULT_TIMING: Timing = { rfidDwellMs: 1200, scanIntervalMs: 25, cycleMs: 400, settleMs: 1000 };
const HOUR = 3600_000;
const CO_OP = "0614141";
const DC = "9506000";
const FARMS = "0950110";
const STORES = "4012345";
const GCP = 7;
const BUSINESS_START = "2024-06-01T12:00:00+08:00";

export function buildFood(opts: Partial<FoodOptions> = {}): Scenario {
  const p: ScenarioParams = {
    units: opts.units ?? FOOD_DEFAULTS.units,
    sites: opts.sites ?? FOOD_DEFAULTS.sites,
    speed: opts.speed ?? FOOD_DEFAULTS.speed,
    seed: opts.seed ?? FOOD_DEFAULTS.seed,
  };
  const timing: Timing = { ...DEFAULT_TIMING, ...opts.timing };
  const random = rng(p.seed);
  const nFarms = Math.max(1, opts.farms ?? p.sites);
  const nStores = Math.max(1, opts.stores ?? Math.max(1, p.sites - 1));
  const nCases = Math.max(nFarms, opts.cases ?? p.units);
  const nBottles = Math.max(1, opts.bottles ?? Math.ceil((p.units * 10) / 3));
  const retailShare = opts.retailShare ?? 0.25;
  const sellShare = opts.sellShare ?? 0.6;
  const palletSize = opts.palletSize ?? 20;
  const perCase = opts.bottlesPerCase ?? 12;
  const gap = (hours: number) => Math.max(200, Math.round((hours * HOUR) / p.speed));
  const day0 = new Date(BUSINESS_START);

  // ---- products ----
  const caseGtin = makeGtin(CO_OP, 10734);
  const bottleGtin = makeGtin(CO_OP, 20001);
  const products: ProductSpec[] = [
    {
      id: `https://id.gs1.org/01/${caseGtin}`,
      gtin: caseGtin,
      name: "台农芒果礼盒 5 kg (Tainong mango gift box, 5 kg)",
      category: "food",
      party: "",
      attributes: { variety: "台农一号", netWeight: "5 kg", shelfLifeDays: "14" },
      storageTemperature: { min: 10, max: 13 },
    },
    {
      id: `https://id.gs1.org/01/${bottleGtin}`,
      gtin: bottleGtin,
      name: "芒果汁 1 L (mango juice, 1 L)",
      category: "food",
      party: "",
      attributes: { volume: "1 L", shelfLifeDays: "180" },
      storageTemperature: { min: 0, max: 25 },
    },
  ];

  // ---- sites ----
  const packhouse = makeSite({
    id: "packhouse",
    role: "packhouse",
    companyPrefix: CO_OP,
    partyRef: 1,
    locationRef: 777,
    partyName: "琼南芒果合作社 (Qiongnan Mango Co-op)",
    locationName: "三亚包装厂 (Sanya packhouse)",
    address: { countryCode: "CN", province: "海南省", city: "三亚市" },
    devices: [
      { id: "goods-in-scanner", kind: "serial-barcode", suffix: "CR" },
      { id: "tag-scanner", kind: "serial-barcode", suffix: "CR" },
      { id: "tag-reader", kind: "serial-uhf" },
      { id: "pallet-reader", kind: "serial-uhf" },
      { id: "dispatch-reader", kind: "serial-uhf" },
    ],
    readPoints: [], // set below (destinations need the DC)
  });
  const dc = makeSite({
    id: "dc",
    role: "distribution-centre",
    companyPrefix: DC,
    partyRef: 1,
    locationRef: 101,
    partyName: "华南冷链物流 (South China Cold Chain)",
    locationName: "广州配送中心 (Guangzhou DC)",
    address: { countryCode: "CN", province: "广东省", city: "广州市" },
    devices: [
      { id: "door1-reader", kind: "serial-uhf" },
      { id: "breakdown-scanner", kind: "serial-barcode", suffix: "CR" },
      { id: "build-reader", kind: "serial-uhf" },
      { id: "door2-reader", kind: "serial-uhf" },
      { id: "dispatch-scanner", kind: "serial-barcode", suffix: "CR" },
      { id: "truck-logger-1", kind: "mqtt-logger" },
    ],
    readPoints: [
      { id: "dock-in", rule: "receiving", name: "收货门 1 (dock door 1)", devices: [{ deviceId: "door1-reader" }] },
      {
        id: "cold-chain",
        rule: "sensor",
        name: "冷链记录仪 (cold-chain loggers)",
        devices: [{ deviceId: "truck-logger-1" }],
        options: { attachTo: ["dock-in"], windowMs: 24 * HOUR, standalone: false },
      },
      {
        id: "breakdown",
        rule: "unpacking",
        name: "拆托区 (pallet breakdown)",
        devices: [{ deviceId: "breakdown-scanner" }],
        closeCodes: [CLOSE_CODE],
      },
      { id: "build", rule: "packing", name: "组托区 (mixed pallet build)", devices: [{ deviceId: "build-reader" }] },
      {
        id: "dock-out",
        rule: "shipping",
        name: "发货门 2 (dock door 2)",
        devices: [{ deviceId: "door2-reader" }, { deviceId: "dispatch-scanner" }],
      },
    ],
  });
  const factory = makeSite({
    id: "juice-factory",
    role: "juice-factory",
    companyPrefix: CO_OP,
    partyRef: 2,
    locationRef: 778,
    partyName: "琼南果汁厂 (Qiongnan Juice Works)",
    locationName: "海口果汁厂 (Haikou juice plant)",
    address: { countryCode: "CN", province: "海南省", city: "海口市" },
    devices: [
      { id: "door-reader", kind: "serial-uhf" },
      { id: "breakdown-scanner", kind: "serial-barcode", suffix: "CR" },
      { id: "press-reader", kind: "serial-uhf" },
      { id: "tank-scanner", kind: "serial-barcode", suffix: "CR" },
      { id: "bottling-scanner", kind: "serial-barcode", suffix: "CR" },
      { id: "packing-scanner", kind: "serial-barcode", suffix: "CR" },
      { id: "dispatch-scanner", kind: "serial-barcode", suffix: "CRLF" },
    ],
    readPoints: [], // below (output quantity depends on the run size)
  });
  const farms: SiteSpec[] = [];
  for (let f = 1; f <= nFarms; f++) {
    farms.push(
      makeSite({
        id: `farm-${f}`,
        role: "farm",
        companyPrefix: FARMS,
        partyRef: f,
        locationRef: 100 + f,
        partyName: `芒果园 ${f} 号 (mango farm ${f})`,
        locationName: `芒果园 ${f} 号果园 (orchard ${f})`,
        address: { countryCode: "CN", province: "海南省", city: "三亚市" },
        devices: [
          { id: `farm${f}-handheld`, kind: "mqtt-reader", format: "generic" },
          { id: `farm${f}-gate-scanner`, kind: "serial-barcode", suffix: "CR" },
        ],
        readPoints: [
          {
            id: "harvest",
            rule: "commissioning",
            name: "采收 (harvest)",
            devices: [{ deviceId: `farm${f}-handheld` }],
          },
          {
            id: "gate",
            rule: "shipping",
            name: "园区大门 (farm gate)",
            devices: [{ deviceId: `farm${f}-gate-scanner` }],
            options: { destinations: [{ type: "location", id: packhouse.location.canonical }] },
          },
        ],
      }),
    );
  }
  const stores: SiteSpec[] = [];
  for (let s = 1; s <= nStores; s++) {
    stores.push(
      makeSite({
        id: `store-${s}`,
        role: "store",
        companyPrefix: STORES,
        partyRef: 0,
        locationRef: 41 + s,
        partyName: "惠民连锁超市 (Huimin Retail)",
        locationName: `惠民 ${s} 号店 (Huimin store ${s})`,
        address: { countryCode: "CN", province: "广东省", city: "广州市" },
        devices: [
          { id: "receiving-scanner", kind: "serial-barcode", suffix: "CRLF" },
          { id: "shelf-scanner", kind: "serial-barcode", suffix: "CR" },
          { id: "pos-1", kind: "serial-barcode", suffix: "CR" },
        ],
        readPoints: [
          {
            id: "receiving-bay",
            rule: "receiving",
            name: "收货区 (receiving bay)",
            devices: [{ deviceId: "receiving-scanner" }],
          },
          {
            id: "shelf",
            rule: "unpacking",
            name: "上架 (shelf replenishment)",
            devices: [{ deviceId: "shelf-scanner" }],
            closeCodes: [CLOSE_CODE],
          },
          { id: "pos-1", rule: "retail-selling", name: "收银台 1 (POS lane 1)", devices: [{ deviceId: "pos-1" }] },
        ],
      }),
    );
  }
  packhouse.readPoints = makeSite({
    id: "packhouse",
    role: "packhouse",
    companyPrefix: CO_OP,
    partyRef: 1,
    locationRef: 777,
    partyName: "",
    locationName: "",
    address: packhouse.address,
    devices: [],
    readPoints: [
      { id: "goods-in", rule: "receiving", name: "收货 (goods in)", devices: [{ deviceId: "goods-in-scanner" }] },
      {
        id: "tagging",
        rule: "commissioning",
        name: "贴标赋码 (RFID tagging)",
        devices: [{ deviceId: "tag-scanner" }, { deviceId: "tag-reader" }],
      },
      {
        id: "pallet-tunnel",
        rule: "packing",
        name: "码托通道 (pallet tunnel)",
        devices: [{ deviceId: "pallet-reader" }],
      },
      {
        id: "dispatch",
        rule: "shipping",
        name: "发货门 (dispatch door)",
        devices: [{ deviceId: "dispatch-reader" }],
        options: { destinations: [{ type: "location", id: dc.location.canonical }] },
      },
    ],
  }).readPoints;
  products[0]!.party = packhouse.party.canonical;
  products[1]!.party = factory.party.canonical;

  const objects = new Map<string, ObjectSpec>();
  const lots: LotSpec[] = [];
  const t = new Timeline(timing);

  // ---- farms: harvest lots (class level), shipped to the packhouse ----
  const farmLots = farms.map((farm, i) => {
    const lotNumber = `F${i + 1}-${gs1Date(day0)}`;
    const lot = lgtinOf(caseGtin, lotNumber);
    lots.push({ id: lot, product: products[0]!.id, lotNumber, origin: farm.id });
    const label = gs1128Scan([
      { ai: "01", value: caseGtin },
      { ai: "10", value: lotNumber },
    ]);
    return { farm, lot, lotNumber, label };
  });
  const shippedLots = farmLots.map((fl) => {
    const harvest = t.add<CommissionAction>(
      {
        type: "commission",
        site: fl.farm.id,
        readPoint: "harvest",
        units: [],
        quantities: [{ class: fl.lot, quantity: 1 }],
        lot: fl.lot,
        lotNumber: fl.lotNumber,
      },
      0,
      (at) => [
        {
          kind: "mqtt-read",
          at,
          device: `farm${fl.farm.id.slice(5)}-handheld`,
          reads: [{ code: fl.label }],
          intervalMs: 0,
        },
      ],
    );
    const ship = t.add<ShipAction>(
      {
        type: "ship",
        site: fl.farm.id,
        readPoint: "gate",
        objects: [],
        observed: [],
        quantities: [{ class: fl.lot, quantity: 1 }],
        to: packhouse.id,
        destination: packhouse.location.canonical,
      },
      harvest.end + gap(3),
      scans(`farm${fl.farm.id.slice(5)}-gate-scanner`, [fl.label], timing),
    );
    return { ...fl, ship };
  });

  // ---- packhouse: receive the bins, tag cases (lot in ILMD), pallets, dispatch ----
  const casesPerLot = split(
    Array.from({ length: nCases }, (_, i) => i),
    nFarms,
  );
  let serialRef = 1;
  const palletIds: Array<{ id: string; cases: string[]; ready: number }> = [];
  for (const [i, fl] of shippedLots.entries()) {
    const receive = t.add<ReceiveAction>(
      {
        type: "receive",
        site: packhouse.id,
        readPoint: "goods-in",
        objects: [],
        observed: [],
        quantities: [{ class: fl.lot, quantity: 1 }],
        from: fl.farm.id,
      },
      fl.ship.end + gap(4),
      scans("goods-in-scanner", [fl.label], timing),
    );
    const cases = (casesPerLot[i] ?? []).map((n) => {
      const sg = makeSgtin(caseGtin, 100_001 + n, GCP, 2);
      objects.set(sg.canonical, {
        id: sg.canonical,
        kind: "unit",
        product: products[0]!.id,
        lot: fl.lot,
        lotNumber: fl.lotNumber,
        rfidHex: sg.rfidHex,
        // The case's printed GS1 DataMatrix (scanned at the POS).
        scans: [
          dataMatrixScan([
            { ai: "01", value: caseGtin },
            { ai: "21", value: sg.serial },
            { ai: "10", value: fl.lotNumber },
          ]),
        ],
      });
      return sg.canonical;
    });
    if (cases.length === 0) continue;
    // A keyless lot label (AI 10 + AI 11, GS1 GS §3.4.1/§3.4.2) sets the ILMD of the tags that follow.
    const lotLabel = gs1128Scan([
      { ai: "10", value: fl.lotNumber },
      { ai: "11", value: gs1Date(day0) },
    ]);
    const tagging = t.add<CommissionAction>(
      {
        type: "commission",
        site: packhouse.id,
        readPoint: "tagging",
        units: cases,
        quantities: [],
        lot: fl.lot,
        lotNumber: fl.lotNumber,
      },
      receive.end + gap(2),
      (at): Observation[] => [
        { kind: "scan", at, device: "tag-scanner", scans: [lotLabel], intervalMs: timing.scanIntervalMs },
        {
          kind: "rfid",
          at: at + 5 * timing.scanIntervalMs,
          device: "tag-reader",
          tags: cases.map((c) => tagOf(objects, c)),
          dwellMs: timing.rfidDwellMs,
        },
      ],
    );
    for (const group of chunk(cases, palletSize)) {
      const pallet = newPallet(CO_OP, serialRef++);
      const pack = t.add<PackAction>(
        { type: "pack", site: packhouse.id, readPoint: "pallet-tunnel", container: pallet, children: group },
        tagging.end + gap(1),
        rfid(
          "pallet-reader",
          [pallet, ...group].map((x) => tagOf(objects, x)),
          timing,
        ),
      );
      palletIds.push({ id: pallet, cases: group, ready: pack.end });
    }
  }

  function newPallet(prefix: string, ref: number): string {
    const ids = makeSsccIds(makeSscc(prefix, ref), GCP, 0);
    objects.set(ids.canonical, {
      id: ids.canonical,
      kind: "container",
      rfidHex: ids.rfidHex,
      scans: [gs1128Scan([{ ai: "00", value: ids.sscc }])],
    });
    return ids.canonical;
  }

  // Dispatch to the DC on one refrigerated truck carrying a temperature logger.
  const dispatches = palletIds.map((pl) =>
    t.add<ShipAction>(
      {
        type: "ship",
        site: packhouse.id,
        readPoint: "dispatch",
        objects: [pl.id],
        observed: [pl.id, ...pl.cases],
        quantities: [],
        to: dc.id,
        destination: dc.location.canonical,
      },
      pl.ready + gap(1),
      rfid(
        "dispatch-reader",
        [pl.id, ...pl.cases].map((x) => tagOf(objects, x)),
        timing,
      ),
    ),
  );
  const departed = Math.max(...dispatches.map((d) => d.end));
  const arrival = departed + gap(8);
  const nReadings = 12;
  const readings = Array.from({ length: nReadings }, (_, i) => {
    const at = departed + Math.round(((i + 1) * (arrival - departed)) / (nReadings + 1));
    // Mango: 10–13 °C (chilling injury below 10); an occasional excursion when doors open.
    const excursion = random() < 0.15;
    const value = Math.round((excursion ? 14 + random() * 2 : 11 + random() * 1.5) * 10) / 10;
    return { at, type: "Temperature", value, uom: "CEL" };
  });
  const dcReceives = palletIds.map((pl) =>
    t.add<ReceiveAction>(
      {
        type: "receive",
        site: dc.id,
        readPoint: "dock-in",
        objects: [pl.id],
        observed: [pl.id, ...pl.cases],
        quantities: [],
        from: packhouse.id,
      },
      arrival + 200,
      rfid(
        "door1-reader",
        [pl.id, ...pl.cases].map((x) => tagOf(objects, x)),
        timing,
      ),
    ),
  );
  t.add<SenseAction>(
    {
      type: "sense",
      site: dc.id,
      readPoint: "cold-chain",
      logger: "truck-logger-1",
      with: palletIds.map((x) => x.id),
      attachedTo: dcReceives[0]!.seq,
      readings,
    },
    readings[0]!.at,
    (at) => [{ kind: "sensor", at, device: "truck-logger-1", readings }],
  );

  // ---- DC: break the pallets, build mixed pallets for the juice factory and the stores ----
  let broken = 0;
  for (const [i, pl] of palletIds.entries()) {
    const un = t.add<UnpackAction>(
      { type: "unpack", site: dc.id, readPoint: "breakdown", container: pl.id, children: pl.cases },
      dcReceives[i]!.end + gap(1),
      scans("breakdown-scanner", [labelOf(objects, pl.id), CLOSE_SCAN], timing),
    );
    broken = Math.max(broken, un.end);
  }
  const pool = palletIds.flatMap((x) => x.cases);
  shuffle(pool, random);
  const nRetail = Math.min(pool.length - 1, Math.round(pool.length * retailShare));
  const retailCases = pool.slice(0, nRetail);
  const juiceCases = pool.slice(nRetail);
  let dcRef = 1;
  const outbound: Array<{ pallet: string; cases: string[]; to: SiteSpec; ready: number }> = [];
  const build = (cases: string[], to: SiteSpec) => {
    for (const group of chunk(cases, palletSize)) {
      const pallet = newPallet(DC, dcRef++);
      const a = t.add<PackAction>(
        { type: "pack", site: dc.id, readPoint: "build", container: pallet, children: group },
        broken + gap(2),
        rfid(
          "build-reader",
          [pallet, ...group].map((x) => tagOf(objects, x)),
          timing,
        ),
      );
      outbound.push({ pallet, cases: group, to, ready: a.end });
    }
  };
  build(juiceCases, factory);
  split(retailCases, nStores).forEach((cs, i) => {
    build(cs, stores[i]!);
  });
  const arrivals = outbound.map((o) => {
    const shipTo = gs1128Scan([{ ai: "410", value: o.to.location.gln }]);
    const ship = t.add<ShipAction>(
      {
        type: "ship",
        site: dc.id,
        readPoint: "dock-out",
        objects: [o.pallet],
        observed: [o.pallet, ...o.cases],
        quantities: [],
        to: o.to.id,
        destination: o.to.location.canonical,
      },
      o.ready + gap(1),
      (at): Observation[] => [
        // CBV 2.0 §7.4: the ship-to (AI 410) label names the destination of the pallet that follows.
        { kind: "scan", at, device: "dispatch-scanner", scans: [shipTo], intervalMs: timing.scanIntervalMs },
        {
          kind: "rfid",
          at: at + 5 * timing.scanIntervalMs,
          device: "door2-reader",
          tags: [o.pallet, ...o.cases].map((x) => tagOf(objects, x)),
          dwellMs: timing.rfidDwellMs,
        },
      ],
    );
    return { ...o, shipped: ship.end };
  });

  // ---- juice factory: receive, break, press (transformation), bottle, pack, dispatch ----
  const toFactory = arrivals.filter((a) => a.to === factory);
  let inFactory = 0;
  for (const a of toFactory) {
    const r = t.add<ReceiveAction>(
      {
        type: "receive",
        site: factory.id,
        readPoint: "dock-in",
        objects: [a.pallet],
        observed: [a.pallet, ...a.cases],
        quantities: [],
        from: dc.id,
      },
      a.shipped + gap(6),
      rfid(
        "door-reader",
        [a.pallet, ...a.cases].map((x) => tagOf(objects, x)),
        timing,
      ),
    );
    const u = t.add<UnpackAction>(
      { type: "unpack", site: factory.id, readPoint: "breakdown", container: a.pallet, children: a.cases },
      r.end + gap(0.5),
      scans("breakdown-scanner", [labelOf(objects, a.pallet), CLOSE_SCAN], timing),
    );
    inFactory = Math.max(inFactory, u.end);
  }
  // Runs take the cases lot by lot (the press is fed from the cold store in arrival-lot order), so
  // a run mixes neighbouring lots and a recall of one farm's lot reaches only some juice lots.
  const lotRank = new Map(farmLots.map((fl, i) => [fl.lot, i] as const));
  const factoryCases = toFactory
    .flatMap((a) => a.cases)
    .sort((x, y) => (lotRank.get(objects.get(x)?.lot ?? "") ?? 0) - (lotRank.get(objects.get(y)?.lot ?? "") ?? 0));
  const runs = Math.max(1, Math.min(opts.juiceRuns ?? (factoryCases.length >= 8 ? 2 : 1), factoryCases.length));
  const runCases = split(factoryCases, runs);
  const runBottles = split(
    Array.from({ length: nBottles }, (_, i) => i),
    runs,
  );
  const litresPerRun = Math.max(1, Math.ceil(nBottles / runs));
  factory.readPoints = makeSite({
    id: factory.id,
    role: factory.role,
    companyPrefix: CO_OP,
    partyRef: 2,
    locationRef: 778,
    partyName: "",
    locationName: "",
    address: factory.address,
    devices: [],
    readPoints: [
      { id: "dock-in", rule: "receiving", name: "收货门 (dock door)", devices: [{ deviceId: "door-reader" }] },
      {
        id: "breakdown",
        rule: "unpacking",
        name: "拆托区 (pallet breakdown)",
        devices: [{ deviceId: "breakdown-scanner" }],
        closeCodes: [CLOSE_CODE],
      },
      {
        id: "press",
        rule: "transformation",
        name: "榨汁线 (press line)",
        zones: { input: [{ deviceId: "press-reader" }], output: [{ deviceId: "tank-scanner" }] },
        closeCodes: [CLOSE_CODE],
        // EPCIS 2.0 §7.3.3.3: the juice lot as a quantity in litres (UN/CEFACT Rec. 20 LTR).
        options: { outputQuantity: { quantity: litresPerRun, uom: "LTR" } },
      },
      {
        id: "bottling",
        rule: "commissioning",
        name: "灌装线 (bottling line)",
        devices: [{ deviceId: "bottling-scanner" }],
      },
      {
        id: "case-packing",
        rule: "packing",
        name: "装箱 (case packing)",
        devices: [{ deviceId: "packing-scanner" }],
        closeCodes: [CLOSE_CODE],
      },
      { id: "dispatch", rule: "shipping", name: "发货 (dispatch)", devices: [{ deviceId: "dispatch-scanner" }] },
    ],
  }).readPoints;

  const expiry = new Date(day0.getTime() + 180 * 24 * HOUR);
  const bottleCases: Array<{ id: string; sscc: string; bottles: string[]; ready: number }> = [];
  let bottleSerial = 5001;
  let caseRef = 500_001;
  let pressFree = inFactory + gap(2);
  for (let r = 0; r < runs; r++) {
    const lotNumber = `J${r + 1}-${gs1Date(new Date(day0.getTime() + 2 * 24 * HOUR))}`;
    const juiceLot = lgtinOf(bottleGtin, lotNumber);
    lots.push({ id: juiceLot, product: products[1]!.id, lotNumber, origin: factory.id });
    const inputs = runCases[r] ?? [];
    const tankLabel = gs1128Scan([
      { ai: "01", value: bottleGtin },
      { ai: "10", value: lotNumber },
    ]);
    const xf = t.add<TransformAction>(
      {
        type: "transform",
        site: factory.id,
        readPoint: "press",
        transformation: `juice-run-${r + 1}`,
        inputs,
        inputQuantities: [],
        outputs: [],
        outputQuantities: [{ class: juiceLot, quantity: litresPerRun, uom: "LTR" }],
        outputLot: juiceLot,
      },
      pressFree,
      (at): Observation[] => [
        {
          kind: "rfid",
          at,
          device: "press-reader",
          tags: inputs.map((c) => tagOf(objects, c)),
          dwellMs: timing.rfidDwellMs,
        },
        // The tank's lot label (output zone), then close once the input cycles are reported.
        {
          kind: "scan",
          at: at + timing.rfidDwellMs + 3 * timing.cycleMs,
          device: "tank-scanner",
          scans: [tankLabel, CLOSE_SCAN],
          intervalMs: 10 * timing.scanIntervalMs,
        },
      ],
    );
    pressFree = xf.end + timing.settleMs;
    const bottles = (runBottles[r] ?? []).map((n) => {
      const serial = String(bottleSerial++);
      const ais = [
        { ai: "01", value: bottleGtin },
        { ai: "21", value: serial },
        { ai: "10", value: lotNumber },
        { ai: "17", value: gs1Date(expiry) },
      ];
      // Alternate GS1 DataMatrix and a Digital Link QR code (GS1 Digital Link §4; lot before serial in the path).
      const scan =
        n % 2 === 0
          ? dataMatrixScan(ais)
          : digitalLinkQrScan([ais[0]!, ais[2]!, ais[1]!, ais[3]!], "https://qr.qiongnan-juice.example.cn");
      const id = makeSgtin(bottleGtin, Number(serial), GCP).canonical;
      objects.set(id, { id, kind: "unit", product: products[1]!.id, lot: juiceLot, lotNumber, scans: [scan] });
      return id;
    });
    const bottling = t.add<CommissionAction>(
      {
        type: "commission",
        site: factory.id,
        readPoint: "bottling",
        units: bottles,
        quantities: [],
        lot: juiceLot,
        lotNumber,
      },
      xf.end + gap(1),
      scans(
        "bottling-scanner",
        bottles.map((b) => labelOf(objects, b)),
        timing,
      ),
    );
    for (const group of chunk(bottles, perCase)) {
      const sscc = makeSscc(CO_OP, caseRef++);
      const id = makeSsccIds(sscc, GCP).canonical;
      objects.set(id, { id, kind: "container", scans: [gs1128Scan([{ ai: "00", value: sscc }])] });
      const pack = t.add<PackAction>(
        { type: "pack", site: factory.id, readPoint: "case-packing", container: id, children: group },
        bottling.end + gap(0.5),
        scans("packing-scanner", [labelOf(objects, id), ...group.map((b) => labelOf(objects, b)), CLOSE_SCAN], timing),
      );
      bottleCases.push({ id, sscc, bottles: group, ready: pack.end });
    }
  }
  const storeArrivals: Array<{ store: SiteSpec; container: string; children: string[]; at: number }> = [];
  bottleCases.forEach((bc, i) => {
    const store = stores[i % nStores]!;
    // SSCC label with the ship-to GLN (AI 410, GS1 GS §3.7.8) printed at dispatch.
    const label = gs1128Scan([
      { ai: "00", value: bc.sscc },
      { ai: "410", value: store.location.gln },
    ]);
    const ship = t.add<ShipAction>(
      {
        type: "ship",
        site: factory.id,
        readPoint: "dispatch",
        objects: [bc.id],
        observed: [bc.id],
        quantities: [],
        to: store.id,
        destination: store.location.canonical,
      },
      bc.ready + gap(1),
      scans("dispatch-scanner", [label], timing),
    );
    storeArrivals.push({ store, container: bc.id, children: bc.bottles, at: ship.end + gap(5) });
  });
  for (const a of arrivals.filter((x) => x.to !== factory))
    storeArrivals.push({ store: a.to, container: a.pallet, children: a.cases, at: a.shipped + gap(5) });

  // ---- stores: receive, unpack onto the shelf, sell ----
  for (const a of storeArrivals) {
    const r = t.add<ReceiveAction>(
      {
        type: "receive",
        site: a.store.id,
        readPoint: "receiving-bay",
        objects: [a.container],
        observed: [a.container],
        quantities: [],
        from: factory.id,
      },
      a.at,
      scans("receiving-scanner", [labelOf(objects, a.container)], timing),
    );
    const u = t.add<UnpackAction>(
      { type: "unpack", site: a.store.id, readPoint: "shelf", container: a.container, children: a.children },
      r.end + gap(1),
      scans("shelf-scanner", [labelOf(objects, a.container), CLOSE_SCAN], timing),
    );
    const sold = a.children.filter(() => random() < sellShare);
    for (const unit of sold) {
      t.add<SellAction>(
        { type: "sell", site: a.store.id, readPoint: "pos-1", unit },
        u.end + gap(2),
        scans("pos-1", [labelOf(objects, unit)], timing),
      );
    }
  }
  // Receipts at stores come from the DC for fresh-fruit pallets.
  for (const a of t.actions)
    if (a.type === "receive" && a.site.startsWith("store-") && objects.get(a.objects[0]!)?.rfidHex !== undefined)
      a.from = dc.id;

  const actions = t.sorted();
  return {
    name: "food",
    params: p,
    timing,
    businessStart: BUSINESS_START,
    sites: [...farms, packhouse, dc, factory, ...stores],
    products,
    lots,
    objects,
    actions,
    durationMs: actions.reduce((m, a) => Math.max(m, a.end), 0),
  };
}

function shuffle<T>(list: T[], random: () => number): void {
  for (let i = list.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [list[i], list[j]] = [list[j]!, list[i]!];
  }
}
