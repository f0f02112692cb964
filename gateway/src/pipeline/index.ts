// The gateway pipeline (issue 4 §2): decode → smoothing → scan-point rules → EPCIS 2.0 events.
export {
  type ConfigReader,
  type DeviceSelector,
  type PipelineConfig,
  parsePipelineConfig,
  type ReadPointConfig,
  RULE_NAMES,
  type RuleName,
} from "./config.ts";
export { createDecoder, type DecodeOutcome, type DecodeRejection, type Decoder, type DecoderStats } from "./decode.ts";
export { createPipeline, type Pipeline, type PipelineDeps, type PipelineStats } from "./pipeline.ts";
export { RULES, type Rule, type RuleContext, type RuleModule } from "./rules/index.ts";
export {
  createSmoother,
  deriveMissTolerance,
  type Smoother,
  type SmootherSpec,
  type SmootherStats,
} from "./smoothing.ts";
export { startTicker, type Ticker, type TickerOptions } from "./ticker.ts";
export { formatEventTime, gs1DateToIso } from "./time.ts";
export type * from "./types.ts";
