// The threshold language: `<metric> <operator> <value><unit>`, one rule per line or separated by `;`, `#` starts
// a comment. Every bad rule is reported (not just the first) with its line, column and the valid choices.
import { InputError } from "./errors.js";
import { parseListItems } from "./list-items.js";
import { didYouMean } from "./suggest.js";
import { METRICS, OPERATORS, STAGE_METRICS, UNITS, findMetric } from "../metrics.js";
import type { MetricDefinition, Operator, ThresholdRule } from "../metrics.js";

const METRIC_TOKEN = /^[A-Za-z][A-Za-z0-9._-]*/;
const OPERATOR_TOKEN = /^(<=|>=|==|!=|<|>)/;
const NUMBER_TOKEN = /^(\d+(?:\.\d+)?|\.\d+)/;
const UNIT_TOKEN = /^(%|\/[A-Za-z]+|[A-Za-zµμ]+)/;
/** Operators people type from habit or other tools, and what they mean here. */
const LOOKALIKE_OPERATORS: Array<[string, Operator]> = [
  ["=<", "<="],
  ["=>", ">="],
  ["<>", "!="],
  ["≤", "<="],
  ["≥", ">="],
  ["≠", "!="],
  ["=", "=="],
];

export const EXAMPLE_BY_KIND = {
  duration: "p99 < 200ms",
  ratio: "errors < 1%",
  rate: "rps >= 500",
  count: "pods.max <= 5",
} as const;

const metricNames = (): string => METRICS.map((m) => m.name).join(", ");

function unitList(metric: MetricDefinition): string {
  const units = Object.keys(UNITS[metric.kind]).filter((u) => u !== "");
  if (metric.plainFactor === 1000) return `${units.join(", ")} or none (seconds)`;
  const plain = UNITS[metric.kind][""] !== undefined;
  if (units.length === 0) return "none (a plain number)";
  return plain ? `${units.join(", ")} or none` : units.join(", ");
}

/** `none` (any case) or text with only comments means no rules. */
export function parseThresholds(text: string, input = "thresholds"): ThresholdRule[] {
  if (text.trim().toLowerCase() === "none") return [];
  return parseListItems(text, /;/, (item, line, column) => parseRule(item, line, column, input));
}

