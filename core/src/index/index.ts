// Index records of stored events (issue 3 §3 "Indexes"); layout documented in records.ts.
export { canon, kindOf, lotOfCode } from "./canon.ts";
export { type Entry, IX, indexRecords, padIndex, parseEntry, SEP, timeKey } from "./records.ts";
