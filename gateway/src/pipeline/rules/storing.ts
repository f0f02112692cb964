/** CBV 2.0 §7.1 storing / §7.2 sellable_not_accessible: goods put away in a storage area. */

import { createObserveRule, type ObserveOptions, parseObserveOptions } from "./observe.ts";
import type { RuleModule } from "./rule.ts";

export const storingRule: RuleModule<ObserveOptions> = {
  name: "storing",
  parseOptions: (r) => parseObserveOptions(r, { bizStep: "storing", disposition: "sellable_not_accessible" }),
  create: createObserveRule,
};
