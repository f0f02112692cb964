/** CBV 2.0 §7.1 shipping / §7.2 in_transit: goods leave, destination from config or a scanned ship-to (AI 410) or despatch document. */

import { createObserveRule, type ObserveOptions, parseObserveOptions } from "./observe.ts";
import type { RuleModule } from "./rule.ts";

export const shippingRule: RuleModule<ObserveOptions> = {
  name: "shipping",
  parseOptions: (r) => parseObserveOptions(r, { bizStep: "shipping", disposition: "in_transit", scannedContext: true }),
  create: createObserveRule,
};
