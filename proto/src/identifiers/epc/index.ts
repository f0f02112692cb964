// Public API of the EPC identifiers: pure-identity / class / pattern URIs (TDS 2.1 §6, §13),
// GS1 keys and element strings (§7), tag URIs (§12) and EPC binary encodings (§14).

export { epcUriToTagUri, parseTagUri, type TagUri, tagUriToEpcUri } from "./tag-uri.ts";
export {
  type BinaryScheme,
  binarySchemeInfo,
  binarySchemesFor,
  type DecodedEpc,
  decodeEpc,
  decodeEpcBinary,
  type EncodeOptions,
  encodeEpc,
  encodeEpcDetailed,
  formatTagUri,
  isBinaryScheme,
  splitTagUri,
} from "./tds-binary.ts";
export {
  bicCheckDigit,
  type EpcScheme,
  type EpcUri,
  type EpcUriKind,
  elementStringFromEpc,
  epcUriFromAis,
  formatGtin,
  type GtinType,
  gs1KeyFromEpc,
  gtinOf,
  isEpcScheme,
  parseEpcUri,
} from "./uri.ts";
