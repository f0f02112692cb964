/**
 * The drug scenario (issue 5 §2): vaccine production — units marked with a GS1 DataMatrix
 * (01)(21)(10)(17) (GS1 GS §2.1.2, the healthcare primary pack), or for the China market with
 * the 20-digit drug traceability code (药品追溯码) — → case and pallet aggregation (SSCC
 * labels) → cold-chain shipment to a wholesaler → cases to hospitals and pharmacies →
 * dispensing.
 *
 * China-market units carry only the drug code (its structure says nothing about a GTIN or a
 * lot): their lot number is recorded by the line's lot label (ILMD) but no LGTIN links it,
 * so their `lot` is undefined in the ground truth (only `lotNumber`).
 *
 * Company prefixes are China-style (690–699 is GS1 China's range): manufacturer 6923456,
 * wholesaler 6934567, hospitals 6945678, pharmacies 6956789.
 */
import { CLOSE_CODE, CLOSE_SCAN, chunk, labelOf, makeSite, scans, split } from "./build.ts";
import {
  canonicalOf,
  dataMatrixScan,
  gs1Date,
  gs1128Scan,
  lgtinOf,
  makeCnDrugCode,
  makeGtin,
  makeSscc,
  makeSsccIds,
} from "./ids.ts";
import {
  type CommissionAction,
  type DispenseAction,
  type LotSpec,
  type ObjectSpec,
  type Observation,
  type PackAction,
  type ProductSpec,
  type ReceiveAction,
  rng,
  type Scenario,
  type ScenarioParams,
  type SenseAction,
  type ShipAction,
  type SiteSpec,
  Timeline,
  type Timing,
  type UnpackAction,
} from "./model.ts";

export interface DrugOptions extends ScenarioParams {
  /** Share of units for the China market (20-digit drug code), default 0.5. */
  cnShare?: number;
  unitsPerLot?: number;
  unitsPerCase?: number;
  casesPerPallet?: number;
  /** Share of units at a hospital or pharmacy that are dispensed. */
  dispenseShare?: number;
  timing?: Partial<Timing>;
}

export const DRUG_DEFAULTS: ScenarioParams = { units: 400, sites: 3, speed: 20_000, seed: 1 };

const DEFAULT_TIMING: Timing = { rfidDwellMs: 1200, scanIntervalMs: 20, cycleMs: 400, settleMs: 1200 };
const HOUR = 3600_000;
const MFR = "6923456";
const WHOLESALER = "6934567";
const HOSPITALS = "6945678";
const PHARMACIES = "6956789";
const GCP = 7;
const BUSINESS_START = "2024-09-02T08:00:00+08:00";
/** 药品标识码 of the China-market pack (invented; structure per NMPA/T 2002-2019). */
const CN_PRODUCT_CODE = "8612345";

