// firmware-sim device emulators: the firmware of the devices a gateway talks to, on the
// transports real devices use (socat pty pairs, the serial mock binding, MQTT).
export * from "./barcode-content.ts";
export * from "./barcode-scanner.ts";
export * from "./clock.ts";
export * from "./mqtt-reader.ts";
export * from "./noise.ts";
export * from "./random.ts";
export * from "./tags.ts";
export * from "./temperature-logger.ts";
export * from "./transport/line.ts";
export * from "./transport/mqtt.ts";
export * from "./transport/pty.ts";
export * from "./transport/serial.ts";
export * from "./uhf-module.ts";
