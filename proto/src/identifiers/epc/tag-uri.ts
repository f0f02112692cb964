// EPC tag URIs (TDS 2.1 §12): urn:epc:tag:<binary scheme>:<filter>.<pure-identity components>,
// e.g. urn:epc:tag:sgtin-96:3.0614141.812345.6789. A tag URI names the binary scheme and the
// filter value as well as the EPC, so it is valid only if the EPC fits that scheme.
import { epcError } from "./common.ts";
import { type BinaryScheme, encodeEpcDetailed, formatTagUri, splitTagUri } from "./tds-binary.ts";
import { type EpcUri, parseEpcUri } from "./uri.ts";

export { formatTagUri };

export interface TagUri {
  /** Binary coding scheme, e.g. "sgtin-96". */
  scheme: BinaryScheme;
  /** Filter value; undefined for GID-96. */
  filter: number | undefined;
  /** The pure-identity EPC it carries. */
  epc: EpcUri;
  /** The tag URI in normalised form. */
  tagUri: string;
}

/** Parses and validates a tag URI, including that its EPC fits the named binary scheme. */
export function parseTagUri(uri: string): TagUri {
  const t = splitTagUri(uri);
  const epc = parseEpcUri(t.epcUri);
  const enc = encodeEpcDetailed(epc.uri, { scheme: t.scheme, ...(t.filter === undefined ? {} : { filter: t.filter }) });
  return { scheme: t.scheme, filter: t.filter, epc, tagUri: enc.tagUri };
}

/** Pure-identity URI of a tag URI (TDS 2.1 §12.3.3: drop the scheme's bit length and the filter). */
export function tagUriToEpcUri(uri: string): string {
  return parseTagUri(uri).epc.uri;
}

/** Tag URI of a pure-identity EPC URI for the given binary scheme and filter (TDS 2.1 §12.3.2). */
export function epcUriToTagUri(epcUri: string, opts: { scheme?: BinaryScheme; filter?: number }): string {
  if (epcUri.startsWith("urn:epc:tag:")) {
    throw epcError("ID_EPC_NOT_EPC_URI", `${epcUri}: already a tag URI`, "uri");
  }
  return encodeEpcDetailed(epcUri, opts).tagUri;
}
