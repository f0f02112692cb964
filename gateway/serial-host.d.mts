// Types of gateway/serial-host.mjs (plain JavaScript: it runs on the main thread without tsx).
import type { MessagePort } from "node:worker_threads";
import type { BindingInterface } from "./src/drivers/common/serialport-types.ts";

/** Serves serial requests arriving on `port`; returns a function that closes every port still open. */
export function serveSerial(port: MessagePort, options?: { binding?: BindingInterface }): () => Promise<void>;
