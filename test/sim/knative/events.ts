// core/v1 Events for the main transitions, as the controllers' event recorders would write them, so that
// `kubectl describe` and `kubectl get events` show a believable story. Best effort: an event that cannot be
// written (namespace terminating) is dropped, as client-go's recorder does.
import { randomBytes } from "node:crypto";
import type { K8sObject, Store } from "../store.js";
import { rfc3339 } from "./status.js";

export type EventType = "Normal" | "Warning";

export function recordEvent(
  store: Store,
  component: string,
  involved: K8sObject,
  type: EventType,
  reason: string,
  message: string,
): void {
  const now = rfc3339(new Date());
  const name = `${involved.metadata.name}.${randomBytes(8).toString("hex")}`;
  try {
    store.create("/events", {
      apiVersion: "v1",
      kind: "Event",
      metadata: { name, namespace: involved.metadata.namespace },
      involvedObject: {
        apiVersion: involved.apiVersion,
        kind: involved.kind,
        name: involved.metadata.name,
        namespace: involved.metadata.namespace,
        uid: involved.metadata.uid,
        resourceVersion: involved.metadata.resourceVersion,
      },
      reason,
      message,
      type,
      source: { component },
      reportingComponent: component,
      reportingInstance: "",
      firstTimestamp: now,
      lastTimestamp: now,
      count: 1,
    });
  } catch {
    // Events are advisory; losing one never changes behaviour.
  }
}
