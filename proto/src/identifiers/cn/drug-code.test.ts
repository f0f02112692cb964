import { describe, expect, it } from "vitest";
import { isSuyuanError } from "../../errors.ts";
import { parseCnDrugCode } from "./drug-code.ts";

describe("China 20-digit drug traceability code", () => {
  it("splits into 7-digit product code, 9-digit serial, 4 verification digits", () => {
    const r = parseCnDrugCode("81234560123456789012");
    expect(r.productCode).toBe("8123456");
    expect(r.serial).toBe("012345678");
    expect(r.check).toBe("9012");
    expect(r.checkVerified).toBe(false);
    expect(r.uri).toBe("urn:suyuan:cn-drug-code:81234560123456789012");
    expect(r.classUri).toBe("urn:suyuan:cn-drug-product:8123456");
  });

  it("accepts its own canonical URI", () => {
    expect(parseCnDrugCode("urn:suyuan:cn-drug-code:81234560123456789012").code).toBe("81234560123456789012");
  });

  it.each([
    ["8123456012345678901", "ID_CN_DRUG_LENGTH"],
    ["812345601234567890123", "ID_CN_DRUG_LENGTH"],
    ["8123456012345678901A", "ID_CN_DRUG_CHARSET"],
  ])("rejects %s with %s", (input, code) => {
    let err: unknown;
    try {
      parseCnDrugCode(input);
    } catch (e) {
      err = e;
    }
    expect(isSuyuanError(err, code)).toBe(true);
  });
});
