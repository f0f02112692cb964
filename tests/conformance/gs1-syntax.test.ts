// GS1 Barcode Syntax Dictionary linters, GS1 Syntax Engine element-string and scan-data
// vectors (../shared/conformance/gs1-syntax), run against proto/src/identifiers/gs1.
import { afterAll, describe, expect, it } from "vitest";
import { isSuyuanError } from "../../proto/src/errors.ts";
import {
  formatUnbracketed,
  lint,
  parseBracketedAis,
  parseScanData,
  parseUnbracketedAis,
  type Symbology,
  toScanData,
} from "../../proto/src/identifiers/gs1/index.ts";
import { readConformanceJson } from "../shared.ts";
import { tally } from "./summary.ts";

interface Case {
  id: string;
  valid: boolean;
  input: string;
  engine_options?: string[];
}
interface LinterCase extends Case {
  linter: string;
  expected_error?: string;
  expected_highlight?: string;
}
interface ElementCase extends Case {
  kind: string;
  rule?: string;
  expected?: string;
  expected_linter_error?: string;
  expected_error_markup?: string;
}
interface ScanCase extends Case {
  kind: string;
  symbology?: Symbology;
  expected: string | null;
  expected_symbology?: string;
}

const linterCases = readConformanceJson<{ cases: LinterCase[] }>(
  "gs1-syntax",
  "syntax-dictionary-linter-tests.json",
).cases;
const elementCases = readConformanceJson<{ cases: ElementCase[] }>(
  "gs1-syntax",
  "syntax-engine-ai-element-strings.json",
).cases;
const scanCases = readConformanceJson<{ cases: ScanCase[] }>("gs1-syntax", "syntax-engine-scan-data.json").cases;

const t = tally("gs1-syntax");
afterAll(() => t.print());

const has = (c: Case, opt: string): boolean => (c.engine_options ?? []).includes(opt);

function check(ok: boolean, fn: () => void): void {
  t.record(ok);
  fn();
}

describe("syntax-dictionary-linter-tests.json", () => {
  it("has the documented number of cases", () => expect(linterCases.length).toBe(4755));
  it.each(linterCases.map((c) => [c.id, c] as const))("%s", (_id, c) => {
    const r = lint(c.linter.replace(/^gs1_lint_/, ""), c.input);
    const got = r
      ? {
          error: r.error,
          highlight: `${c.input.slice(0, r.pos)}*${c.input.slice(r.pos, r.pos + r.len)}*${c.input.slice(r.pos + r.len)}`,
        }
      : undefined;
    const want = c.valid ? undefined : { error: c.expected_error, highlight: c.expected_highlight };
    check(JSON.stringify(got) === JSON.stringify(want), () => expect(got).toEqual(want));
  });
});

// The GS1 Syntax Engine's unit tests for parsing call its parser directly, which does not run
// the AI combination rules (the engine runs those in a separate step): parse-only cases use
// associations: false; ai_combination_rule cases run them.
const RULE_CODES: Readonly<Record<string, string>> = {
  validateAIrepeats: "ID_AI_REPEAT",
  validateAImutex: "ID_AI_EXCLUSIVE",
  validateAIrequisites: "ID_AI_REQUISITE",
  validateDigSigRequiresSerialisedKey: "ID_AI_REQUISITE",
};

describe("syntax-engine-ai-element-strings.json", () => {
  it("has the documented number of cases", () => expect(elementCases.length).toBe(235));
  it.each(elementCases.map((c) => [c.id, c] as const))("%s", (_id, c) => {
    const opts = {
      permitUnknownAis: has(c, "permitUnknownAIs = true"),
      validateRequisites: !has(c, "validation REQUISITE_AIS = disabled"),
      associations: c.kind === "ai_combination_rule",
    };
    let result: ReturnType<typeof parseBracketedAis> | undefined;
    let error: unknown;
    try {
      result =
        c.kind === "unbracketed_element_string_validity"
          ? parseUnbracketedAis(c.input, opts)
          : parseBracketedAis(c.input, opts);
    } catch (e) {
      error = e;
    }
    if (error !== undefined && !isSuyuanError(error)) throw error; // never a raw TypeError
    const err = error as { code: string; detail?: Record<string, unknown> } | undefined;
    let got: unknown;
    let want: unknown;
    switch (c.kind) {
      case "bracketed_ai_to_unbracketed":
        got = result ? `^${formatUnbracketed(result, "^")}` : "rejected";
        want = c.valid ? c.expected : "rejected";
        break;
      case "error_markup":
        got = err?.detail?.markup;
        want = c.expected_error_markup;
        break;
      case "bracketed_ai_linter_result":
        got = err ? err.detail?.linterError : "GS1_LINTER_OK";
        want = c.valid ? "GS1_LINTER_OK" : c.expected_linter_error;
        break;
      case "ai_combination_rule":
        got = err ? err.code : "accepted";
        want = c.valid ? "accepted" : RULE_CODES[c.rule ?? ""];
        break;
      default:
        got = err ? "rejected" : "accepted";
        want = c.valid ? "accepted" : "rejected";
    }
    check(got === want, () => expect(got).toBe(want));
  });
});

describe("syntax-engine-scan-data.json", () => {
  it("has the documented number of cases", () => expect(scanCases.length).toBe(78));
  it.each(scanCases.map((c) => [c.id, c] as const))("%s", (_id, c) => {
    let got: unknown;
    try {
      if (c.kind === "data_to_scan_data") {
        got = toScanData(c.symbology!, c.input, { addCheckDigit: has(c, "addCheckDigit = true") });
      } else {
        const r = parseScanData(c.input);
        got = { symbology: r.symbology, data: r.data };
      }
    } catch (e) {
      if (!isSuyuanError(e)) throw e;
      got = "rejected";
    }
    const want = !c.valid
      ? "rejected"
      : c.kind === "data_to_scan_data"
        ? c.expected
        : { symbology: c.expected_symbology, data: c.expected };
    check(JSON.stringify(got) === JSON.stringify(want), () => expect(got).toEqual(want));
  });
});
