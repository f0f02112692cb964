// The gateway's local list of active recalls (issue 4 §4), persisted so scan points keep
// alerting while the core is unreachable. Filled from RecallService.WatchRecalls notices.
//
// Layout (LevelDB, string keys, JSON values):
//   r!<recallId>  → JSON ActiveRecall (lots and units merged over every notice of the recall)
//   m!cursor      → "<cursor>"   the last WatchRecallsResponse.cursor stored: resume after it
// A notice and the cursor that follows it are written in ONE synced batch, so a restart
// never skips a notice nor loses one it had acknowledged by cursor.
import { parseCode } from "@suyuan/proto";
import { Level } from "level";

export interface ActiveRecall {
  recallId: string;
  /** "I" | "II" | "III" | "unspecified" (recall.proto RecallClass). */
  recallClass: string;
  reason: string;
  /** Recalled lots, as the core named them (LGTIN URIs or Digital Links). */
  lots: string[];
  /** Recalled units held here (holder.units). */
  units: string[];
  issuedAt: string;
  /** The holder location the notice was for (SGLN), when named. */
  location?: string;
}

export interface RecallHit {
  recall: ActiveRecall;
  /** "lot" when the unit's lot is recalled, "unit" when the unit itself is named. */
  matched: "lot" | "unit";
  /** The canonical identifier that matched. */
  identifier: string;
}

/** Identifiers as the pipeline sees them (proto CodeResult). */
export interface ScannedCode {
  canonical: string;
  classCanonical?: string;
}

/** One spelling per identifier: the proto canonical form (Digital Link), else as given. */
export function canonicalId(id: string): string {
  try {
    return parseCode(id).canonical;
  } catch {
    return id;
  }
}

type Db = Level<string, string>;

export class RecallStore {
  private readonly recalls = new Map<string, ActiveRecall>();
  // Map ( canonical lot or unit id -> Set ( recallId ) )
  private readonly lotIndex = new Map<string, Set<string>>();
  private readonly unitIndex = new Map<string, Set<string>>();
  private cursorValue: string;

  private constructor(
    private readonly db: Db,
    cursor: string,
  ) {
    this.cursorValue = cursor;
  }

  static async open(path: string): Promise<RecallStore> {
    const db: Db = new Level<string, string>(path, { keyEncoding: "utf8", valueEncoding: "utf8" });
    await db.open();
    const store = new RecallStore(db, (await db.get("m!cursor")) ?? "");
    for await (const v of db.values({ gt: "r!", lt: "r~" })) store.index(JSON.parse(v) as ActiveRecall);
    return store;
  }

  private index(r: ActiveRecall): void {
    this.recalls.set(r.recallId, r);
    const add = (m: Map<string, Set<string>>, id: string) => {
      const k = canonicalId(id);
      const s = m.get(k) ?? new Set<string>();
      s.add(r.recallId);
      m.set(k, s);
    };
    for (const l of r.lots) add(this.lotIndex, l);
    for (const u of r.units) add(this.unitIndex, u);
  }

  cursor(): string {
    return this.cursorValue;
  }

  list(): ActiveRecall[] {
    return [...this.recalls.values()];
  }

  /**
   * Records a notice (merged with earlier notices of the same recall) and the stream cursor
   * after it, atomically. Returns the merged recall.
   */
  async put(notice: ActiveRecall, cursor: string): Promise<ActiveRecall> {
    const prev = this.recalls.get(notice.recallId);
    const merged: ActiveRecall = prev
      ? {
          ...prev,
          reason: notice.reason || prev.reason,
          lots: [...new Set([...prev.lots, ...notice.lots])],
          units: [...new Set([...prev.units, ...notice.units])],
        }
      : notice;
    await this.db.batch(
      [
        { type: "put", key: `r!${merged.recallId}`, value: JSON.stringify(merged) },
        { type: "put", key: "m!cursor", value: cursor },
      ],
      { sync: true },
    );
    this.index(merged);
    this.cursorValue = cursor;
    return merged;
  }

  /** The recall a scanned unit falls under: its own id first, then its lot (class). */
  check(code: ScannedCode): RecallHit | undefined {
    const unit = this.unitIndex.get(code.canonical);
    if (unit) {
      const r = this.recalls.get([...unit][0]!);
      if (r) return { recall: r, matched: "unit", identifier: code.canonical };
    }
    // A lot scanned directly (LGTIN) is its own canonical id; a unit's lot is its classCanonical.
    for (const id of [code.classCanonical, code.canonical]) {
      if (id === undefined) continue;
      const lot = this.lotIndex.get(id);
      if (lot) {
        const r = this.recalls.get([...lot][0]!);
        if (r) return { recall: r, matched: "lot", identifier: id };
      }
    }
    return undefined;
  }

  async close(): Promise<void> {
    await this.db.close();
  }
}
