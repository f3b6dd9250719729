// Object name rules of k8s.io/apimachinery/pkg/util/validation, with the apiserver's messages word for word.

const DNS1123_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
const DNS1123_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
const DNS1035_LABEL = /^[a-z]([-a-z0-9]*[a-z0-9])?$/;

export type NameRule = "dns1123Label" | "dns1123Subdomain" | "dns1035Label";

/** Messages for a name that breaks `rule`; empty when the name is valid. */
export function nameErrors(name: string, rule: NameRule): string[] {
  const errs: string[] = [];
  const max = rule === "dns1123Subdomain" ? 253 : 63;
  if (name.length > max) errs.push(`must be no more than ${max} characters`);
  if (rule === "dns1123Label" && !DNS1123_LABEL.test(name)) {
    errs.push(
      "a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and must start and end with an alphanumeric character (e.g. 'my-name',  or '123-abc', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?')",
    );
  }
  if (rule === "dns1123Subdomain" && !DNS1123_SUBDOMAIN.test(name)) {
    errs.push(
      "a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character (e.g. 'example.com', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')",
    );
  }
  if (rule === "dns1035Label" && !DNS1035_LABEL.test(name)) {
    errs.push(
      "a DNS-1035 label must consist of lower case alphanumeric characters or '-', start with an alphabetic character, and end with an alphanumeric character (e.g. 'my-name',  or 'abc-123', regex used for validation is '[a-z]([-a-z0-9]*[a-z0-9])?')",
    );
  }
  return errs;
}

/** The name rule the apiserver applies to each resource's metadata.name. */
export function nameRuleFor(resourceId: string): NameRule {
  if (resourceId === "/namespaces") return "dns1123Label";
  if (resourceId === "/services") return "dns1035Label";
  return "dns1123Subdomain";
}

const GENERATE_ALPHABET = "bcdfghjklmnpqrstvwxz2456789";

/** The 5-character suffix the apiserver appends to metadata.generateName (names.SimpleNameGenerator). */
export function randomNameSuffix(length = 5): string {
  let s = "";
  for (let i = 0; i < length; i++)
    s += GENERATE_ALPHABET[Math.floor(Math.random() * GENERATE_ALPHABET.length)];
  return s;
}
