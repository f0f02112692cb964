/**
 * One serial line for a scenario: a socat pty pair or a mock-binding line, with the path to put
 * in the gateway's device config and the transport to hand the emulator.
 */
import { createPtyPair } from "./pty.ts";
import { type MockSerialBus, PtySerialTransport, type SerialTransport } from "./serial.ts";

export type SerialLineOptions =
  | { kind: "pty"; dir?: string; name?: string; baudRate?: number }
  /** `bus` is the binding the gateway's serial drivers must be given (`serialBinding`). */
  | { kind: "mock"; bus: MockSerialBus; path: string };

export interface SerialLine {
  kind: "pty" | "mock";
  /** The path for the gateway driver's `path`. */
  hostPath: string;
  transport: SerialTransport;
}

export async function openSerialLine(o: SerialLineOptions): Promise<SerialLine> {
  if (o.kind === "mock") return { kind: "mock", hostPath: o.path, transport: o.bus.transport(o.path) };
  const pair = await createPtyPair({
    ...(o.dir === undefined ? {} : { dir: o.dir }),
    ...(o.name === undefined ? {} : { name: o.name }),
  });
  return {
    kind: "pty",
    hostPath: pair.hostPath,
    transport: new PtySerialTransport({ pair, ...(o.baudRate === undefined ? {} : { baudRate: o.baudRate }) }),
  };
}