/** One rule; `column` is where `source` starts within its line (1-based). */
function parseRule(source: string, line: number, column: number, input: string): ThresholdRule {
  let pos = 0;
  const fail = (problem: string, hint: string): InputError =>
    new InputError(input, problem, { line, column: column + pos, hint });
  const skipSpaces = (): void => {
    while (pos < source.length && /\s/.test(source[pos])) pos++;
  };

  const staged = STAGE_TOKEN.exec(source);
  if (staged)
    return parseRest(
      staged[0],
      stageMetric(staged, fail, (at) => (pos = at)),
    );
  const metricMatch = METRIC_TOKEN.exec(source);
  if (!metricMatch) {
    throw fail(
      `expected a metric name, found "${source.slice(0, 12)}"`,
      `write rules like "${EXAMPLE_BY_KIND.duration}"`,
    );
  }
  const metricName = metricMatch[0];
  const metric = findMetric(metricName);
  if (!metric) {
    throw fail(
      `unknown metric "${metricName}"`,
      `${didYouMean(metricName, allMetricNames())}valid metrics: ${metricNames()}`,
    );
  }
  return parseRest(metricName, metric);

  /** The operator, value and unit after the metric's name. */
  function parseRest(metricName: string, metric: MetricDefinition): ThresholdRule {
    pos = metricName.length;
    skipSpaces();

    const rest = source.slice(pos);
    // `<>` starts with a valid `<`; catch it before the operator match reads `<` and then fails on `>`.
    const operatorMatch = rest.startsWith("<>") ? null : OPERATOR_TOKEN.exec(rest);
    if (!operatorMatch) {
      const lookalike = LOOKALIKE_OPERATORS.find(([typed]) => rest.startsWith(typed));
      const valid = `valid operators: ${OPERATORS.join(" ")}`;
      if (lookalike)
        throw fail(`unknown operator "${lookalike[0]}"`, `did you mean "${lookalike[1]}"? ${valid}`);
      if (rest === "")
        throw fail(
          `expected an operator after "${metricName}"`,
          `${valid}, e.g. "${EXAMPLE_BY_KIND[metric.kind]}"`,
        );
      throw fail(`expected an operator, found "${rest.slice(0, 12)}"`, valid);
    }
    const operator = operatorMatch[0] as Operator;
    pos += operator.length;
    skipSpaces();

    const valueText = source.slice(pos);
    const example = `e.g. "${EXAMPLE_BY_KIND[metric.kind]}"`;
    if (valueText === "") throw fail(`expected a value after "${operator}"`, example);
    if (valueText.startsWith("-"))
      throw fail(`negative limit "${valueText}"`, `no metric is ever negative; ${example}`);
    const numberMatch = NUMBER_TOKEN.exec(valueText);
    if (!numberMatch) throw fail(`expected a number, found "${valueText.slice(0, 12)}"`, example);
    const number = Number(numberMatch[0]);
    const valueStart = pos;
    pos += numberMatch[0].length;
    skipSpaces();

    const unitMatch = UNIT_TOKEN.exec(source.slice(pos));
    const unit = unitMatch ? unitMatch[0] : "";
    const factor = UNITS[metric.kind][unit] ?? (unit === "" ? metric.plainFactor : undefined);
    if (factor === undefined) {
      if (unit === "") {
        pos = valueStart;
        throw fail(
          `${number} needs a unit`,
          `${metric.name} is a ${metric.kind}; valid units: ${unitList(metric)}; ${example}`,
        );
      }
      throw fail(
        `unit "${unit}" does not fit ${metric.name} (a ${metric.kind})`,
        `valid units: ${unitList(metric)}; ${example}`,
      );
    }
    pos += unit.length;
    skipSpaces();
    if (pos < source.length) {
      throw fail(
        `unexpected "${source.slice(pos, pos + 12)}" after the rule`,
        "separate rules with ; or a new line",
      );
    }

    // toPrecision drops binary noise from the unit factor (0.3 * 0.01 = 0.0030000000000000005).
    const limit = Number((number * factor).toPrecision(12));
    pos = valueStart;
    if (metric.kind === "ratio" && limit > 1) {
      throw fail(
        unit === "%" ? `${number}% is more than 100%` : `${number} is more than 1`,
        unit === "%"
          ? "a share of requests is at most 100%"
          : `a plain ratio is a fraction; write ${number}% for percent`,
      );
    }
    if (metric.kind === "count" && !Number.isInteger(number)) {
      throw fail(`${number} is not a whole number`, `${metric.name} is a count`);
    }
    return { source: normalizeSpaces(source), line, metric: metric.name, operator, limit };
  }
}

const STAGE_TOKEN = /^stage\[([^\]]*)\](\.?)([A-Za-z][A-Za-z0-9._-]*)?/i;

/** `stage[N].<metric>`: a stage counted from 1 and a metric that each stage measures on its own. */
function stageMetric(
  match: RegExpExecArray,
  fail: (problem: string, hint: string) => InputError,
  moveTo: (pos: number) => void,
): MetricDefinition {
  const [, indexText, dot, base] = match;
  const example = `e.g. "stage[2].p99 < 300ms"`;
  moveTo("stage[".length);
  if (!/^\d+$/.test(indexText))
    throw fail(`stage "${indexText}" is not a stage number`, `stages count from 1; ${example}`);
  if (Number(indexText) === 0) throw fail("stage[0]: stages count from 1", example);
  moveTo(`stage[${indexText}]`.length + dot.length);
  const valid = `valid per-stage metrics: ${STAGE_METRICS.join(", ")}`;
  if (!dot || !base) throw fail(`expected a metric after "stage[${indexText}]."`, `${valid}; ${example}`);
  const metric = findMetric(`stage[${Number(indexText)}].${base}`);
  if (!metric) throw fail(`unknown per-stage metric "${base}"`, `${didYouMean(base, STAGE_METRICS)}${valid}`);
  moveTo(0);
  return metric;
}

function allMetricNames(): string[] {
  return METRICS.flatMap((m) => [m.name, ...m.aliases]);
}

function normalizeSpaces(source: string): string {
  return source.replace(/\s+/g, " ");
}
