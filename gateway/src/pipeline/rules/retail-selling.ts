/** CBV 2.0 §7.1 retail_selling / §7.2 retail_sold: one event per unit sold at the POS. */

import { createObserveRule, type ObserveOptions, parseObserveOptions } from "./observe.ts";
import type { RuleModule } from "./rule.ts";

export const retailSellingRule: RuleModule<ObserveOptions> = {
  name: "retail-selling",
  parseOptions: (r) => parseObserveOptions(r, { bizStep: "retail_selling", disposition: "retail_sold", perUnit: true }),
  create: createObserveRule,
};
