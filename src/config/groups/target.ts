// Where the load goes: an explicit url, or a gateway address sent the Service's Host header (neither: the
// Service's own URL). That both are set is a cross-input rule (cross-check.ts).
import type { Draft, InputReader } from "../input-reader.js";
import type { TargetSettings } from "../settings.js";
import { parseGateway, parseTargetUrl } from "../values.js";

export function parseTargetGroup(inputs: InputReader): Draft<TargetSettings> {
  return {
    url: inputs.optional("url", (text) => parseTargetUrl("url", text)),
    gateway: inputs.optional("gateway", (text) => parseGateway("gateway", text)),
  };
}
