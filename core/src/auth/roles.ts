// Roles and the role check every transport applies before a domain call (issue 3 §5).
import { SuyuanError } from "@suyuan/proto";
import type { Principal, Role } from "../model.ts";

export const ROLES: readonly Role[] = ["admin", "gateway", "partner", "inspector", "recall_officer", "public"];

/** The caller without a token: the reduced public view only. */
export const PUBLIC_PRINCIPAL: Readonly<Principal> = Object.freeze({ id: "public", role: "public" });

export function isRole(v: unknown): v is Role {
  return typeof v === "string" && (ROLES as readonly string[]).includes(v);
}

/**
 * Throws unless the principal has one of `roles`. A caller without a token gets
 * AUTH_MISSING_TOKEN (gRPC UNAUTHENTICATED: "send a token"), one with a token of another
 * role AUTH_FORBIDDEN (PERMISSION_DENIED), both naming the role needed.
 */
export function requireRole(principal: Principal, roles: readonly Role[], what = "this call"): void {
  if (roles.includes(principal.role)) return;
  const needed = roles.length === 1 ? `role ${roles[0]}` : `role ${roles.slice(0, -1).join(", ")} or ${roles.at(-1)}`;
  if (principal.role === "public") {
    throw new SuyuanError("AUTH_MISSING_TOKEN", `${what} needs a bearer token with ${needed}`, {
      field: "authorization",
      detail: { needed: roles },
    });
  }
  throw new SuyuanError("AUTH_FORBIDDEN", `${what} needs ${needed}; the caller's token has role ${principal.role}`, {
    field: "authorization",
    detail: { needed: roles, actual: principal.role },
  });
}
