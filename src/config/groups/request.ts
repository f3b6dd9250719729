// The request each connection sends: path, method, headers, body and its timeout.
import { InputError } from "../errors.js";
import { INVALID, type Draft, type InputReader } from "../input-reader.js";
import { LIMITS } from "../limits.js";
import type { RequestSettings } from "../settings.js";
import { parseDuration, parseHeaders, parseMethod, parsePath } from "../values.js";

export function parseRequestGroup(inputs: InputReader): Draft<RequestSettings> {
  const text = inputs.value("body");
  const body = text === "" ? undefined : text;
  const tooLarge = body !== undefined && Buffer.byteLength(body, "utf8") > LIMITS.bodyBytes;
  if (tooLarge) {
    inputs.errors.add(
      new InputError("body", `is larger than ${LIMITS.bodyBytes / 1024} KiB`, {
        hint: "use a smaller request body",
      }),
    );
  }
  return {
    path: inputs.check(() => parsePath("path", inputs.value("path"))),
    method: inputs.check(() => parseMethod("method", inputs.value("method"))),
    headers: inputs.check(() => parseHeaders("headers", inputs.value("headers"))),
    body: tooLarge ? INVALID : body,
    timeoutMs: inputs.check(() =>
      parseDuration("request-timeout", inputs.value("request-timeout"), LIMITS.requestTimeout),
    ),
  };
}
