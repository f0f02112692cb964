/** CBV 2.0 §7.1 inspecting / §7.2 conformant (configure non_conformant at a rejection station). */

import { createObserveRule, type ObserveOptions, parseObserveOptions } from "./observe.ts";
import type { RuleModule } from "./rule.ts";

export const inspectingRule: RuleModule<ObserveOptions> = {
  name: "inspecting",
  parseOptions: (r) => parseObserveOptions(r, { bizStep: "inspecting", disposition: "conformant" }),
  create: createObserveRule,
};
