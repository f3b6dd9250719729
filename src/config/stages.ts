// The `stages` input: a stepped load, `<duration>:<connections>` (closed loop) or `<duration>:<rate>/s` (open
// loop) per stage, separated by `,`, `;` or new lines, `#` starting a comment, e.g. `30s:10, 1m:100, 30s:10`.
// Each stage holds its level for its whole duration, then the next starts at once: steps, not ramps, because
// a step is what shows how long Knative's autoscaler takes to answer a change (a ramp blurs decision and
// arrival). Every bad stage is reported with its line and column, like a bad threshold rule.
import { InputError } from "./errors.js";
import { parseListItems } from "./list-items.js";
import { LIMITS } from "./limits.js";
import type { LoadStage } from "./settings.js";
import { clip, parseDuration, parseInteger } from "./values.js";

/** At most this many stages: each is one pass of the engine, and a report row. */
export const MAX_STAGES = 50;

const EXAMPLE = 'e.g. "30s:10, 1m:100, 30s:10" (connections) or "30s:50/s, 1m:500/s" (requests per second)';

export function parseStages(text: string, input = "stages"): LoadStage[] {
  const stages = parseListItems(text, /[,;]/, (item, line, column) => parseStage(item, line, column, input));
  if (stages.length === 0) {
    throw new InputError(input, "has no stage (only comments)", { hint: `${EXAMPLE}; or leave it empty` });
  }
  if (stages.length > MAX_STAGES) {
    throw new InputError(input, `${stages.length} stages are more than ${MAX_STAGES}`, {
      hint: "use fewer, longer stages",
    });
  }
  const totalMs = stages.reduce((sum, s) => sum + s.durationMs, 0);
  if (totalMs > LIMITS.duration.maxMs) {
    throw new InputError(input, `the stages last ${totalMs / 1000} s in all, more than 1h`, {
      hint: "shorten them: the whole load is at most 1h, like duration",
    });
  }
  return stages;
}

/** One stage; `column` is where `source` starts in its line (1-based). */
function parseStage(source: string, line: number, column: number, input: string): LoadStage {
  const at = (offset: number, problem: string, hint: string) =>
    new InputError(input, problem, { line, column: column + offset, hint });
  // Re-place a value parser's error (it names the input but knows no line or column) at this stage's part.
  const placed = <T>(offset: number, what: string, parse: () => T): T => {
    try {
      return parse();
    } catch (error) {
      if (!(error instanceof InputError)) throw error;
      throw at(offset, `${what} ${error.problem}`, error.hint ?? EXAMPLE);
    }
  };

  const colon = source.indexOf(":");
  if (colon < 0) {
    throw at(
      0,
      `"${clip(source)}" is not a stage`,
      `write <duration>:<connections> or <duration>:<rate>/s, ${EXAMPLE}`,
    );
  }
  const durationText = source.slice(0, colon).trimEnd();
  if (durationText === "") throw at(0, 'expected a duration before ":"', EXAMPLE);
  const durationMs = placed(0, "duration", () => parseDuration(input, durationText, LIMITS.duration));

  const afterColon = source.slice(colon + 1);
  const levelOffset = colon + 1 + (afterColon.length - afterColon.trimStart().length);
  const level = afterColon.trim();
  if (level === "") throw at(colon, `expected connections or a rate after "${durationText}:"`, EXAMPLE);
  if (/^\d+\s*(->|-|\.\.|to)\s*\d+/.test(level)) {
    throw at(
      levelOffset,
      `"${clip(level)}" is a ramp; stages are steps`,
      "each stage holds one level; approximate a ramp with several short stages, e.g. 10s:10, 10s:20, 10s:40",
    );
  }
  const rate = /^(.*?)\s*\/\s*s$/.exec(level);
  if (rate) {
    return {
      source: normalize(source),
      durationMs,
      rate: placed(levelOffset, "rate", () => parseInteger(input, rate[1], LIMITS.rate)),
    };
  }
  if (/^\d+(\.\d+)?\s*(rps|\/sec|\/m|\/min)$/i.test(level)) {
    throw at(
      levelOffset,
      `"${clip(level)}" is not a rate this input takes`,
      "write a rate as requests per second, e.g. 500/s",
    );
  }
  return {
    source: normalize(source),
    durationMs,
    connections: placed(levelOffset, "connections", () => parseInteger(input, level, LIMITS.connections)),
  };
}

const normalize = (source: string): string => source.replace(/\s+/g, "");
