// npm run bench -- query (issue 3 §8): chains and recalls over a generated ledger of ≥ 1M
// events (lib/supply-chain.ts: harvest lots → concentrate → bottled juice lots → cases →
// pallets → DC → stores → retail sales) in a LevelDB store.
//
// The ledger is cached in the OS temp folder under a version key: the first run generates it
// (ledger_generate_s), later runs reuse it. Chains: QueryEngine.getChain for 500 random sold
// bottles on a freshly opened store and engine (empty event cache: "first time"), then the
// same 500 again (warm). Recall: the forward closure of raw lot R0 through both
// transformation levels.
import { parseCode, parseSignerKey } from "@suyuan/proto";
import { indexRecords } from "../../core/src/index/records.ts";
import { VerifiableLog } from "../../core/src/log/verifiable-log.ts";
import type { GatewayEnrolment, MasterDataReader } from "../../core/src/model.ts";
import { QueryEngine } from "../../core/src/query/engine.ts";
import { LevelStore } from "../../core/src/store/level/level-store.ts";
import { rng } from "./lib/rng.ts";
import { ensureBenchLedger, isSold, JUICE_LOTS, rawLot, UNITS_PER_LOT, unit } from "./lib/supply-chain.ts";
import { median, percentile, report } from "./report.ts";

const BENCH = "query";
const CHAINS = 500;
const RECALLS = 3;

/** Master data the answers name places with; the bench needs no more. */
class BenchMaster implements MasterDataReader {
  partyOfLocation(): string | undefined {
    return "https://id.gs1.org/417/0614141000005";
  }
  location(id: string) {
    return { id, name: id, party: "https://id.gs1.org/417/0614141000005" };
  }
  party(id: string) {
    return { id, name: "Bench Juice Co." };
  }
  product() {
    return undefined;
  }
  gateway(): GatewayEnrolment | undefined {
    return undefined;
  }
}

export async function run(): Promise<void> {
  const { info, fresh, location } = await ensureBenchLedger();
  if (fresh) report(BENCH, "ledger_generate_s", info.generateS, "s");

  const store = new LevelStore(location);
  await store.open();
  const ledger = await VerifiableLog.open({
    store,
    signer: parseSignerKey(info.signerKey),
    verifierKey: info.verifierKey,
    origin: info.origin,
    indexRecords,
  });
  try {
    report(BENCH, "ledger_events", ledger.size(), "events");
    const query = new QueryEngine({ store, ledger, master: new BenchMaster() });

    const random = rng(42);
    const picks: string[] = [];
    while (picks.length < CHAINS) {
      const k = Math.floor(random() * JUICE_LOTS);
      const n = Math.floor(random() * UNITS_PER_LOT);
      if (isSold(n)) picks.push(unit(k, n));
    }
    const times = async (): Promise<{ ms: number[]; steps: number }> => {
      const ms: number[] = [];
      let steps = 0;
      for (const code of picks) {
        const t0 = performance.now();
        const chain = await query.getChain(code);
        ms.push(performance.now() - t0);
        steps += chain.steps.length;
      }
      return { ms: ms.sort((a, b) => a - b), steps };
    };
    const cold = await times();
    report(BENCH, "chain_p50_ms", percentile(cold.ms, 50), "ms");
    report(BENCH, "chain_p99_ms", percentile(cold.ms, 99), "ms");
    report(BENCH, "chain_steps_avg", cold.steps / picks.length, "steps");
    const warm = await times();
    report(BENCH, "chain_warm_p50_ms", percentile(warm.ms, 50), "ms");
    report(BENCH, "chain_warm_p99_ms", percentile(warm.ms, 99), "ms");

    const lot = parseCode(rawLot(0)).canonical;
    // The recall three times, each by a fresh engine (nothing of the walk is cached between
    // them; the store's block cache and the OS page cache are warm after the first): the
    // median is `recall_ms`, the first and the slowest are reported beside it, since a single
    // run on this 2-core machine varies by ±20 %.
    const recallTimes: number[] = [];
    let answer: Awaited<ReturnType<QueryEngine["recall"]>> | undefined;
    for (let r = 0; r < RECALLS; r++) {
      const engine = r === 0 ? query : new QueryEngine({ store, ledger, master: new BenchMaster() });
      const t0 = performance.now();
      answer = await engine.recall({ lots: [lot] });
      recallTimes.push(performance.now() - t0);
    }
    if (answer === undefined) throw new Error("no recall ran");
    report(BENCH, "recall_ms", median(recallTimes), "ms");
    report(BENCH, "recall_first_ms", recallTimes[0]!, "ms");
    report(BENCH, "recall_max_ms", Math.max(...recallTimes), "ms");
    report(BENCH, "recall_units", answer.units.length, "units");
    report(BENCH, "recall_lots", answer.lots.length + answer.lotsDerived.length, "lots");
    report(BENCH, "recall_transformations", answer.transformations.length, "transformations");
  } finally {
    await ledger.close();
    await store.close();
  }
}
