import { readFileSync } from "node:fs";
import { chooseTarget } from "../../src/load/target.js";
import { shouldTearDown } from "../../src/pipeline/cleanup.js";
import type { CleanupPlan } from "../../src/pipeline/state.js";
import { TOOL } from "../../src/tool.js";

const plan = (teardown: CleanupPlan["teardown"], passed?: boolean): CleanupPlan => ({
  namespace: "demo",
  service: "hello",
  teardown,
  deleteService: true,
  deleteNamespace: false,
  passed,
  done: false,
});

describe("teardown policy", () => {
  it("always tears down, whatever the outcome", () => {
    expect(shouldTearDown(plan("always", false))).toBe(true);
    expect(shouldTearDown(plan("always"))).toBe(true);
  });
  it("on-success keeps a failed or unfinished run for debugging", () => {
    expect(shouldTearDown(plan("on-success", true))).toBe(true);
    expect(shouldTearDown(plan("on-success", false))).toBe(false);
    expect(shouldTearDown(plan("on-success"))).toBe(false);
  });
  it("never tears down", () => {
    expect(shouldTearDown(plan("never", true))).toBe(false);
  });
});

describe("chooseTarget", () => {
  const statusUrl = "http://hello.demo.example.com";
  it("prefers the url input", () => {
    expect(
      chooseTarget({ url: "http://10.0.0.1:8080", gateway: "127.0.0.1:80" }, { url: statusUrl }, "runner"),
    ).toEqual({
      url: "http://10.0.0.1:8080",
    });
  });
  it("sends through the gateway with the service's host", () => {
    expect(chooseTarget({ gateway: "127.0.0.1:31080" }, { url: statusUrl }, "runner")).toEqual({
      url: "http://127.0.0.1:31080",
      host: "hello.demo.example.com",
    });
    expect(chooseTarget({ gateway: "https://gw.example.com" }, { url: statusUrl }, "runner").url).toBe(
      "https://gw.example.com",
    );
  });
  it("falls back to status.url", () => {
    expect(chooseTarget({}, { url: statusUrl }, "runner")).toEqual({ url: statusUrl });
  });
  it("from inside the cluster, goes to the cluster-local address unless url or gateway is set", () => {
    const service = { url: statusUrl, addressUrl: "http://hello.demo.svc.cluster.local" };
    expect(chooseTarget({}, service, "cluster")).toEqual({ url: "http://hello.demo.svc.cluster.local" });
    expect(chooseTarget({}, service, "runner")).toEqual({ url: statusUrl });
    expect(chooseTarget({}, { url: statusUrl }, "cluster")).toEqual({ url: statusUrl });
    expect(chooseTarget({ gateway: "10.0.0.9" }, service, "cluster")).toEqual({
      url: "http://10.0.0.9",
      host: "hello.demo.example.com",
    });
    expect(chooseTarget({ url: "http://x" }, service, "cluster")).toEqual({ url: "http://x" });
  });
});

describe("tool identity", () => {
  it("matches package.json's version", () => {
    const pkg = JSON.parse(readFileSync("package.json", "utf8")) as { name: string; version: string };
    expect(TOOL).toEqual({ name: pkg.name, version: pkg.version });
  });
});
