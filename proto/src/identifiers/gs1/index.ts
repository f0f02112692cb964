// GS1 syntax: Application Identifier dictionary, element strings, AIM scan data and GS1
// Digital Link URIs.
export {
  type AiComponent,
  type AiEntry,
  aiEntries,
  getAiEntry,
  isDlPrimaryKey,
  lookupAi,
} from "./ai-dictionary.ts";
export { AI_DICTIONARY_RELEASE } from "./ai-table.generated.ts";
export { gs1CheckDigit, gs1CheckPair, hasValidGs1CheckDigit } from "./check-digit.ts";
export {
  buildDigitalLink,
  CANONICAL_DL_STEM,
  type DigitalLinkOptions,
  type ParsedDigitalLink,
  parseDigitalLink,
} from "./digital-link.ts";
export {
  FNC1,
  formatBracketed,
  formatUnbracketed,
  GS,
  type Gs1SyntaxOptions,
  needsSeparator,
  parseBracketedAis,
  parseElementString,
  parseUnbracketedAis,
  validateAis,
  validateAiValue,
} from "./element-string.ts";
export { LINTERS, type LintError, type Linter, lint } from "./linters.ts";
export { percentDecode, percentEncode } from "./percent.ts";
export { parseScanData, type ScanData, type Symbology, toScanData } from "./scan-data.ts";
export type { AiValue } from "./types.ts";
