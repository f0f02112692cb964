/** One GS1 Application Identifier with its value (GS1 General Specifications §3). */
export interface AiValue {
  /** The AI, 2–4 digits, e.g. "01", "10", "8003". */
  ai: string;
  /** The value as it appears in the element string (no FNC1/GS separators). */
  value: string;
}
