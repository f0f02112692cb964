// Exports (issue 6 §3): offline-verifiable proof bundles, FSMA 204 sortable spreadsheets and
// a chain as an EPCIS 2.0 JSON-LD document, with their HTTP routes.
export { type BundleSources, chainBundle, recallBundle, recallIndexes } from "./bundle.ts";
export * from "./bundle-format.ts";
export { type ChainDocumentSources, chainDocument, chainJsonLd } from "./chain-jsonld.ts";
export {
  type Cte,
  cteOf,
  FSMA_COLUMNS,
  Fsma204Export,
  type FsmaRequest,
  type FsmaRow,
  type FsmaSources,
  fsmaCsv,
  fsmaXlsx,
} from "./fsma204.ts";
export { type ExportCore, exportRoutes } from "./routes.ts";
export { type BundleCheck, type BundleVerification, formatVerification, verifyBundle } from "./verify-bundle.ts";
export { writeXlsx } from "./xlsx.ts";
