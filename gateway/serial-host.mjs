// Serial ports for a gateway running in a worker thread (gateway/launch.mjs): the ports are
// opened here, on the process's main thread, and the worker drives them through a
// MessagePort (gateway/src/drivers/common/serial-proxy.ts is the other end).
//
// Why: @serialport/bindings-cpp watches a port's file descriptor with a libuv poll handle on
// the process's *default* loop (src/poller.cpp, uv_poll_init(uv_default_loop(), …)), so
// opened in a worker its read callbacks run on the main thread against the worker's JS
// environment — the process crashes on the first byte read. Plain JavaScript, Node built-ins
// only: the native binding is loaded on the first `open`, so a gateway without serial devices
// never loads it here.
//
// Protocol (one request, one reply, matched by `id`):
//   → { id, op: "list" }                                   ← { id, value: PortInfo[] }
//   → { id, op: "open", options }                          ← { id, value: { port, openOptions } }
//   → { id, op: "call", port, method, args }               ← { id, value }
//       method: close | write | update | set | get | getBaudRate | flush | drain | read
//       read: args = [length]; value = { bytes: Uint8Array } (the bytes read)
//   any failure                                            ← { id, error: { message, code, canceled } }

const PORT_METHODS = new Set(["close", "write", "update", "set", "get", "getBaudRate", "flush", "drain", "read"]);

/**
 * Serves serial requests arriving on `port` with `binding` (default: the native binding,
 * loaded on the first open). Returns a function that closes every port still open.
 */
export function serveSerial(port, { binding } = {}) {
  let native = binding;
  const load = async () => {
    native ??= (await import("@serialport/bindings-cpp")).autoDetect();
    return native;
  };
  // Map ( port number -> BindingPortInterface )
  const ports = new Map();
  // Map ( port number -> Buffer the port reads into )
  const readBuffers = new Map();
  let next = 1;

  const handle = async (m) => {
    if (m.op === "list") return (await load()).list();
    if (m.op === "open") {
      const p = await (await load()).open(m.options);
      const n = next++;
      ports.set(n, p);
      return { port: n, openOptions: p.openOptions };
    }
    if (m.op === "call") {
      const p = ports.get(m.port);
      if (p === undefined) throw Object.assign(new Error("Port is not open"), { canceled: true });
      if (!PORT_METHODS.has(m.method)) throw new TypeError(`unknown serial port method ${m.method}`);
      if (m.method === "read") {
        // A stream reads one chunk at a time, so one buffer per port serves every read; only
        // the bytes read are copied into the reply.
        const [length] = m.args;
        let buf = readBuffers.get(m.port);
        if (buf === undefined || buf.length < length) {
          buf = Buffer.allocUnsafe(length);
          readBuffers.set(m.port, buf);
        }
        const { bytesRead } = await p.read(buf, 0, length);
        return { bytes: Uint8Array.prototype.slice.call(buf, 0, bytesRead) };
      }
      if (m.method === "write") return p.write(Buffer.from(m.args[0]));
      const value = await p[m.method](...m.args);
      if (m.method === "close") {
        ports.delete(m.port);
        readBuffers.delete(m.port);
      }
      return value;
    }
    throw new TypeError(`unknown serial request ${m.op}`);
  };

  port.on("message", (m) => {
    handle(m).then(
      (value) => port.postMessage({ id: m.id, value }),
      (e) =>
        port.postMessage({
          id: m.id,
          error: { message: e?.message ?? String(e), code: e?.code, canceled: e?.canceled === true },
        }),
    );
  });
  // The gateway worker may exit without closing its ports (a crash): keep the process from
  // holding them, and let the port go so it does not keep the process alive.
  port.unref();
  return async () => {
    const open = [...ports.values()];
    ports.clear();
    await Promise.allSettled(open.map((p) => (p.isOpen ? p.close() : undefined)));
    port.close();
  };
}
