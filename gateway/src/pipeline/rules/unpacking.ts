/** Unpacking: AggregationEvent DELETE (EPCIS 2.0 §7.4.3), CBV 2.0 §7.1 unpacking, §7.2 in_progress. */
import { type AggregationOptions, createAggregationRule, parseAggregationOptions } from "./aggregation.ts";
import type { RuleModule } from "./rule.ts";

export const unpackingRule: RuleModule<AggregationOptions> = {
  name: "unpacking",
  parseOptions: (r, rp) =>
    parseAggregationOptions(r, rp, { action: "DELETE", bizStep: "unpacking", disposition: "in_progress" }),
  create: createAggregationRule,
};
