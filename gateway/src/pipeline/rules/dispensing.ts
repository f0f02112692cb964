/** CBV 2.0 §7.1 dispensing / §7.2 dispensed: one event per unit dispensed at the pharmacy counter. */

import { createObserveRule, type ObserveOptions, parseObserveOptions } from "./observe.ts";
import type { RuleModule } from "./rule.ts";

export const dispensingRule: RuleModule<ObserveOptions> = {
  name: "dispensing",
  parseOptions: (r) => parseObserveOptions(r, { bizStep: "dispensing", disposition: "dispensed", perUnit: true }),
  create: createObserveRule,
};
