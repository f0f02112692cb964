// Per-folder pass counts for the conformance corpus: each conformance test file records
// its cases here and prints one line per folder when it finishes, e.g.
//   conformance tds: 475/475 passed (0 deviations listed in tds.deviations.md)
export interface Tally {
  folder: string;
  passed: number;
  failed: number;
  deviations: number;
}

export function tally(folder: string): Tally & { record(ok: boolean, deviation?: boolean): void; print(): void } {
  const t = {
    folder,
    passed: 0,
    failed: 0,
    deviations: 0,
    record(ok: boolean, deviation = false) {
      if (deviation) t.deviations++;
      else if (ok) t.passed++;
      else t.failed++;
    },
    print() {
      const total = t.passed + t.failed;
      console.log(
        `conformance ${t.folder}: ${t.passed}/${total} passed` +
          (t.deviations ? `, ${t.deviations} listed deviations (see the .deviations.md beside the test)` : ""),
      );
    },
  };
  return t;
}
