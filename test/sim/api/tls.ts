// A throwaway self-signed certificate for 127.0.0.1, made with the openssl CLI, for serving the simulated API
// over https (kubectl only sends bearer tokens over TLS). Undefined when openssl is not installed.

import { execFileSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { join } from "node:path";

export function selfSignedCert(dir: string): { key: string; cert: string } | undefined {
  const key = join(dir, "tls.key");
  const cert = join(dir, "tls.crt");
  try {
    execFileSync(
      "openssl",
      [
        "req",
        "-x509",
        "-newkey",
        "rsa:2048",
        "-nodes",
        "-keyout",
        key,
        "-out",
        cert,
        "-days",
        "1",
        "-subj",
        "/CN=127.0.0.1",
        "-addext",
        "subjectAltName=IP:127.0.0.1",
      ],
      { stdio: "ignore" },
    );
  } catch {
    return undefined;
  }
  return { key: readFileSync(key, "utf8"), cert: readFileSync(cert, "utf8") };
}
