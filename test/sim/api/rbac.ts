// Bearer-token authentication and RBAC authorization, for least-privilege tests. Users and their rules are
// configured on the server (the equivalent of Roles/ClusterRoles with bindings); messages follow the
// apiserver's: `pods is forbidden: User "ci" cannot list resource "pods" in API group "" in the namespace "demo"`.

import { StatusError } from "./errors.js";
import type { RequestInfo } from "./request-info.js";

export interface PolicyRule {
  apiGroups: string[];
  resources: string[];
  verbs: string[];
  resourceNames?: string[];
}

export interface RoleBinding {
  /** Namespace of a Role; undefined for a ClusterRole bound cluster-wide. */
  namespace?: string;
  rules: PolicyRule[];
}

export interface AuthConfig {
  /** Bearer token → user name. */
  tokens: Record<string, string>;
  /** Users allowed everything (system:masters). */
  admins?: string[];
  /** User name → bindings. */
  bindings?: Record<string, RoleBinding[]>;
  /** Requests without a token act as system:anonymous (denied everything but discovery); else 401. */
  allowAnonymous?: boolean;
}

const ADMIN = "kubernetes-admin";

function matches(list: string[], value: string): boolean {
  return list.includes("*") || list.includes(value);
}

function allowedBy(rule: PolicyRule, info: Extract<RequestInfo, { kind: "resource" }>): boolean {
  const resource = info.subresource ? `${info.type.plural}/${info.subresource}` : info.type.plural;
  return (
    matches(rule.apiGroups, info.group) &&
    (matches(rule.resources, resource) || (!info.subresource && matches(rule.resources, info.type.plural))) &&
    matches(rule.verbs, info.verb) &&
    (!rule.resourceNames ||
      rule.resourceNames.length === 0 ||
      (info.name !== undefined && rule.resourceNames.includes(info.name)))
  );
}

function forbidden(user: string, info: Extract<RequestInfo, { kind: "resource" }>): StatusError {
  const resource = info.subresource ? `${info.type.plural}/${info.subresource}` : info.type.plural;
  const subject = info.name ? `${info.type.plural} "${info.name}"` : info.type.plural;
  const scope = info.namespace ? `in the namespace "${info.namespace}"` : "at the cluster scope";
  return StatusError.forbidden(
    `${subject} is forbidden: User "${user}" cannot ${info.verb} resource "${resource}" in API group "${info.group}" ${scope}`,
    { name: info.name, group: info.group, kind: info.type.plural },
  );
}

export class Authorizer {
  constructor(private config: AuthConfig | undefined) {}

  configure(config: AuthConfig | undefined): void {
    this.config = config;
  }

  /** The user for an Authorization header; throws 401 for an unknown token. */
  authenticate(header: string | undefined): string {
    if (!this.config) return ADMIN;
    const token = /^Bearer\s+(.+)$/i.exec(header ?? "")?.[1];
    if (token) {
      const user = this.config.tokens[token];
      if (!user) throw StatusError.unauthorized();
      return user;
    }
    if (this.config.allowAnonymous) return "system:anonymous";
    throw StatusError.unauthorized();
  }

  /** Throws 403 Forbidden unless `user` may make the request. */
  authorize(user: string, info: RequestInfo): void {
    if (!this.config || user === ADMIN || this.config.admins?.includes(user)) return;
    if (info.kind !== "resource") {
      if (user === "system:anonymous" && !/^\/(version|api|apis|openapi)(\/|$)/.test(info.path)) {
        throw StatusError.forbidden(`forbidden: User "${user}" cannot get path "${info.path}"`);
      }
      return;
    }
    const bindings = this.config.bindings?.[user] ?? [];
    const ok = bindings.some(
      (b) =>
        (b.namespace === undefined || b.namespace === info.namespace) &&
        b.rules.some((r) => allowedBy(r, info)),
    );
    if (!ok) throw forbidden(user, info);
  }
}
