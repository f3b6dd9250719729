// src/load/engine.ts reaches into autocannon 8's Client (lib/httpClient.js). These checks fail when an
// autocannon upgrade moves those internals, before a load run misbehaves: the dependency is pinned exactly,
// and the pinned version still has what the engine calls and reads.
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { quietTimeoutTicker } from "../../src/load/engine.js";

const require = createRequire(import.meta.url);

describe("autocannon internals the engine relies on", () => {
  it("is pinned to one exact version, the one installed", () => {
    const pkg = JSON.parse(readFileSync("package.json", "utf8")) as { dependencies: Record<string, string> };
    const installed = (require("autocannon/package.json") as { version: string }).version;
    expect(pkg.dependencies.autocannon).toMatch(/^\d+\.\d+\.\d+$/);
    expect(pkg.dependencies.autocannon).toBe(installed);
  });

  it("Client still has the methods and fields the engine uses", () => {
    const Client = require("autocannon/lib/httpClient.js") as { prototype: Record<string, unknown> };
    for (const method of ["_doRequest", "_connect", "_resetConnection", "destroy"]) {
      expect(typeof Client.prototype[method]).toBe("function");
    }
    const source = readFileSync(require.resolve("autocannon/lib/httpClient.js"), "utf8");
    for (const field of [
      "this.reqsMade",
      "this.responseMax",
      "this.pipelinedRequests",
      "this.timeoutTicker",
    ]) {
      expect(source).toContain(field);
    }
    expect(source).toMatch(/this\.timeout = \(this\.opts\.timeout \|\| 10\) \* 1000/);
  });
});

describe("autocannon's request timer re-armed late", () => {
  it("asks setTimeout for a negative delay as it comes (Node's TimeoutNegativeWarning), for 1 ms once quieted", () => {
    type Ticker = { _schedule(timeout: number): void; clear(): void };
    const retimer = require("retimer") as (callback: () => void, timeout: number) => Ticker;
    const ticker = retimer(() => {}, 60_000);
    ticker.clear();
    // retimer arms its timer with the global setTimeout at each call: record the delays it asks for, and arm
    // nothing real (a real negative delay would print the warning this is about).
    const asked: number[] = [];
    const realSetTimeout = globalThis.setTimeout;
    globalThis.setTimeout = ((_callback: () => void, ms: number) => {
      asked.push(ms);
      return realSetTimeout(() => {}, 0);
    }) as typeof setTimeout;
    try {
      // What retimer's own wrapper does when its timer fires after the rescheduled time.
      ticker._schedule(-3);
      quietTimeoutTicker(ticker);
      ticker._schedule(-3);
      ticker._schedule(250);
    } finally {
      globalThis.setTimeout = realSetTimeout;
    }
    expect(asked).toEqual([-3, 1, 250]);
  });
});
