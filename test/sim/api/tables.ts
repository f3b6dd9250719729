// Server-side printing: the meta.k8s.io/v1 Table kubectl asks for (`Accept: application/json;as=Table;...`).
// Built-in types use the columns of k8s.io/kubernetes pkg/printers/internalversion; Knative types use the
// additionalPrinterColumns of their CRDs (knative/serving config/core/300-resources/*.yaml), with the Age
// column the CRD table convertor appends.

import type { K8sObject } from "../store.js";
import type { ResourceType } from "./resources.js";

export interface ColumnDefinition {
  name: string;
  type: string;
  format: string;
  description: string;
  priority: number;
}

type Cell = string | number | boolean | null;
type Obj = Record<string, unknown>;

interface Printer {
  columns: [name: string, type: string, priority?: number][];
  cells(o: K8sObject, now: Date): Cell[];
  /** Events print their name last and only with -o wide (priority 1); everything else starts with it. */
  nameLast?: boolean;
}

/** kubectl's duration.HumanDuration. */
export function humanDuration(ms: number): string {
  const seconds = Math.floor(ms / 1000);
  if (seconds < -1) return "<invalid>";
  if (seconds < 0) return "0s";
  if (seconds < 120) return `${seconds}s`;
  const minutes = Math.floor(seconds / 60);
  if (minutes < 10) return seconds % 60 === 0 ? `${minutes}m` : `${minutes}m${seconds % 60}s`;
  if (minutes < 180) return `${minutes}m`;
  const hours = Math.floor(minutes / 60);
  if (hours < 8) return minutes % 60 === 0 ? `${hours}h` : `${hours}h${minutes % 60}m`;
  if (hours < 48) return `${hours}h`;
  if (hours < 24 * 8)
    return hours % 24 === 0 ? `${Math.floor(hours / 24)}d` : `${Math.floor(hours / 24)}d${hours % 24}h`;
  if (hours < 24 * 365 * 2) return `${Math.floor(hours / 24)}d`;
  const years = Math.floor(hours / 24 / 365);
  const days = Math.floor(hours / 24) % 365;
  if (hours < 24 * 365 * 8) return days === 0 ? `${years}y` : `${years}y${days}d`;
  return `${years}y`;
}

function age(o: K8sObject, now: Date): string {
  const t = o.metadata.creationTimestamp;
  return t ? humanDuration(now.getTime() - Date.parse(t)) : "<unknown>";
}

function obj(v: unknown): Obj {
  return typeof v === "object" && v !== null && !Array.isArray(v) ? (v as Obj) : {};
}

function arr(v: unknown): Obj[] {
  return Array.isArray(v) ? (v as Obj[]) : [];
}

/**
 * A JSONPath subset enough for printer columns: `.a.b`, `['dotted\.key']`, `[?(@.type=='Ready')]`.
 * Returns undefined when nothing matches (the cell is then empty).
 */
export function evalJsonPath(root: unknown, path: string): unknown {
  let cur: unknown[] = [root];
  const re =
    /\.([A-Za-z0-9_-]+)|\['((?:[^'\\]|\\.)*)'\]|\[\?\(@\.([A-Za-z0-9_.]+)\s*==\s*'([^']*)'\)\]|\[(\d+)\]/g;
  let m: RegExpExecArray | null;
  while ((m = re.exec(path))) {
    if (m[1] !== undefined || m[2] !== undefined) {
      const key = m[1] ?? m[2].replace(/\\(.)/g, "$1");
      cur = cur.map((c) => obj(c)[key]).filter((v) => v !== undefined);
    } else if (m[3] !== undefined) {
      const [field, want] = [m[3], m[4]];
      cur = cur.flatMap((c) => arr(c)).filter((item) => String(evalJsonPath(item, `.${field}`)) === want);
    } else if (m[5] !== undefined) {
      cur = cur.map((c) => arr(c)[Number(m?.[5])]).filter((v) => v !== undefined);
    }
  }
  return cur.length === 0 ? undefined : cur[0];
}

function crdPrinter(cols: [string, string, string][]): Printer {
  return {
    columns: [...cols.map(([n, t]) => [n, t] as [string, string]), ["Age", "date"]],
    cells: (o, now) => [
      ...cols.map(([, , path]) => {
        const v = evalJsonPath(o, path);
        return v === undefined || v === null ? null : typeof v === "object" ? JSON.stringify(v) : (v as Cell);
      }),
      age(o, now),
    ],
  };
}

