// A kubeconfig pointing at the simulated API server, for kubectl (`--kubeconfig` / KUBECONFIG) and client-node
// (`kc.loadFromFile`). Plain http needs no certificate data; a bearer token selects an RBAC user.

import { writeFileSync } from "node:fs";
import * as yaml from "js-yaml";

export interface KubeconfigOptions {
  /** Bearer token of the user (RBAC subject); without one requests are made as the cluster admin. */
  token?: string;
  /** Context, cluster and user name. Default "knative-sim". */
  name?: string;
  /** Default namespace of the context. */
  namespace?: string;
}

export function kubeconfigYaml(url: string, opts: KubeconfigOptions = {}): string {
  const name = opts.name ?? "knative-sim";
  const config = {
    apiVersion: "v1",
    kind: "Config",
    preferences: {},
    // client-node refuses an http:// server unless TLS verification is explicitly skipped; kubectl accepts both.
    clusters: [{ name, cluster: { server: url, "insecure-skip-tls-verify": true } }],
    users: [{ name, user: opts.token ? { token: opts.token } : {} }],
    contexts: [
      {
        name,
        context: { cluster: name, user: name, ...(opts.namespace ? { namespace: opts.namespace } : {}) },
      },
    ],
    "current-context": name,
  };
  return yaml.dump(config, { lineWidth: -1 });
}

/** Writes the kubeconfig to `file` (mode 0600, as kubectl expects) and returns its YAML. */
export function writeKubeconfig(url: string, file: string, opts: KubeconfigOptions = {}): string {
  const text = kubeconfigYaml(url, opts);
  writeFileSync(file, text, { mode: 0o600 });
  return text;
}