export function buildDrug(opts: Partial<DrugOptions> = {}): Scenario {
  const p: ScenarioParams = {
    units: opts.units ?? DRUG_DEFAULTS.units,
    sites: opts.sites ?? DRUG_DEFAULTS.sites,
    speed: opts.speed ?? DRUG_DEFAULTS.speed,
    seed: opts.seed ?? DRUG_DEFAULTS.seed,
  };
  const timing: Timing = { ...DEFAULT_TIMING, ...opts.timing };
  const random = rng(p.seed);
  const nUnits = Math.max(1, p.units);
  const nOutlets = Math.max(1, p.sites);
  const cnShare = opts.cnShare ?? 0.5;
  const perLot = opts.unitsPerLot ?? 2500;
  const perCase = opts.unitsPerCase ?? 20;
  const perPallet = opts.casesPerPallet ?? 20;
  const dispenseShare = opts.dispenseShare ?? 0.7;
  const gap = (hours: number) => Math.max(200, Math.round((hours * HOUR) / p.speed));
  const day0 = new Date(BUSINESS_START);
  const expiry = gs1Date(new Date(day0.getTime() + 730 * 24 * HOUR));

  const gtin = makeGtin(MFR, 30001);
  const products: ProductSpec[] = [
    {
      id: `https://id.gs1.org/01/${gtin}`,
      gtin,
      name: "冻干人用狂犬病疫苗 (Vero 细胞) 1 剂 (rabies vaccine, freeze-dried, 1 dose)",
      category: "drug",
      party: "",
      attributes: { strength: "≥2.5 IU", market: "export" },
      storageTemperature: { min: 2, max: 8 },
      approvalNumber: "国药准字S20990001",
      dosageForm: "注射剂 (injection)",
    },
    {
      id: `urn:suyuan:cn-drug-product:${CN_PRODUCT_CODE}`,
      cnProductCode: CN_PRODUCT_CODE,
      name: "流感病毒裂解疫苗 0.5 mL (influenza vaccine, split virion, 0.5 mL)",
      category: "drug",
      party: "",
      attributes: { market: "CN" },
      storageTemperature: { min: 2, max: 8 },
      approvalNumber: "国药准字S20990002",
      dosageForm: "注射剂 (injection)",
    },
  ];

  const manufacturer = makeSite({
    id: "manufacturer",
    role: "manufacturer",
    companyPrefix: MFR,
    partyRef: 0,
    locationRef: 1,
    partyName: "华康生物制品股份有限公司 (Huakang Biologics)",
    locationName: "长春疫苗生产基地 (Changchun vaccine plant)",
    address: { countryCode: "CN", province: "吉林省", city: "长春市" },
    devices: [
      { id: "line-scanner", kind: "serial-barcode", suffix: "CR" },
      { id: "case-scanner", kind: "serial-barcode", suffix: "CR" },
      { id: "pallet-scanner", kind: "serial-barcode", suffix: "CR" },
      { id: "dispatch-scanner", kind: "serial-barcode", suffix: "CRLF" },
    ],
    readPoints: [
      {
        id: "line-1",
        rule: "commissioning",
        name: "包装线 1 (packaging line 1)",
        devices: [{ deviceId: "line-scanner" }],
      },
      {
        id: "case-packing",
        rule: "packing",
        name: "装箱 (case aggregation)",
        devices: [{ deviceId: "case-scanner" }],
        closeCodes: [CLOSE_CODE],
      },
      {
        id: "palletizing",
        rule: "packing",
        name: "码垛 (pallet aggregation)",
        devices: [{ deviceId: "pallet-scanner" }],
        closeCodes: [CLOSE_CODE],
        // Pallet label, then the cases' SSCC labels, then close: the case labels are children of
        // the open pallet, not new containers (gateway packing rule, nested packing).
        options: { childContainers: true },
      },
      { id: "dispatch", rule: "shipping", name: "发货 (dispatch)", devices: [{ deviceId: "dispatch-scanner" }] },
    ],
  });
  const wholesaler = makeSite({
    id: "wholesaler",
    role: "wholesaler",
    companyPrefix: WHOLESALER,
    partyRef: 0,
    locationRef: 10,
    partyName: "国瑞医药 (Guorui Pharma Distribution)",
    locationName: "沈阳医药冷库 (Shenyang cold store)",
    address: { countryCode: "CN", province: "辽宁省", city: "沈阳市" },
    devices: [
      { id: "receiving-scanner", kind: "serial-barcode", suffix: "CR" },
      { id: "breakdown-scanner", kind: "serial-barcode", suffix: "CR" },
      { id: "dispatch-scanner", kind: "serial-barcode", suffix: "CR" },
      { id: "reefer-logger-1", kind: "mqtt-logger" },
    ],
    readPoints: [
      { id: "goods-in", rule: "receiving", name: "收货 (goods in)", devices: [{ deviceId: "receiving-scanner" }] },
      {
        id: "cold-chain",
        rule: "sensor",
        name: "冷链记录仪 (cold-chain loggers)",
        devices: [{ deviceId: "reefer-logger-1" }],
        options: { attachTo: ["goods-in"], windowMs: 24 * HOUR, standalone: false },
      },
      {
        id: "breakdown",
        rule: "unpacking",
        name: "拆托 (pallet breakdown)",
        devices: [{ deviceId: "breakdown-scanner" }],
        closeCodes: [CLOSE_CODE],
      },
      { id: "dispatch", rule: "shipping", name: "发货 (dispatch)", devices: [{ deviceId: "dispatch-scanner" }] },
    ],
  });
  const outlets: SiteSpec[] = [];
  for (let i = 1; i <= nOutlets; i++) {
    const hospital = i % 2 === 1;
    const n = Math.ceil(i / 2);
    outlets.push(
      makeSite({
        id: hospital ? `hospital-${n}` : `pharmacy-${n}`,
        role: hospital ? "hospital" : "pharmacy",
        companyPrefix: hospital ? HOSPITALS : PHARMACIES,
        partyRef: n,
        locationRef: 100 + n,
        partyName: hospital
          ? `第 ${n} 人民医院 (People's Hospital No. ${n})`
          : `康民大药房 ${n} 店 (Kangmin Pharmacy ${n})`,
        locationName: hospital
          ? `第 ${n} 人民医院药剂科 (hospital ${n} pharmacy dept.)`
          : `康民大药房 ${n} 店 (pharmacy ${n})`,
        address: { countryCode: "CN", province: "辽宁省", city: "沈阳市" },
        devices: [
          { id: "receiving-scanner", kind: "serial-barcode", suffix: "CR" },
          { id: "shelf-scanner", kind: "serial-barcode", suffix: "CR" },
          { id: "counter-scanner", kind: "serial-barcode", suffix: "CR" },
        ],
        readPoints: [
          { id: "goods-in", rule: "receiving", name: "收货 (goods in)", devices: [{ deviceId: "receiving-scanner" }] },
          {
            id: "shelf",
            rule: "unpacking",
            name: "拆箱上架 (unpack to shelf)",
            devices: [{ deviceId: "shelf-scanner" }],
            closeCodes: [CLOSE_CODE],
          },
          {
            id: "counter",
            rule: "dispensing",
            name: hospital ? "门诊接种台 (vaccination desk)" : "柜台 (counter)",
            devices: [{ deviceId: "counter-scanner" }],
          },
        ],
      }),
    );
  }
  for (const pr of products) pr.party = manufacturer.party.canonical;

  const objects = new Map<string, ObjectSpec>();
  const lots: LotSpec[] = [];
  const t = new Timeline(timing);

  // ---- production: lots, unit marking (commissioning), cases, pallets ----
  // At least two lots (one GS1, one China-market) whenever there are two units.
  const nLots = Math.min(nUnits, Math.max(2, Math.ceil(nUnits / perLot)));
  const lotSizes = split(
    Array.from({ length: nUnits }, (_, i) => i),
    nLots,
  );
  const nCnLots = Math.round(nLots * cnShare);
  let serial = 1;
  let ssccRef = 1;
  const cases: Array<{ id: string; sscc: string; units: string[]; ready: number }> = [];
  let lineFree = 0;
  lotSizes.forEach((members, li) => {
    // China-market lots last.
    const cn = li >= nLots - nCnLots;
    const lotNumber = `${cn ? "C" : "V"}${gs1Date(day0)}${String(li + 1).padStart(2, "0")}`;
    const lot = cn ? undefined : lgtinOf(gtin, lotNumber);
    if (lot !== undefined) lots.push({ id: lot, product: products[0]!.id, lotNumber, origin: manufacturer.id });
    const units = members.map(() => {
      const s = serial++;
      if (cn) {
        // Plain Code 128 data: the gateway's parser takes the 20 digits without an AIM prefix.
        const code = makeCnDrugCode(CN_PRODUCT_CODE, s);
        const id = canonicalOf(code);
        objects.set(id, { id, kind: "unit", product: products[1]!.id, lotNumber, scans: [code] });
        return id;
      }
      const sn = String(10_000_000 + s);
      const id = canonicalOf(`(01)${gtin}(21)${sn}`);
      const dm = dataMatrixScan([
        { ai: "01", value: gtin },
        { ai: "21", value: sn },
        { ai: "10", value: lotNumber },
        { ai: "17", value: expiry },
      ]);
      objects.set(id, { id, kind: "unit", product: products[0]!.id, lot: lot!, lotNumber, scans: [dm] });
      return id;
    });
    // The lot label (AI 10 + 17) sets the ILMD of units whose own code carries no lot (the drug code).
    const lotLabel = gs1128Scan([
      { ai: "10", value: lotNumber },
      { ai: "17", value: expiry },
    ]);
    const commission = t.add<CommissionAction>(
      {
        type: "commission",
        site: manufacturer.id,
        readPoint: "line-1",
        units,
        quantities: [],
        ...(lot === undefined ? {} : { lot }),
        lotNumber,
      },
      lineFree,
      scans("line-scanner", [lotLabel, ...units.map((u) => labelOf(objects, u))], timing),
    );
    lineFree = commission.end + gap(0.5);
    for (const group of chunk(units, perCase)) {
      const sscc = makeSscc(MFR, ssccRef++);
      const id = makeSsccIds(sscc, GCP).canonical;
      objects.set(id, { id, kind: "container", scans: [gs1128Scan([{ ai: "00", value: sscc }])] });
      const pack = t.add<PackAction>(
        { type: "pack", site: manufacturer.id, readPoint: "case-packing", container: id, children: group },
        commission.end + gap(0.25),
        scans("case-scanner", [labelOf(objects, id), ...group.map((u) => labelOf(objects, u)), CLOSE_SCAN], timing),
      );
      cases.push({ id, sscc, units: group, ready: pack.end });
    }
  });
  const pallets: Array<{ id: string; sscc: string; cases: typeof cases; ready: number }> = [];
  for (const group of chunk(cases, perPallet)) {
    const sscc = makeSscc(MFR, ssccRef++);
    const id = makeSsccIds(sscc, GCP).canonical;
    objects.set(id, { id, kind: "container", scans: [gs1128Scan([{ ai: "00", value: sscc }])] });
    const pack = t.add<PackAction>(
      {
        type: "pack",
        site: manufacturer.id,
        readPoint: "palletizing",
        container: id,
        children: group.map((c) => c.id),
      },
      Math.max(...group.map((c) => c.ready)) + gap(0.5),
      scans("pallet-scanner", [labelOf(objects, id), ...group.map((c) => labelOf(objects, c.id)), CLOSE_SCAN], timing),
    );
    pallets.push({ id, sscc, cases: group, ready: pack.end });
  }

  // ---- cold-chain shipment to the wholesaler ----
  const shipped = pallets.map((pl) =>
    t.add<ShipAction>(
      {
        type: "ship",
        site: manufacturer.id,
        readPoint: "dispatch",
        objects: [pl.id],
        observed: [pl.id],
        quantities: [],
        to: wholesaler.id,
        destination: wholesaler.location.canonical,
      },
      pl.ready + gap(1),
      scans(
        "dispatch-scanner",
        [
          gs1128Scan([
            { ai: "00", value: pl.sscc },
            { ai: "410", value: wholesaler.location.gln },
          ]),
        ],
        timing,
      ),
    ),
  );
  const departed = Math.max(...shipped.map((x) => x.end));
  const arrival = departed + gap(10);
  const readings = Array.from({ length: 10 }, (_, i) => {
    const at = departed + Math.round(((i + 1) * (arrival - departed)) / 11);
    const excursion = random() < 0.1;
    // Vaccines: 2–8 °C (WHO cold chain); an excursion when the reefer door opens.
    const value = Math.round((excursion ? 8.5 + random() * 2 : 4 + random() * 2) * 10) / 10;
    return { at, type: "Temperature", value, uom: "CEL" };
  });
  const received = pallets.map((pl) =>
    t.add<ReceiveAction>(
      {
        type: "receive",
        site: wholesaler.id,
        readPoint: "goods-in",
        objects: [pl.id],
        observed: [pl.id],
        quantities: [],
        from: manufacturer.id,
      },
      arrival + 200,
      scans("receiving-scanner", [labelOf(objects, pl.id)], timing),
    ),
  );
  t.add<SenseAction>(
    {
      type: "sense",
      site: wholesaler.id,
      readPoint: "cold-chain",
      logger: "reefer-logger-1",
      with: pallets.map((x) => x.id),
      attachedTo: received[0]!.seq,
      readings,
    },
    readings[0]!.at,
    (at): Observation[] => [{ kind: "sensor", at, device: "reefer-logger-1", readings }],
  );
  let broken = 0;
  pallets.forEach((pl, i) => {
    const u = t.add<UnpackAction>(
      {
        type: "unpack",
        site: wholesaler.id,
        readPoint: "breakdown",
        container: pl.id,
        children: pl.cases.map((c) => c.id),
      },
      received[i]!.end + gap(2),
      scans("breakdown-scanner", [labelOf(objects, pl.id), CLOSE_SCAN], timing),
    );
    broken = Math.max(broken, u.end);
  });

  // ---- cases to hospitals and pharmacies; dispensing ----
  cases.forEach((c, i) => {
    const outlet = outlets[i % nOutlets]!;
    const ship = t.add<ShipAction>(
      {
        type: "ship",
        site: wholesaler.id,
        readPoint: "dispatch",
        objects: [c.id],
        observed: [c.id],
        quantities: [],
        to: outlet.id,
        destination: outlet.location.canonical,
      },
      broken + gap(1),
      scans(
        "dispatch-scanner",
        [
          gs1128Scan([
            { ai: "00", value: c.sscc },
            { ai: "410", value: outlet.location.gln },
          ]),
        ],
        timing,
      ),
    );
    const rec = t.add<ReceiveAction>(
      {
        type: "receive",
        site: outlet.id,
        readPoint: "goods-in",
        objects: [c.id],
        observed: [c.id],
        quantities: [],
        from: wholesaler.id,
      },
      ship.end + gap(6),
      scans("receiving-scanner", [labelOf(objects, c.id)], timing),
    );
    const un = t.add<UnpackAction>(
      { type: "unpack", site: outlet.id, readPoint: "shelf", container: c.id, children: c.units },
      rec.end + gap(1),
      scans("shelf-scanner", [labelOf(objects, c.id), CLOSE_SCAN], timing),
    );
    for (const unit of c.units) {
      if (random() >= dispenseShare) continue;
      t.add<DispenseAction>(
        { type: "dispense", site: outlet.id, readPoint: "counter", unit },
        un.end + gap(4),
        scans("counter-scanner", [labelOf(objects, unit)], timing),
      );
    }
  });

  const actions = t.sorted();
  return {
    name: "drug",
    params: p,
    timing,
    businessStart: BUSINESS_START,
    sites: [manufacturer, wholesaler, ...outlets],
    products,
    lots,
    objects,
    actions,
    durationMs: actions.reduce((m, a) => Math.max(m, a.end), 0),
  };
}
