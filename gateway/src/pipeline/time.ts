/** Time formatting for EPCIS events and GS1 dates. Pure. */
import { isTimeZoneOffset, SuyuanError } from "@suyuan/proto";

/** Minutes east of UTC of an EPCIS eventTimeZoneOffset (`±hh:mm`). */
export function offsetMinutes(offset: string): number {
  if (!isTimeZoneOffset(offset))
    throw new SuyuanError(
      "RULE_BAD_CONFIG",
      `eventTimeZoneOffset "${offset}" is not ±hh:mm between -14:00 and +14:00`,
      {
        field: "eventTimeZoneOffset",
      },
    );
  const sign = offset[0] === "-" ? -1 : 1;
  return sign * (Number(offset.slice(1, 3)) * 60 + Number(offset.slice(4, 6)));
}

/**
 * EPCIS 2.0 §7.3.1: eventTime with milliseconds, written in the site's local offset (the same
 * instant as UTC; the offset says where it happened, `eventTimeZoneOffset` repeats it).
 * e.g. (0, "+08:00") → "1970-01-01T08:00:00.000+08:00".
 */
export function formatEventTime(ms: number, offset: string): string {
  const min = offsetMinutes(offset);
  const iso = new Date(ms + min * 60_000).toISOString(); // "…Z", shifted to local wall time
  return `${iso.slice(0, 23)}${min === 0 ? "Z" : offset}`;
}

/**
 * GS1 General Specifications §7.12: a YYMMDD date from AI (11)/(13)/(15)/(16)/(17) as an ISO
 * date (xsd:date, as CBV master data dates are written). The century is the one that puts the
 * year within −49…+50 years of `refYear`; DD "00" means the last day of the month.
 */
export function gs1DateToIso(yymmdd: string, refYear: number): string | undefined {
  if (!/^\d{6}$/.test(yymmdd)) return undefined;
  const yy = Number(yymmdd.slice(0, 2));
  const mm = Number(yymmdd.slice(2, 4));
  let dd = Number(yymmdd.slice(4, 6));
  if (mm < 1 || mm > 12) return undefined;
  const diff = yy - (refYear % 100);
  let century = Math.floor(refYear / 100);
  if (diff >= 51) century -= 1;
  else if (diff <= -50) century += 1;
  const year = century * 100 + yy;
  const last = new Date(Date.UTC(year, mm, 0)).getUTCDate();
  if (dd === 0) dd = last;
  if (dd > last) return undefined;
  return `${String(year).padStart(4, "0")}-${yymmdd.slice(2, 4)}-${String(dd).padStart(2, "0")}`;
}
