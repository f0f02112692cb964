/** EPCIS 2.0 JSON-LD binding (EPCIS 2.0 §9): parse and write. */
export { type JsonLdParseOptions, parseEpcisJsonLd } from "./jsonld-parse.ts";
export { writeEpcisJsonLd, writeEpcisJsonLdObject } from "./jsonld-write.ts";
