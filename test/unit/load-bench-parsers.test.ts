// The benchmark compares our engine with wrk and hey by parsing their text output: a misread unit would make
// every ratio wrong, so the parsers are checked against real output of the Debian packages.
import { parseHey, parseWrk } from "../../bench/lib/tools.js";

const WRK = `Running 5s test @ http://127.0.0.1:18080/
  2 threads and 50 connections
  Thread Stats   Avg      Stdev     Max   +/- Stdev
    Latency     1.20ms    2.80ms  45.21ms   93.85%
    Req/Sec    26.51k     7.53k   49.18k    69.00%
  Latency Distribution
     50%  636.00us
     75%    1.02ms
     90%    2.31ms
     99%    1.00s
  265212 requests in 5.09s, 37.94MB read
  Socket errors: connect 0, read 2, write 0, timeout 3
  Non-2xx or 3xx responses: 7
Requests/sec:  52124.31
Transfer/sec:      7.46MB
`;

const HEY = `
Summary:
  Total:	5.0033 secs
  Requests/sec:	15923.6475

Latency distribution:
  10% in 0.0002 secs
  50% in 0.0012 secs
  90% in 0.0068 secs
  99% in 1.0157 secs

Status code distribution:
  [200]	79660 responses
  [503]	9 responses

Error distribution:
  [4]	Get "http://127.0.0.1:18080/": dial tcp 127.0.0.1:18080: connect: connection refused
`;

test("wrk: rps, requests, percentiles in ms whatever the unit, and every kind of error", () => {
  expect(parseWrk(WRK)).toEqual({
    tool: "wrk",
    rps: 52124.31,
    requests: 265212,
    p50: 0.636,
    p90: 2.31,
    p99: 1000,
    errors: 12,
  });
});

test("hey: rps, responses by status, percentiles from seconds, and transport errors", () => {
  expect(parseHey(HEY)).toEqual({
    tool: "hey",
    rps: 15923.6475,
    requests: 79669,
    p50: 1.2,
    p90: 6.8,
    p99: 1015.7,
    errors: 13,
  });
});

test("output without a latency distribution is refused, not read as zero", () => {
  expect(() => parseWrk("Requests/sec: 10\n")).toThrow("wrk output has no 50% line");
  expect(() => parseHey("Requests/sec:\t10\n")).toThrow("hey output has no 50% line");
});
