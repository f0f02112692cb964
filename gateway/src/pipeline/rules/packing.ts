/** Packing: AggregationEvent ADD (EPCIS 2.0 §7.4.3), CBV 2.0 §7.1 packing, §7.2 in_progress. */
import { type AggregationOptions, createAggregationRule, parseAggregationOptions } from "./aggregation.ts";
import type { RuleModule } from "./rule.ts";

export const packingRule: RuleModule<AggregationOptions> = {
  name: "packing",
  parseOptions: (r, rp) =>
    parseAggregationOptions(r, rp, { action: "ADD", bizStep: "packing", disposition: "in_progress" }),
  create: createAggregationRule,
};
