// The gateway's operations endpoint (node:http): GET /healthz (JSON health report; 200 for
// ok and degraded alike — a gateway cut off from the core must keep running, not be restarted
// by a probe) and GET /metrics (Prometheus text exposition format 0.0.4).
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { METRICS_CONTENT_TYPE, type Registry } from "@suyuan/proto";
import type { HealthReport } from "./health.ts";

export interface OpsServer {
  host: string;
  port: number;
  close(): Promise<void>;
}

export async function startOpsServer(opts: {
  host: string;
  port: number;
  registry: Registry;
  health: () => HealthReport | Promise<HealthReport>;
  log?: (msg: string, fields?: object) => void;
}): Promise<OpsServer> {
  const server: Server = createServer((req, res) => {
    const path = (req.url ?? "/").split("?")[0];
    if (req.method !== "GET" && req.method !== "HEAD") {
      res.writeHead(405, { allow: "GET, HEAD" }).end();
      return;
    }
    if (path === "/metrics") {
      const body = opts.registry.render();
      res.writeHead(200, { "content-type": METRICS_CONTENT_TYPE }).end(req.method === "HEAD" ? undefined : body);
      return;
    }
    if (path === "/healthz") {
      Promise.resolve()
        .then(() => opts.health())
        .then(
          (h) => {
            res.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify(h, null, 2));
          },
          (e) => {
            opts.log?.("health check failed", { error: String(e) });
            res.writeHead(500, { "content-type": "application/json" }).end(JSON.stringify({ status: "error" }));
          },
        );
      return;
    }
    res.writeHead(404, { "content-type": "text/plain" }).end("not found\n");
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(opts.port, opts.host, () => resolve());
  });
  const a = server.address() as AddressInfo;
  opts.log?.("ops http listening", { host: a.address, port: a.port });
  return {
    host: a.address,
    port: a.port,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
