/** CBV 2.0 §7.1 receiving / §7.2 in_progress. A unit under an active recall is recorded with disposition recalled (CBV 2.0 §7.2; configurable, e.g. non_sellable_other) and raises an alert (issue 4 §4). */

import { createObserveRule, type ObserveOptions, parseObserveOptions } from "./observe.ts";
import type { RuleModule } from "./rule.ts";

export const receivingRule: RuleModule<ObserveOptions> = {
  name: "receiving",
  parseOptions: (r) =>
    parseObserveOptions(r, { bizStep: "receiving", disposition: "in_progress", recallDisposition: "recalled" }),
  create: createObserveRule,
};
