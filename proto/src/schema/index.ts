export { batchHeaderFromProto, batchHeaderToProto } from "./batch-header.ts";
export {
  documentFromProto,
  documentToProto,
  eventFromProto,
  eventToProto,
  MAX_EXTENSION_DEPTH,
  MAX_JSON_DEPTH,
} from "./convert.ts";
export { type Decoder, decodeMessage } from "./wire.ts";
