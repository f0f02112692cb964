/**
 * Supply-chain scenarios with ground truth (issue 5 §2): `buildScenario` lays out a scenario's
 * sites, products and timeline; `groundTruth` computes what really happened (unit paths,
 * container contents, lot closures, the events a perfect system records); `setupFor` gives the
 * core's master data and one gateway configuration per site.
 */
import { buildDrug, type DrugOptions } from "./drug.ts";
import { buildFood, type FoodOptions } from "./food.ts";
import type { Scenario } from "./model.ts";

export * from "./drug.ts";
export * from "./food.ts";
export * from "./ground-truth.ts";
export * from "./ids.ts";
export * from "./model.ts";
export * from "./setup.ts";

export type ScenarioName = "food" | "drug";

/** Builds a scenario; unset parameters take the scenario's defaults (FOOD_DEFAULTS, DRUG_DEFAULTS). */
export function buildScenario(name: ScenarioName, params: Partial<FoodOptions> | Partial<DrugOptions> = {}): Scenario {
  if (name === "food") return buildFood(params as Partial<FoodOptions>);
  if (name === "drug") return buildDrug(params as Partial<DrugOptions>);
  throw new TypeError(`buildScenario: unknown scenario "${String(name)}" (food or drug)`);
}
