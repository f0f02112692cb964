/**
 * The driver contract: one per device kind (serial barcode scanner, serial UHF RFID module,
 * MQTT readers and sensors, mock). A driver turns a device's bytes or messages into raw
 * reads; it knows nothing of identifiers, smoothing or EPCIS (those are pipeline stages).
 *
 * Implementers:
 * - `open()` MUST resolve once the device is usable or reject with a SuyuanError naming the
 *   device and the reason (`DRIVER_OPEN_FAILED`). It MAY keep retrying a device that comes and
 *   goes (unplug/replug) after the first open: that is logged and counted, never thrown.
 * - `reads()` returns ONE async iterable per driver instance; it yields reads in arrival order
 *   and ends after `close()`. A slow consumer applies backpressure (the driver buffers a
 *   bounded number of reads and counts drops in `stats().dropped` only if it must).
 * - Malformed input (garbage bytes, corrupt frames, bad payloads) MUST NOT throw out of the
 *   iterator: it is skipped, logged and counted in `stats().errors`.
 * - `close()` is idempotent and releases ports, sockets and timers.
 */
export interface RawRead {
  /** The device the read came from (configured device id, or a reader id from MQTT). */
  deviceId: string;
  kind: "rfid" | "barcode" | "sensor";
  /**
   * RFID: the EPC bank as upper-case hex (without PC and CRC). Barcode: the decoded scan data
   * as the scanner sent it (AIM symbology identifier prefix kept, GS 0x1D as FNC1).
   * Sensor: the sensor's device id.
   */
  data: string;
  /** Milliseconds since the epoch: device time when the device sends it, else receive time. */
  ts: number;
  antenna?: number;
  /** dBm. */
  rssi?: number;
  /** RFID protocol-control word (hex), when the reader reports it. */
  pc?: string;
  /** Sensor readings (temperature loggers etc.). */
  sensor?: { type: string; value: number; uom: string };
}

export interface DriverStats {
  reads: number;
  errors: number;
  reconnects: number;
  dropped: number;
  connected: boolean;
}

export interface Driver {
  readonly id: string;
  /** e.g. "serial-barcode", "serial-uhf", "mqtt", "mock". */
  readonly kind: string;
  open(): Promise<void>;
  reads(): AsyncIterable<RawRead>;
  close(): Promise<void>;
  stats(): DriverStats;
}
