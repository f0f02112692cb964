// Local TCP ports for the pieces the system starts (gateways' ops HTTP, embedded MQTT brokers,
// the core's HTTP when its default is taken).
import { createServer } from "node:net";

/** A port the OS reports free on `host` now (bound to port 0, then released). */
export function freePort(host = "127.0.0.1"): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.unref();
    srv.once("error", reject);
    srv.listen(0, host, () => {
      const addr = srv.address();
      const port = typeof addr === "object" && addr !== null ? addr.port : 0;
      srv.close(() => resolve(port));
    });
  });
}

/**
 * `n` distinct free ports: all held at once before any is released, so two calls within one
 * allocation never hand out the same port.
 */
export async function freePorts(n: number, host = "127.0.0.1"): Promise<number[]> {
  const servers = Array.from({ length: n }, () => createServer());
  try {
    return await Promise.all(
      servers.map(
        (srv) =>
          new Promise<number>((resolve, reject) => {
            srv.unref();
            srv.once("error", reject);
            srv.listen(0, host, () => {
              const addr = srv.address();
              resolve(typeof addr === "object" && addr !== null ? addr.port : 0);
            });
          }),
      ),
    );
  } finally {
    await Promise.all(servers.map((srv) => new Promise<void>((r) => (srv.listening ? srv.close(() => r()) : r()))));
  }
}

/** Whether `host:port` can be bound now. */
export function portFree(host: string, port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const srv = createServer();
    srv.unref();
    srv.once("error", () => resolve(false));
    srv.listen(port, host, () => srv.close(() => resolve(true)));
  });
}

/** Splits "host:port" (IPv6 in brackets); throws a TypeError naming the rule. */
export function splitHostPort(address: string): { host: string; port: number } {
  const m = /^(\[[0-9a-fA-F:]+\]|[^:\s]+):(\d{1,5})$/.exec(address);
  const port = m ? Number(m[2]) : Number.NaN;
  if (!m || !(port >= 0 && port <= 65535)) throw new TypeError(`"${address}" is not host:port (e.g. 127.0.0.1:8080)`);
  return { host: m[1]!.replace(/^\[|\]$/g, ""), port };
}
