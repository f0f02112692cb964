// The HTTP side's one contract: a route is a method, a path pattern and a handler. The REST
// binding, suyuan's JSON API, the web pages and the exports each export a list of routes;
// `core/src/http/server.ts` serves them all (first match wins, in the order given).
import type { IncomingMessage, ServerResponse } from "node:http";
import type { Principal } from "../model.ts";

export type HttpMethod = "GET" | "POST" | "PUT" | "DELETE" | "HEAD";

export interface RouteContext {
  req: IncomingMessage;
  res: ServerResponse;
  url: URL;
  /** Named path parameters, e.g. `/events/:eventID` → { eventID }. Already percent-decoded. */
  params: Record<string, string>;
  /** The authenticated caller (public when no bearer token). */
  principal: Principal;
  /** Reads the request body (size-limited), as text. */
  body(): Promise<string>;
}

/**
 * A handler writes the response itself, or throws a SuyuanError which the server turns into
 * an RFC 7807 problem document (application/problem+json) with the coded reason.
 */
export interface Route {
  method: HttpMethod;
  /** Path pattern: literal segments and `:name` parameters; a final `*name` takes the rest. */
  path: string;
  handler(ctx: RouteContext): Promise<void> | void;
}
