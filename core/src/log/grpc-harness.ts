// Test harness: a real grpc-js server on 127.0.0.1:0 serving LedgerService handlers, and the
// generated client pointed at it.
import { credentials, Server, ServerCredentials } from "@grpc/grpc-js";
import {
  LedgerServiceClient,
  type LedgerServiceServer,
  LedgerServiceService,
} from "@suyuan/proto/gen/suyuan/v1/ledger.ts";

export interface Served {
  client: LedgerServiceClient;
  close(): Promise<void>;
}

export async function serveLedger(handlers: LedgerServiceServer): Promise<Served> {
  const server = new Server();
  server.addService(LedgerServiceService, handlers);
  const port = await new Promise<number>((resolve, reject) => {
    server.bindAsync("127.0.0.1:0", ServerCredentials.createInsecure(), (err, p) => (err ? reject(err) : resolve(p)));
  });
  const client = new LedgerServiceClient(`127.0.0.1:${port}`, credentials.createInsecure());
  return {
    client,
    close: async () => {
      client.close();
      await new Promise<void>((resolve) => server.tryShutdown(() => resolve()));
    },
  };
}

/** Promisified unary call on the generated client. */
export function unaryCall<Req, Res>(
  client: LedgerServiceClient,
  method: (req: Req, cb: (err: Error | null, res: Res) => void) => unknown,
  req: Req,
): Promise<Res> {
  return new Promise((resolve, reject) => {
    method.call(client, req, (err, res) => (err ? reject(err) : resolve(res)));
  });
}