const READY = ".status.conditions[?(@.type=='Ready')].status";
const REASON = ".status.conditions[?(@.type=='Ready')].reason";

function podStatus(p: K8sObject): { ready: string; status: string; restarts: number } {
  const spec = obj(p.spec);
  const status = obj(p.status);
  let reason = (status.reason as string) || (status.phase as string) || "Pending";
  let restarts = 0;
  let ready = 0;
  let hasRunning = false;
  const statuses = arr(status.containerStatuses);
  for (let i = statuses.length - 1; i >= 0; i--) {
    const c = statuses[i];
    const state = obj(c.state);
    restarts += Number(c.restartCount ?? 0);
    const waiting = obj(state.waiting);
    const terminated = obj(state.terminated);
    if (state.waiting && waiting.reason) reason = waiting.reason as string;
    else if (state.terminated && terminated.reason) reason = terminated.reason as string;
    else if (state.terminated) {
      reason = terminated.signal ? `Signal:${terminated.signal}` : `ExitCode:${terminated.exitCode ?? 0}`;
    } else if (c.ready && state.running) {
      hasRunning = true;
      ready++;
    }
  }
  if (reason === "Completed" && hasRunning) {
    const podReady = arr(status.conditions).some((c) => c.type === "Ready" && c.status === "True");
    reason = podReady ? "Running" : "NotReady";
  }
  if (p.metadata.deletionTimestamp) reason = status.reason === "NodeLost" ? "Unknown" : "Terminating";
  return { ready: `${ready}/${arr(spec.containers).length}`, status: reason, restarts };
}

function servicePorts(s: Obj): string {
  const ports = arr(s.ports);
  if (ports.length === 0) return "<none>";
  return ports
    .map((p) =>
      p.nodePort ? `${p.port}:${p.nodePort}/${p.protocol ?? "TCP"}` : `${p.port}/${p.protocol ?? "TCP"}`,
    )
    .join(",");
}

function externalIp(s: Obj, status: Obj): string {
  switch (s.type) {
    case "ExternalName":
      return (s.externalName as string) ?? "<none>";
    case "LoadBalancer": {
      const ips = arr(obj(status.loadBalancer).ingress).map((i) => (i.ip ?? i.hostname) as string);
      return ips.length > 0 ? ips.join(",") : "<pending>";
    }
    default:
      return arr(s.externalIPs).length > 0 ? (s.externalIPs as string[]).join(",") : "<none>";
  }
}

function selectorText(sel: unknown): string {
  const m = obj(obj(sel).matchLabels ?? sel);
  const parts = Object.entries(m).map(([k, v]) => `${k}=${v}`);
  return parts.length > 0 ? parts.join(",") : "<none>";
}

