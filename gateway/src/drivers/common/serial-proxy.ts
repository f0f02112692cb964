/**
 * A serial binding whose ports live on another thread: the gateway worker (gateway/launch.mjs)
 * uses it instead of the native binding, which can only read on the process's main thread
 * (gateway/serial-host.mjs says why and serves the other end of the MessagePort; the protocol
 * is documented there). Implements @serialport/bindings-interface: the drivers and
 * `@serialport/stream` see an ordinary binding.
 */
import type { MessagePort } from "node:worker_threads";
import type { BindingInterface, BindingOpenOptions, BindingPortInterface } from "./serialport-types.ts";

type Reply = { id: number; value?: unknown; error?: { message: string; code?: string; canceled: boolean } };

/** The error a binding reports: `canceled` (read or write cut short by close) is the contract. */
class SerialHostError extends Error {
  readonly canceled: boolean;
  readonly code: string | undefined;
  constructor(e: NonNullable<Reply["error"]>) {
    super(e.message);
    this.name = "SerialHostError";
    this.canceled = e.canceled;
    this.code = e.code;
  }
}

class Client {
  private next = 1;
  // Map ( request id -> its pending promise )
  private readonly pending = new Map<number, { resolve: (v: unknown) => void; reject: (e: Error) => void }>();

  constructor(private readonly port: MessagePort) {
    port.on("message", (r: Reply) => {
      const p = this.pending.get(r.id);
      if (p === undefined) return;
      this.pending.delete(r.id);
      if (this.pending.size === 0) port.unref();
      if (r.error) p.reject(new SerialHostError(r.error));
      else p.resolve(r.value);
    });
    // Only requests in flight keep the thread alive (a pending read does: the port is open).
    port.unref();
  }

  request<T>(msg: object, transfer?: ArrayBuffer[]): Promise<T> {
    const id = this.next++;
    return new Promise<T>((resolve, reject) => {
      this.pending.set(id, { resolve: resolve as (v: unknown) => void, reject });
      if (this.pending.size === 1) this.port.ref();
      this.port.postMessage({ id, ...msg }, transfer);
    });
  }
}

class ProxyPort implements BindingPortInterface {
  isOpen = true;

  constructor(
    private readonly client: Client,
    private readonly port: number,
    readonly openOptions: Required<BindingOpenOptions>,
  ) {}

  private call<T>(method: string, ...args: unknown[]): Promise<T> {
    if (!this.isOpen) return Promise.reject(new SerialHostError({ message: "Port is not open", canceled: true }));
    return this.client.request<T>({ op: "call", port: this.port, method, args });
  }

  async close(): Promise<void> {
    if (!this.isOpen) throw new SerialHostError({ message: "Port is not open", canceled: false });
    this.isOpen = false;
    await this.client.request({ op: "call", port: this.port, method: "close", args: [] });
  }

  async read(buffer: Buffer, offset: number, length: number): Promise<{ buffer: Buffer; bytesRead: number }> {
    const { bytes } = await this.call<{ bytes: Uint8Array }>("read", length);
    buffer.set(bytes, offset);
    return { buffer, bytesRead: bytes.length };
  }

  write(buffer: Buffer): Promise<void> {
    return this.call("write", new Uint8Array(buffer));
  }

  update(options: Parameters<BindingPortInterface["update"]>[0]): Promise<void> {
    return this.call("update", options);
  }

  set(options: Parameters<BindingPortInterface["set"]>[0]): Promise<void> {
    return this.call("set", options);
  }

  get(): ReturnType<BindingPortInterface["get"]> {
    return this.call("get");
  }

  getBaudRate(): ReturnType<BindingPortInterface["getBaudRate"]> {
    return this.call("getBaudRate");
  }

  flush(): Promise<void> {
    return this.call("flush");
  }

  drain(): Promise<void> {
    return this.call("drain");
  }
}

/** A binding that opens its ports through the serial host at the other end of `port`. */
export function serialProxyBinding(port: MessagePort): BindingInterface {
  const client = new Client(port);
  return {
    list: () => client.request({ op: "list" }),
    async open(options: BindingOpenOptions): Promise<BindingPortInterface> {
      const r = await client.request<{ port: number; openOptions: Required<BindingOpenOptions> }>({
        op: "open",
        options,
      });
      return new ProxyPort(client, r.port, r.openOptions);
    },
  } as BindingInterface;
}
