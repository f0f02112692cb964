// The core's HTTP side (issue 6 §1): server, EPCIS 2.0 REST binding, suyuan's JSON API.
export { type ApiChain, type ApiStep, apiRoutes, buildChain, holdersCsv, publicView } from "./api.ts";
export { type CaptureJob, type CaptureJobError, CaptureJobs } from "./capture-jobs.ts";
export { type EpcFormat, formatEventIds, formatId } from "./epc-format.ts";
export { epcisRoutes, queryParamsOf } from "./epcis-rest.ts";
export * from "./limits.ts";
export { openApiDocument } from "./openapi.ts";
export { httpError, httpStatusOf, PROBLEM_BASE, type ProblemDocument, sendProblem, toProblem } from "./problem.ts";
export type { HttpMethod, Route, RouteContext } from "./route.ts";
export { Router } from "./router.ts";
export { DEFAULT_MAX_BODY, type HttpCore, type HttpOptions, type RunningHttp, startHttp } from "./server.ts";
export { admit, jsonBody, sendJson, sendText } from "./util.ts";
export { type ChainWarning, chainWarnings } from "./warnings.ts";
