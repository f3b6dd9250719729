// Decoding of the Kubernetes protobuf envelope for the few request bodies kubectl sends that way: its typed
// clientset (used by `kubectl create namespace|configmap|secret|serviceaccount`) posts
// `application/vnd.kubernetes.protobuf`. The envelope is "k8s\0" + runtime.Unknown{typeMeta, raw}; raw is the
// object in the field numbering of k8s.io/api/core/v1/generated.proto. Other kinds get 415, naming the kind.

import { StatusError } from "./errors.js";

type FieldType =
  "string" | "bytes" | "int64" | "bool" | "message" | "mapStringString" | "mapStringBytes" | "time";

interface Field {
  name: string;
  type: FieldType;
  repeated?: boolean;
  schema?: Schema;
}

type Schema = Record<number, Field>;

const OWNER_REFERENCE: Schema = {
  1: { name: "kind", type: "string" },
  3: { name: "name", type: "string" },
  4: { name: "uid", type: "string" },
  5: { name: "apiVersion", type: "string" },
  6: { name: "controller", type: "bool" },
  7: { name: "blockOwnerDeletion", type: "bool" },
};

const OBJECT_META: Schema = {
  1: { name: "name", type: "string" },
  2: { name: "generateName", type: "string" },
  3: { name: "namespace", type: "string" },
  5: { name: "uid", type: "string" },
  6: { name: "resourceVersion", type: "string" },
  7: { name: "generation", type: "int64" },
  11: { name: "labels", type: "mapStringString" },
  12: { name: "annotations", type: "mapStringString" },
  13: { name: "ownerReferences", type: "message", repeated: true, schema: OWNER_REFERENCE },
  14: { name: "finalizers", type: "string", repeated: true },
};

const NAME_REF: Schema = { 1: { name: "name", type: "string" } };

const OBJECT_REF: Schema = {
  1: { name: "kind", type: "string" },
  2: { name: "namespace", type: "string" },
  3: { name: "name", type: "string" },
};

const KINDS: Record<string, Schema> = {
  Namespace: {
    1: { name: "metadata", type: "message", schema: OBJECT_META },
    2: {
      name: "spec",
      type: "message",
      schema: { 1: { name: "finalizers", type: "string", repeated: true } },
    },
  },
  ConfigMap: {
    1: { name: "metadata", type: "message", schema: OBJECT_META },
    2: { name: "data", type: "mapStringString" },
    3: { name: "binaryData", type: "mapStringBytes" },
    4: { name: "immutable", type: "bool" },
  },
  Secret: {
    1: { name: "metadata", type: "message", schema: OBJECT_META },
    2: { name: "data", type: "mapStringBytes" },
    3: { name: "type", type: "string" },
    4: { name: "stringData", type: "mapStringString" },
    5: { name: "immutable", type: "bool" },
  },
  ServiceAccount: {
    1: { name: "metadata", type: "message", schema: OBJECT_META },
    2: { name: "secrets", type: "message", repeated: true, schema: OBJECT_REF },
    3: { name: "imagePullSecrets", type: "message", repeated: true, schema: NAME_REF },
    4: { name: "automountServiceAccountToken", type: "bool" },
  },
};

class Reader {
  pos = 0;
  constructor(private readonly buf: Buffer) {}

  done(): boolean {
    return this.pos >= this.buf.length;
  }

  varint(): bigint {
    let result = 0n;
    let shift = 0n;
    for (;;) {
      if (this.pos >= this.buf.length) throw new Error("truncated varint");
      const b = this.buf[this.pos++];
      result |= BigInt(b & 0x7f) << shift;
      if ((b & 0x80) === 0) return result;
      shift += 7n;
    }
  }

  bytes(): Buffer {
    const len = Number(this.varint());
    const out = this.buf.subarray(this.pos, this.pos + len);
    this.pos += len;
    return out;
  }

  skip(wire: number): void {
    if (wire === 0) this.varint();
    else if (wire === 1) this.pos += 8;
    else if (wire === 2) this.bytes();
    else if (wire === 5) this.pos += 4;
    else throw new Error(`unsupported wire type ${wire}`);
  }
}

function decodeMessage(buf: Buffer, schema: Schema): Record<string, unknown> {
  const r = new Reader(buf);
  const out: Record<string, unknown> = {};
  while (!r.done()) {
    const tag = Number(r.varint());
    const num = tag >> 3;
    const wire = tag & 7;
    const f = schema[num];
    if (!f) {
      r.skip(wire);
      continue;
    }
    let value: unknown;
    switch (f.type) {
      case "string":
        value = r.bytes().toString("utf8");
        break;
      case "bytes":
        value = r.bytes().toString("base64");
        break;
      case "int64":
        value = Number(r.varint());
        break;
      case "bool":
        value = r.varint() !== 0n;
        break;
      case "time":
      case "message":
        value = decodeMessage(r.bytes(), f.schema ?? {});
        break;
      case "mapStringString":
      case "mapStringBytes": {
        const entry = decodeMessage(r.bytes(), {
          1: { name: "key", type: "string" },
          2: { name: "value", type: f.type === "mapStringBytes" ? "bytes" : "string" },
        });
        const map = (out[f.name] as Record<string, unknown>) ?? {};
        map[entry.key as string] = entry.value ?? "";
        out[f.name] = map;
        continue;
      }
    }
    if (f.repeated) out[f.name] = [...((out[f.name] as unknown[]) ?? []), value];
    else out[f.name] = value;
  }
  return out;
}

const MAGIC = Buffer.from([0x6b, 0x38, 0x73, 0x00]);

/** The JSON form of a protobuf-encoded request body of a supported kind; 415 for others, 400 if malformed. */
export function decodeProtobufObject(body: Buffer): Record<string, unknown> {
  try {
    return decodeEnvelope(body);
  } catch (e) {
    if (e instanceof StatusError) throw e;
    throw StatusError.badRequest(`error decoding protobuf: ${(e as Error).message}`);
  }
}

function decodeEnvelope(body: Buffer): Record<string, unknown> {
  if (!body.subarray(0, 4).equals(MAGIC))
    throw StatusError.badRequest("protobuf body lacks the k8s\\0 envelope prefix");
  const unknown = decodeMessage(body.subarray(4), {
    1: {
      name: "typeMeta",
      type: "message",
      schema: { 1: { name: "apiVersion", type: "string" }, 2: { name: "kind", type: "string" } },
    },
    2: { name: "raw", type: "bytes" },
  });
  const typeMeta = (unknown.typeMeta ?? {}) as { apiVersion?: string; kind?: string };
  const schema = typeMeta.kind ? KINDS[typeMeta.kind] : undefined;
  if (!schema || typeMeta.apiVersion !== "v1") {
    throw StatusError.unsupportedMediaType(
      `application/vnd.kubernetes.protobuf (the simulator decodes protobuf only for v1 ${Object.keys(KINDS).join(", ")}; got ${typeMeta.apiVersion}/${typeMeta.kind})`,
    );
  }
  const raw = Buffer.from((unknown.raw as string) ?? "", "base64");
  return { apiVersion: typeMeta.apiVersion, kind: typeMeta.kind, ...decodeMessage(raw, schema) };
}
