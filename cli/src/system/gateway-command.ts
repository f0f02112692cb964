// `suyuan gateway …` (issue 4 §5) in the suyuan CLI: the gateway's own handlers, loaded lazily
// so other commands do not load gRPC, LevelDB, aedes and serialport. The system runner starts
// each site's gateway as `suyuan gateway start --config FILE`.
import type { Command } from "../io.ts";

const USAGE = `usage:
  suyuan gateway start  --config FILE
  suyuan gateway keygen --out FILE [--force]
  suyuan gateway enroll --core ADDR --token TOKEN --config FILE
  suyuan gateway status --config FILE [--url http://HOST:PORT]`;

export const gatewayCommand: Command = {
  name: "gateway",
  summary: "run an edge gateway (start, keygen, enroll, status)",
  usage: USAGE,
  async run(args, io) {
    const { gatewayCommand: handler } = await import("@suyuan/gateway");
    return handler(args, { stdout: io.stdout, stderr: io.stderr });
  },
};
