// Limits and versions of the EPCIS 2.0 REST binding (shared by the routes and the OpenAPI document).

/** The versions this binding speaks (EPCIS 2.0 §12.2 `GS1-EPCIS-Version`, `GS1-CBV-Version`). */
export const EPCIS_VERSION = "2.0.0";
export const CBV_VERSION = "2.0.0";
/** Events one capture document may carry (EPCIS 2.0 §12.3 `GS1-EPCIS-Capture-Limit`). */
export const CAPTURE_EVENT_LIMIT = 10_000;
/** Page size of event query answers when the client names none, and the largest allowed. */
export const DEFAULT_PER_PAGE = 100;
export const MAX_PER_PAGE = 10_000;