const PRINTERS: Record<string, Printer> = {
  "/pods": {
    columns: [
      ["Ready", "string"],
      ["Status", "string"],
      ["Restarts", "string"],
      ["Age", "string"],
      ["IP", "string", 1],
      ["Node", "string", 1],
      ["Nominated Node", "string", 1],
      ["Readiness Gates", "string", 1],
    ],
    cells: (p, now) => {
      const s = podStatus(p);
      const status = obj(p.status);
      return [
        s.ready,
        s.status,
        String(s.restarts),
        age(p, now),
        (status.podIP as string) || "<none>",
        (obj(p.spec).nodeName as string) || "<none>",
        (status.nominatedNodeName as string) || "<none>",
        "<none>",
      ];
    },
  },
  "/services": {
    columns: [
      ["Type", "string"],
      ["Cluster-IP", "string"],
      ["External-IP", "string"],
      ["Port(s)", "string"],
      ["Age", "string"],
      ["Selector", "string", 1],
    ],
    cells: (o, now) => {
      const s = obj(o.spec);
      return [
        (s.type as string) ?? "ClusterIP",
        (s.clusterIP as string) || "<none>",
        externalIp(s, obj(o.status)),
        servicePorts(s),
        age(o, now),
        selectorText(s.selector),
      ];
    },
  },
  "apps/deployments": {
    columns: [
      ["Ready", "string"],
      ["Up-to-date", "integer"],
      ["Available", "integer"],
      ["Age", "string"],
      ["Containers", "string", 1],
      ["Images", "string", 1],
      ["Selector", "string", 1],
    ],
    cells: (o, now) => {
      const s = obj(o.spec);
      const st = obj(o.status);
      const containers = arr(obj(obj(s.template).spec).containers);
      return [
        `${st.readyReplicas ?? 0}/${s.replicas ?? 1}`,
        Number(st.updatedReplicas ?? 0),
        Number(st.availableReplicas ?? 0),
        age(o, now),
        containers.map((c) => c.name).join(","),
        containers.map((c) => c.image).join(","),
        selectorText(s.selector),
      ];
    },
  },
  "apps/replicasets": {
    columns: [
      ["Desired", "integer"],
      ["Current", "integer"],
      ["Ready", "integer"],
      ["Age", "string"],
    ],
    cells: (o, now) => {
      const st = obj(o.status);
      return [
        Number(obj(o.spec).replicas ?? 1),
        Number(st.replicas ?? 0),
        Number(st.readyReplicas ?? 0),
        age(o, now),
      ];
    },
  },
  "/namespaces": {
    columns: [
      ["Status", "string"],
      ["Age", "string"],
    ],
    cells: (o, now) => [(obj(o.status).phase as string) ?? "Active", age(o, now)],
  },
  "/configmaps": {
    columns: [
      ["Data", "integer"],
      ["Age", "string"],
    ],
    cells: (o, now) => [Object.keys(obj(o.data)).length + Object.keys(obj(o.binaryData)).length, age(o, now)],
  },
  // printNode / printResourceQuota (pkg/printers/internalversion/printers.go).
  "/nodes": {
    columns: [
      ["Status", "string"],
      ["Roles", "string"],
      ["Age", "string"],
      ["Version", "string"],
      ["Internal-IP", "string", 1],
    ],
    cells: (o, now) => {
      const st = obj(o.status);
      const ready = arr(st.conditions).find((c) => obj(c).type === "Ready");
      const ip = arr(st.addresses).find((a) => obj(a).type === "InternalIP");
      return [
        obj(ready).status === "True" ? "Ready" : "NotReady",
        "<none>",
        age(o, now),
        (obj(obj(st.nodeInfo)).kubeletVersion as string) || "",
        (obj(ip).address as string) || "<none>",
      ];
    },
  },
  "/resourcequotas": {
    columns: [
      ["Age", "string"],
      ["Request", "string"],
      ["Limit", "string"],
    ],
    cells: (o, now) => {
      const hard = obj(obj(o.status).hard ?? obj(o.spec).hard);
      const used = obj(obj(o.status).used);
      const request = Object.keys(hard)
        .filter((k) => !k.startsWith("limits."))
        .sort()
        .map((k) => `${k}: ${(used[k] as string) ?? "0"}/${hard[k] as string}`);
      const limit = Object.keys(hard)
        .filter((k) => k.startsWith("limits."))
        .sort()
        .map((k) => `${k}: ${(used[k] as string) ?? "0"}/${hard[k] as string}`);
      return [age(o, now), request.join(", "), limit.join(", ")];
    },
  },
  "/secrets": {
    columns: [
      ["Type", "string"],
      ["Data", "integer"],
      ["Age", "string"],
    ],
    cells: (o, now) => [(o.type as string) ?? "Opaque", Object.keys(obj(o.data)).length, age(o, now)],
  },
  "/serviceaccounts": {
    columns: [
      ["Secrets", "string"],
      ["Age", "string"],
    ],
    cells: (o, now) => [String(arr(o.secrets).length), age(o, now)],
  },
  "/events": {
    columns: [
      ["Last Seen", "string"],
      ["Type", "string"],
      ["Reason", "string"],
      ["Object", "string"],
      ["Message", "string"],
    ],
    cells: (o, now) => {
      const inv = obj(o.involvedObject);
      const last = (o.lastTimestamp ?? o.eventTime ?? o.metadata.creationTimestamp) as string | undefined;
      return [
        last ? humanDuration(now.getTime() - Date.parse(last)) : "<unknown>",
        (o.type as string) ?? "",
        (o.reason as string) ?? "",
        `${String(inv.kind ?? "").toLowerCase()}/${inv.name ?? ""}`,
        (o.message as string) ?? "",
      ];
    },
    nameLast: true,
  },
  "batch/jobs": {
    columns: [
      ["Status", "string"],
      ["Completions", "string"],
      ["Duration", "string"],
      ["Age", "string"],
    ],
    cells: (o, now) => {
      const st = obj(o.status);
      const conds = arr(st.conditions);
      const done = conds.some((c) => c.type === "Complete" && c.status === "True");
      const failed = conds.some((c) => c.type === "Failed" && c.status === "True");
      const start = st.startTime ? Date.parse(st.startTime as string) : undefined;
      const end = st.completionTime ? Date.parse(st.completionTime as string) : now.getTime();
      return [
        done ? "Complete" : failed ? "Failed" : "Running",
        `${st.succeeded ?? 0}/${obj(o.spec).completions ?? 1}`,
        start ? humanDuration(end - start) : "",
        age(o, now),
      ];
    },
  },
  "coordination.k8s.io/leases": {
    columns: [
      ["Holder", "string"],
      ["Age", "string"],
    ],
    cells: (o, now) => [(obj(o.spec).holderIdentity as string) ?? "", age(o, now)],
  },
  "serving.knative.dev/services": crdPrinter([
    ["URL", "string", ".status.url"],
    ["LatestCreated", "string", ".status.latestCreatedRevisionName"],
    ["LatestReady", "string", ".status.latestReadyRevisionName"],
    ["Ready", "string", READY],
    ["Reason", "string", REASON],
  ]),
  "serving.knative.dev/configurations": crdPrinter([
    ["LatestCreated", "string", ".status.latestCreatedRevisionName"],
    ["LatestReady", "string", ".status.latestReadyRevisionName"],
    ["Ready", "string", READY],
    ["Reason", "string", REASON],
  ]),
  "serving.knative.dev/revisions": crdPrinter([
    ["Config Name", "string", ".metadata.labels['serving\\.knative\\.dev/configuration']"],
    ["Generation", "string", ".metadata.labels['serving\\.knative\\.dev/configurationGeneration']"],
    ["Ready", "string", READY],
    ["Reason", "string", REASON],
    ["Actual Replicas", "integer", ".status.actualReplicas"],
    ["Desired Replicas", "integer", ".status.desiredReplicas"],
  ]),
  // podautoscaler.yaml's additionalPrinterColumns.
  "autoscaling.internal.knative.dev/podautoscalers": crdPrinter([
    ["DesiredScale", "integer", ".status.desiredScale"],
    ["ActualScale", "integer", ".status.actualScale"],
    ["Ready", "string", READY],
    ["Reason", "string", REASON],
  ]),
  "serving.knative.dev/routes": crdPrinter([
    ["URL", "string", ".status.url"],
    ["Ready", "string", READY],
    ["Reason", "string", REASON],
  ]),
};

