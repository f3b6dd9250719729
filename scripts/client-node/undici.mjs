// What @kubernetes/client-node imports from undici (Agent, ProxyAgent, fetch), without the rest of undici's
// index: the index requires every dispatcher, the mocks, the caches, WebSocket and EventSource, all evaluated
// when client-node loads. Used only for dist/client-node.js (scripts/client-node/bundle.mjs); from source,
// client-node gets undici itself. A name client-node imports and this module lacks fails the esbuild build.
import Dispatcher from "undici/lib/dispatcher/dispatcher.js";
import api from "undici/lib/api/index.js";

// As undici's index does: request, stream, pipeline, connect and upgrade on every dispatcher.
Object.assign(Dispatcher.prototype, api);

export { default as Agent } from "undici/lib/dispatcher/agent.js";
export { default as ProxyAgent } from "undici/lib/dispatcher/proxy-agent.js";
export { fetch } from "undici/lib/web/fetch/index.js";
