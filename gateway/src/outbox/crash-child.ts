// Child process for the outbox crash test (outbox-crash.test.ts): seals batches into the
// outbox at argv[2], sends them to the capture server at argv[3] through the real uplink,
// and reports each batch on stdout once it is durable ("sealed <firstSeq> <count> <from>").
// The test kills it with SIGKILL mid-stream and starts it again on the same outbox.
//
// argv: outboxDir coreAddress keyFile gatewayId batches batchSize eventOffset
import { readFile } from "node:fs/promises";
import { credentials } from "@grpc/grpc-js";
import { importKey } from "@suyuan/proto";
import { Batcher } from "../batcher/batcher.ts";
import { testEvents } from "../batcher/testing.ts";
import { Uplink } from "../uplink/uplink.ts";
import { Outbox } from "./outbox.ts";

const [dir, address, keyFile, gatewayId, batchesArg, sizeArg, offsetArg] = process.argv.slice(2);
if (!dir || !address || !keyFile || !gatewayId)
  throw new TypeError("usage: crash-child dir address keyFile gatewayId n size offset");
const batches = Number(batchesArg);
const size = Number(sizeArg);
const offset = Number(offsetArg);

const key = importKey(await readFile(keyFile, "utf8"));
if (key.privateKey === undefined) throw new TypeError("key file holds no private key");
const outbox = await Outbox.open(dir, { quotaBytes: 1e9 });
const resumed = outbox.list().length;
process.stdout.write(`resumed ${resumed} ${outbox.chainState().nextSeq}\n`);
const uplink = new Uplink({
  address,
  credentials: credentials.createInsecure(),
  outbox,
  window: 4,
  backoff: { initialMs: 20, maxMs: 100 },
});
uplink.start();
const batcher = new Batcher({
  gatewayId,
  key: { keyId: key.keyId, algorithm: key.algorithm, privateKey: key.privateKey },
  chain: outbox.chainState(),
  sink: outbox,
  maxEvents: size,
});
for (let k = 0; k < batches; k++) {
  const from = offset + k * size;
  const firstSeq = batcher.chainState().nextSeq;
  for (const ev of testEvents(from, size)) batcher.push(ev);
  batcher.seal();
  await batcher.flushed();
  process.stdout.write(`sealed ${firstSeq} ${size} ${from}\n`);
  await new Promise((r) => setTimeout(r, 8));
}
while (outbox.list().length > 0) await new Promise((r) => setTimeout(r, 10));
process.stdout.write("drained\n");
await uplink.stop();
await outbox.close();
