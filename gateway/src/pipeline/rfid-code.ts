/**
 * The identifier of an RFID tag as the pipeline holds it, for as long as the tag is tracked:
 * a `CodeResult` that keeps what the pipeline reads on every cycle and computes the rest when
 * asked.
 *
 * Why: at issue 4 §6's design load the smoothers track ~30 000 tags and the decode cache holds
 * each of them plus the recent arrivals. `parseCode` of an EPC bank gives every form of the
 * identifier (Digital Link, element string, AIs, EPC URI, tag URI), ~640 bytes of heap per tag,
 * most of it strings no rule reads; kept this way a tag costs ~240 bytes (with its cache entry).
 * That was ~20 MB of the gateway's live heap.
 *
 * Kept: `valid`, `kind`, `form`, `canonical` (events, smoothing keys), `classCanonical` (recall
 * checks), `rfid.hex` / `rfid.scheme` / `rfid.filter` (container filters of the packing rule).
 * Computed on access, by decoding the EPC bank again (`parseCode` is deterministic, so the value
 * is the one `parseCode` gave): `digitalLink`, `epcUri`, `epcClassUri`, `elementString`, `ais`,
 * `notes`, `rfid.tagUri` — each access decodes anew, so read them once, not per read. Being
 * accessors, they are not own properties: a spread `{ ...id }` leaves them out (JSON.stringify
 * gives the whole CodeResult).
 */
import {
  type AiValue,
  type CodeKind,
  type CodeResult,
  type InputForm,
  type ParseCodeOptions,
  parseCode,
} from "@suyuan/proto";

/**
 * A copy of `s` as one flat string. `parseCode` builds identifiers by concatenation: V8 keeps
 * such a string as a tree of the parts (a cons string), several times the size of its
 * characters.
 */
function flat(s: string): string {
  return Buffer.from(s, "utf8").toString("utf8");
}

class RfidTag {
  constructor(
    readonly hex: string,
    readonly scheme: string,
    readonly filter: number | undefined,
  ) {}

  /** The tag URI comes from the EPC bank alone (its partition value gives the company prefix length). */
  get tagUri(): string {
    return parseCode(this.hex).rfid!.tagUri;
  }

  toJSON(): CodeResult["rfid"] {
    return {
      hex: this.hex,
      scheme: this.scheme,
      ...(this.filter === undefined ? {} : { filter: this.filter }),
      tagUri: this.tagUri,
    };
  }
}

export class RfidCode implements CodeResult {
  readonly valid = true as const;
  readonly kind: CodeKind;
  readonly form: InputForm;
  readonly canonical: string;
  readonly classCanonical: string | undefined;
  readonly rfid: RfidTag;
  private readonly options: ParseCodeOptions;

  private constructor(r: CodeResult, rfid: NonNullable<CodeResult["rfid"]>, options: ParseCodeOptions) {
    this.kind = r.kind;
    this.form = r.form;
    this.canonical = flat(r.canonical);
    this.classCanonical = r.classCanonical === undefined ? undefined : flat(r.classCanonical);
    this.rfid = new RfidTag(rfid.hex, rfid.scheme, rfid.filter);
    this.options = options;
  }

  /**
   * The compact form of `r`, the result of `parseCode(hex, options)` for an EPC bank read; `r`
   * itself when it is not one (the reader sent some other form of code).
   */
  static of(hex: string, r: CodeResult, options: ParseCodeOptions): CodeResult {
    if (r.form !== "rfid-hex" || r.rfid === undefined || r.rfid.hex !== hex) return r;
    return new RfidCode(r, r.rfid, options);
  }

  /** Everything `parseCode` gives, decoded again. */
  private full(): CodeResult {
    return parseCode(this.rfid.hex, this.options);
  }

  get digitalLink(): string | undefined {
    return this.full().digitalLink;
  }
  get epcUri(): string | undefined {
    return this.full().epcUri;
  }
  get epcClassUri(): string | undefined {
    return this.full().epcClassUri;
  }
  get elementString(): string | undefined {
    return this.full().elementString;
  }
  get ais(): AiValue[] | undefined {
    return this.full().ais;
  }
  get notes(): string[] | undefined {
    return this.full().notes;
  }

  /** The whole `CodeResult` (logs, JSON). */
  toJSON(): CodeResult {
    return this.full();
  }
}
