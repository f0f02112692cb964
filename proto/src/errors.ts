/**
 * One error class for the whole project. `code` is the contract (stable, documented,
 * matched by callers and mapped to gRPC/HTTP status in one place); `message` is for people
 * and names the field and the rule that failed. Programmer mistakes throw TypeError instead.
 */
export class SuyuanError extends Error {
  override readonly name = "SuyuanError";
  readonly code: string;
  /** The field or part of the input that failed (e.g. "epcList[2]", "AI (17)"). */
  readonly field: string | undefined;
  /** Extra machine-readable detail (expected/actual values, retry hints…). */
  readonly detail: Record<string, unknown> | undefined;

  constructor(
    code: string,
    message: string,
    options?: { field?: string; detail?: Record<string, unknown>; cause?: unknown },
  ) {
    super(`${code}: ${message}`, options?.cause === undefined ? undefined : { cause: options.cause });
    this.code = code;
    this.field = options?.field;
    this.detail = options?.detail;
  }

  /** The message without the leading code. */
  get reason(): string {
    return this.message.slice(this.code.length + 2);
  }

  toJSON(): { code: string; message: string; field?: string } {
    return { code: this.code, message: this.message, ...(this.field === undefined ? {} : { field: this.field }) };
  }
}

export function isSuyuanError(e: unknown, code?: string): e is SuyuanError {
  return e instanceof SuyuanError && (code === undefined || e.code === code);
}
