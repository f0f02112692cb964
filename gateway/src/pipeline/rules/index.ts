/** The rule dispatcher: one module per scan-point rule (issue 4 §2), looked up by configured name. */
import type { RuleName } from "../config.ts";
import { commissioningRule } from "./commissioning.ts";
import { dispensingRule } from "./dispensing.ts";
import { inspectingRule } from "./inspecting.ts";
import { packingRule } from "./packing.ts";
import { receivingRule } from "./receiving.ts";
import { retailSellingRule } from "./retail-selling.ts";
import type { RuleModule } from "./rule.ts";
import { sensorRule } from "./sensor.ts";
import { shippingRule } from "./shipping.ts";
import { storingRule } from "./storing.ts";
import { transformationRule } from "./transformation.ts";
import { unpackingRule } from "./unpacking.ts";

export const RULES: Readonly<Record<RuleName, RuleModule<unknown>>> = {
  commissioning: commissioningRule as RuleModule<unknown>,
  packing: packingRule as RuleModule<unknown>,
  unpacking: unpackingRule as RuleModule<unknown>,
  shipping: shippingRule as RuleModule<unknown>,
  receiving: receivingRule as RuleModule<unknown>,
  storing: storingRule as RuleModule<unknown>,
  inspecting: inspectingRule as RuleModule<unknown>,
  "retail-selling": retailSellingRule as RuleModule<unknown>,
  dispensing: dispensingRule as RuleModule<unknown>,
  transformation: transformationRule as RuleModule<unknown>,
  sensor: sensorRule as RuleModule<unknown>,
};

export type { Rule, RuleContext, RuleModule } from "./rule.ts";
