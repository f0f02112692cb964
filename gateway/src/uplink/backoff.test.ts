import { describe, expect, it } from "vitest";
import { backoffDelay, DEFAULT_BACKOFF } from "./backoff.ts";

describe("backoffDelay (gRPC connection backoff: 1 s × 1.6^n, ±20 % jitter, max 120 s)", () => {
  it("grows by the multiplier and stays within the jitter band", () => {
    expect(backoffDelay(0, DEFAULT_BACKOFF, () => 0.5)).toBe(1000);
    expect(backoffDelay(1, DEFAULT_BACKOFF, () => 0.5)).toBe(1600);
    expect(backoffDelay(2, DEFAULT_BACKOFF, () => 0.5)).toBe(2560);
    expect(backoffDelay(0, DEFAULT_BACKOFF, () => 0)).toBe(800);
    expect(backoffDelay(0, DEFAULT_BACKOFF, () => 0.999999)).toBe(1200);
  });
  it("caps at the maximum (with jitter around it)", () => {
    expect(backoffDelay(50, DEFAULT_BACKOFF, () => 0.5)).toBe(120_000);
    expect(backoffDelay(50, DEFAULT_BACKOFF, () => 0)).toBe(96_000);
  });
});
