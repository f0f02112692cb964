// Shared fixture of the recall tests: a memory store, master data with three holder parties,
// a minimal Ledger (keeps events in an array; meta goes to the store in one atomic write),
// and a computeRecall with a known answer.

import { MasterData } from "../master/master-data.ts";
import type { AppendOutcome, Ledger, Principal, StoredEvent } from "../model.ts";
import { MemoryStore } from "../store/memory/memory-store.ts";
import type { MetaPut } from "../store/store.ts";
import { RecallService } from "./recall-service.ts";
import type { RecallAnswer, RecallQuery } from "./types.ts";

// Canonical ids (GS1 Digital Link; check digits per GenSpecs §7.9.1).
export const FARM = "https://id.gs1.org/417/0614141000005"; // urn:epc:id:pgln:0614141.00000
export const RETAIL = "https://id.gs1.org/417/0614141111114"; // urn:epc:id:pgln:0614141.11111
export const DISTRIB = "https://id.gs1.org/417/0614141222223"; // urn:epc:id:pgln:0614141.22222
export const FARM_SITE = "https://id.gs1.org/414/0614141000012"; // urn:epc:id:sgln:0614141.00001.0
export const STORE = "https://id.gs1.org/414/0614141111121"; // urn:epc:id:sgln:0614141.11112.0
export const DC = "https://id.gs1.org/414/0614141222230"; // urn:epc:id:sgln:0614141.22223.0
export const LOT = "https://id.gs1.org/01/10614141073464/10/LOT1"; // urn:epc:class:lgtin:0614141.107346.LOT1

export const OFFICER: Principal = { id: "officer1", role: "recall_officer" };
export const RETAIL_GW: Principal = { id: "tok-gw-retail", role: "gateway", party: RETAIL, gatewayId: "gw-retail" };
export const DISTRIB_GW: Principal = { id: "tok-gw-dc", role: "gateway", party: DISTRIB, gatewayId: "gw-dc" };
export const FARM_PARTNER: Principal = { id: "tok-farm", role: "partner", party: FARM };

export class FakeLedger implements Pick<Ledger, "append" | "indexOf"> {
  readonly events: StoredEvent[] = [];
  constructor(private readonly store: MemoryStore) {}
  async append(items: readonly StoredEvent[], meta: readonly MetaPut[] = []): Promise<AppendOutcome[]> {
    await this.store.append({ entries: [], meta });
    return items.map((s) => {
      const at = this.events.findIndex((e) => e.hashId === s.hashId);
      if (at >= 0) return { status: "duplicate", index: at };
      this.events.push(s);
      return { status: "accepted", index: this.events.length - 1 };
    });
  }
  async indexOf(hashId: string): Promise<number | undefined> {
    const i = this.events.findIndex((e) => e.hashId === hashId);
    return i < 0 ? undefined : i;
  }
}

/** The known answer: 10 units at the store, 2 (listed) at the DC, 18 still at the farm. */
export const ANSWER: RecallAnswer = {
  lots: [LOT],
  units: 30,
  containers: ["https://id.gs1.org/00/106141412345678908"],
  lotsDerived: [],
  holders: [
    { location: STORE, units: 10 },
    { location: DC, units: ["https://id.gs1.org/01/10614141073464/21/1", "https://id.gs1.org/01/10614141073464/21/2"] },
    { location: FARM_SITE, party: FARM, units: 18 },
  ],
};

export async function recallFixture(start = "2024-05-01T08:00:00Z") {
  let t = Date.parse(start);
  const now = () => new Date(t);
  const store = new MemoryStore();
  await store.open();
  const master = new MasterData({ store, now });
  await master.open();
  for (const [id, name] of [
    [FARM, "Farm"],
    [RETAIL, "Retail"],
    [DISTRIB, "Distributor"],
  ] as const) {
    await master.putParty({ id, name });
  }
  await master.putLocation({ id: FARM_SITE, name: "Orchard", party: FARM });
  await master.putLocation({ id: STORE, name: "Store 1", party: RETAIL });
  await master.putLocation({ id: DC, name: "DC", party: DISTRIB });
  const ledger = new FakeLedger(store);
  const queries: RecallQuery[] = [];
  const computeRecall = async (q: RecallQuery) => {
    queries.push(q);
    return ANSWER;
  };
  const make = async () => {
    const s = new RecallService({ ledger, store, master, computeRecall, now });
    await s.open();
    return s;
  };
  const recalls = await make();
  return {
    store,
    master,
    ledger,
    queries,
    recalls,
    reopen: make,
    advance: (ms: number) => {
      t += ms;
    },
  };
}

/** The next `n` items of an iterator, failing after `ms` instead of hanging. */
export async function take<T>(it: AsyncIterator<T>, n: number, ms = 2000): Promise<T[]> {
  const out: T[] = [];
  for (let i = 0; i < n; i++) {
    let timer: NodeJS.Timeout | undefined;
    const step = await Promise.race([
      it.next(),
      new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new Error(`timed out waiting for item ${i + 1} of ${n}`)), ms);
      }),
    ]).finally(() => clearTimeout(timer));
    if (step.done) throw new Error(`stream ended after ${i} items, expected ${n}`);
    out.push(step.value);
  }
  return out;
}

/** True if the iterator yields nothing within `ms`. */
export async function quiet<T>(
  it: AsyncIterator<T>,
  ms = 50,
): Promise<{ pending: Promise<IteratorResult<T>> } | false> {
  const next = it.next();
  const r = await Promise.race([
    next.then(() => "item" as const),
    new Promise<"quiet">((res) => setTimeout(() => res("quiet"), ms)),
  ]);
  return r === "quiet" ? { pending: next } : false;
}
