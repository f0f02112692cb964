// Path patterns of core/src/http/route.ts: literal segments, `:name` parameters and a final
// `*name` that takes the rest. Matching works on the raw (still percent-encoded) path split
// at "/", then decodes each segment, so an encoded "/" (%2F) stays inside its parameter —
// how `GET /epcs/{epc}/events` carries a Digital Link (EPCIS 2.0 §12.5 path parameters).
import type { HttpMethod, Route } from "./route.ts";

type Seg = { lit: string } | { param: string } | { rest: string };

interface Compiled {
  route: Route;
  segs: Seg[];
}

export type Match =
  | { kind: "found"; route: Route; params: Record<string, string> }
  | { kind: "method"; allow: HttpMethod[] }
  | { kind: "none" };

function compile(route: Route): Compiled {
  if (!route.path.startsWith("/")) throw new TypeError(`route path must start with "/": ${route.path}`);
  const parts = route.path === "/" ? [] : route.path.slice(1).split("/");
  const segs: Seg[] = parts.map((p, i) => {
    if (p.startsWith(":")) return { param: p.slice(1) };
    if (p.startsWith("*")) {
      if (i !== parts.length - 1) throw new TypeError(`"*${p.slice(1)}" must be the last segment: ${route.path}`);
      return { rest: p.slice(1) };
    }
    return { lit: p };
  });
  return { route, segs };
}

/** Thrown for a path segment that is not valid percent-encoding (→ 400). */
export class BadPathError extends Error {}

function decode(s: string): string {
  try {
    return decodeURIComponent(s);
  } catch {
    throw new BadPathError(`path segment ${JSON.stringify(s.slice(0, 80))} is not valid percent-encoding`);
  }
}

function matchSegs(segs: Seg[], parts: string[]): Record<string, string> | undefined {
  const params: Record<string, string> = {};
  for (let i = 0; i < segs.length; i++) {
    const s = segs[i]!;
    if ("rest" in s) {
      if (i >= parts.length) return undefined;
      params[s.rest] = parts.slice(i).map(decode).join("/");
      return params;
    }
    const p = parts[i];
    if (p === undefined) return undefined;
    if ("lit" in s) {
      if (p !== s.lit) return undefined;
    } else {
      if (p === "") return undefined;
      params[s.param] = decode(p);
    }
  }
  return parts.length === segs.length ? params : undefined;
}

export class Router {
  private readonly compiled: Compiled[];

  constructor(routes: readonly Route[]) {
    this.compiled = routes.map(compile);
  }

  /** First route (in the order given) whose method and path match; HEAD falls back to GET. */
  match(method: string, rawPath: string): Match {
    const parts = rawPath === "/" ? [] : rawPath.slice(1).split("/");
    const allow = new Set<HttpMethod>();
    for (const c of this.compiled) {
      const params = matchSegs(c.segs, parts);
      if (params === undefined) continue;
      const m = c.route.method;
      if (m === method || (method === "HEAD" && m === "GET")) return { kind: "found", route: c.route, params };
      allow.add(m);
      if (m === "GET") allow.add("HEAD");
    }
    return allow.size > 0 ? { kind: "method", allow: [...allow] } : { kind: "none" };
  }
}
