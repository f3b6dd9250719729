// Request bodies in, JSON out: body size limit, JSON/YAML decoding (a parse failure is 400 like the
// apiserver's), content negotiation for Tables and the metav1.Status error responses.

import type { IncomingMessage, ServerResponse } from "node:http";
import * as yaml from "js-yaml";
import { StatusError } from "./errors.js";
import { decodeProtobufObject } from "./protobuf.js";

const MAX_BODY = 3 * 1024 * 1024;

export async function readBody(req: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > MAX_BODY)
      throw new StatusError(413, "RequestEntityTooLarge", "Request entity too large: limit is 3145728");
    chunks.push(chunk);
  }
  return Buffer.concat(chunks);
}

export function mediaType(req: IncomingMessage): string {
  return (req.headers["content-type"] ?? "").split(";")[0].trim().toLowerCase();
}

/** Decodes a JSON, YAML or (for a few kinds) protobuf body; anything unparsable is a 400 BadRequest. */
export function decodeBody(body: Buffer, type: string): unknown {
  if (body.length === 0) return undefined;
  if (type === "application/vnd.kubernetes.protobuf") return decodeProtobufObject(body);
  const text = body.toString("utf8");
  if (text.trim() === "") return undefined;
  try {
    if (type === "application/yaml" || type === "application/apply-patch+yaml" || type === "text/yaml") {
      return yaml.load(text, { schema: yaml.CORE_SCHEMA });
    }
    return JSON.parse(text);
  } catch (e) {
    const what = type.includes("yaml") ? "yaml" : "json";
    throw StatusError.badRequest(`error decoding ${what}: ${(e as Error).message.split("\n")[0]}`);
  }
}

/** Whether the client asked for a meta.k8s.io Table (kubectl get's server-side printing). */
export function wantsTable(req: IncomingMessage): boolean {
  const accept = req.headers.accept ?? "";
  return accept.split(",").some((part) => /as=Table/.test(part) && /g=meta\.k8s\.io/.test(part));
}

export function sendJson(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, {
    "Content-Type": "application/json",
    "Content-Length": Buffer.byteLength(text),
    "Cache-Control": "no-cache, private",
  });
  res.end(text);
}

export function sendError(res: ServerResponse, e: StatusError): void {
  if (res.headersSent) {
    res.end();
    return;
  }
  const headers: Record<string, string> = {};
  const retry = e.status.details?.retryAfterSeconds;
  if (retry !== undefined) headers["Retry-After"] = String(retry);
  for (const [k, v] of Object.entries(headers)) res.setHeader(k, v);
  sendJson(res, e.code, e.status);
}

export function sendText(res: ServerResponse, status: number, text: string): void {
  res.writeHead(status, {
    "Content-Type": "text/plain; charset=utf-8",
    "Content-Length": Buffer.byteLength(text),
  });
  res.end(text);
}

export function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}
