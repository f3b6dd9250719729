// The `max-regression` input: how much worse than the baseline a run may be. `10%` applies to the default
// metrics (p99 and rps); `p99: 10%, rps: 5%` sets each metric; both forms combine (`10%, errors: 50%`).
import { InputError, InputErrors } from "./errors.js";
import { didYouMean } from "./suggest.js";
import { parsePercent } from "./values.js";
import { METRICS, findMetric } from "../metrics.js";
import type { RegressionRule } from "./settings.js";

export const DEFAULT_REGRESSION_METRICS = ["p99", "rps"] as const;
export const DEFAULT_REGRESSION_PERCENT = 10;

/** Empty text means the defaults when there is a baseline, and no rules when there is none. */
export function parseMaxRegression(
  text: string,
  hasBaseline: boolean,
  input = "max-regression",
): RegressionRule[] {
  if (text.trim() === "") {
    return hasBaseline
      ? DEFAULT_REGRESSION_METRICS.map((metric) => ({ metric, percent: DEFAULT_REGRESSION_PERCENT }))
      : [];
  }
  const explicit = new Map<string, number>();
  let everywhere: number | undefined;
  const errors: InputError[] = [];
  text.split(/\r?\n/).forEach((lineText, index) => {
    const line = index + 1;
    let offset = 0;
    for (const entry of lineText.split(/[,;]/)) {
      const column = offset + (entry.length - entry.trimStart().length) + 1;
      offset += entry.length + 1;
      const item = entry.trim();
      if (item === "") continue;
      try {
        const colon = item.indexOf(":");
        if (colon < 0) {
          if (everywhere !== undefined) {
            throw new InputError(input, `a percentage for the default metrics is given twice`, {
              line,
              column,
              hint: "give it once",
            });
          }
          everywhere = parsePercent(input, item, { line, column });
          continue;
        }
        const name = item.slice(0, colon).trim();
        const metric = findMetric(name);
        if (!metric) {
          throw new InputError(input, `unknown metric "${name}"`, {
            line,
            column,
            hint: `${didYouMean(
              name,
              METRICS.flatMap((m) => [m.name, ...m.aliases]),
            )}valid metrics: ${METRICS.map((m) => m.name).join(", ")}`,
          });
        }
        if (explicit.has(metric.name)) {
          throw new InputError(input, `${metric.name} is given twice`, {
            line,
            column,
            hint: "give each metric once",
          });
        }
        const valueColumn =
          column + colon + 1 + (item.slice(colon + 1).length - item.slice(colon + 1).trimStart().length);
        explicit.set(metric.name, parsePercent(input, item.slice(colon + 1), { line, column: valueColumn }));
      } catch (error) {
        if (!(error instanceof InputError)) throw error;
        errors.push(error);
      }
    }
  });
  if (errors.length > 0) throw new InputErrors(errors);
  const rules: RegressionRule[] = [];
  if (everywhere !== undefined) {
    for (const metric of DEFAULT_REGRESSION_METRICS) {
      if (!explicit.has(metric)) rules.push({ metric, percent: everywhere });
    }
  }
  for (const [metric, percent] of explicit) rules.push({ metric, percent });
  return rules;
}