const FALLBACK: Printer = { columns: [["Age", "string"]], cells: (o, now) => [age(o, now)] };

export type IncludeObject = "None" | "Metadata" | "Object";

/** A meta.k8s.io/v1 Table of `items` of type `t`, as the apiserver answers kubectl. */
export function toTable(
  t: ResourceType,
  items: K8sObject[],
  opts: {
    resourceVersion?: string;
    includeObject?: IncludeObject;
    noHeaders?: boolean;
    now?: Date;
    continueToken?: string;
  },
): Record<string, unknown> {
  const printer = PRINTERS[t.id] ?? FALLBACK;
  const now = opts.now ?? new Date();
  const nameColumn: ColumnDefinition = {
    name: "Name",
    type: "string",
    format: "name",
    description: "Name must be unique within a namespace.",
    priority: printer.nameLast ? 1 : 0,
  };
  const columns: ColumnDefinition[] = printer.columns.map(([name, type, priority]) => ({
    name,
    type,
    format: "",
    description: name,
    priority: priority ?? 0,
  }));
  const columnDefinitions = opts.noHeaders
    ? []
    : printer.nameLast
      ? [...columns, nameColumn]
      : [nameColumn, ...columns];
  const include = opts.includeObject ?? "Metadata";
  const rows = items.map((o) => {
    const cells = printer.cells(o, now);
    const row: Record<string, unknown> = {
      cells: printer.nameLast ? [...cells, o.metadata.name] : [o.metadata.name, ...cells],
    };
    if (include === "Object") row.object = o;
    else if (include === "Metadata") {
      row.object = { kind: "PartialObjectMetadata", apiVersion: "meta.k8s.io/v1", metadata: o.metadata };
    }
    return row;
  });
  const metadata: Record<string, unknown> = {};
  if (opts.resourceVersion) metadata.resourceVersion = opts.resourceVersion;
  if (opts.continueToken) metadata.continue = opts.continueToken;
  return { kind: "Table", apiVersion: "meta.k8s.io/v1", metadata, columnDefinitions, rows };
}
