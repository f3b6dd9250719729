import { describe, expect, test } from "@jest/globals";
import { code, codeBlock, markerKey, text, truncate } from "../../src/report/escape.js";

const ZWJ = "\u200D";

describe("text", () => {
  test("turns HTML into entities, so comments, tags and scripts are shown, not run", () => {
    expect(text("a <!-- b --> c")).toBe("a &lt;\\!-- b --&gt; c");
    expect(text("</details><script>x</script>")).toBe("&lt;/details&gt;&lt;script&gt;x&lt;/script&gt;");
    expect(text("&lt;")).toBe("&amp;lt;");
  });

  test("backslash-escapes Markdown punctuation: emphasis, links, code, table pipes, headings", () => {
    expect(text("*a* _b_ `c` [d](e) ![f](g) ~~h~~ a|b # i \\")).toBe(
      "\\*a\\* \\_b\\_ \\`c\\` \\[d\\](e) \\!\\[f\\](g) \\~\\~h\\~\\~ a\\|b \\# i \\\\",
    );
  });

  test("breaks @mentions and #123 cross-references with a zero-width joiner", () => {
    expect(text("ping @octocat and @org/team about #12")).toBe(
      `ping @${ZWJ}octocat and @${ZWJ}org/team about \\#${ZWJ}12`,
    );
    expect(text("mail a@ b")).toBe("mail a@ b");
  });

  test("keeps everything on one line and drops controls and bidirectional overrides", () => {
    expect(text("one\ntwo\r\nthree\rfour\u2028five\tsix")).toBe("one two three four five six");
    expect(text("abc\u202Edcba\u2066\u0007!")).toBe("abcdcba\\!");
  });

  test("shortens long values with an ellipsis", () => {
    expect(text("x".repeat(500), 10)).toBe("xxxxxxxxx…");
    expect(truncate("😀😀😀", 2)).toBe("😀…");
  });

  test("shows null and undefined as empty", () => {
    expect(text(undefined)).toBe("");
    expect(text(null)).toBe("");
  });
});

describe("code", () => {
  test("wraps in backticks, with a fence longer than any backtick run inside", () => {
    expect(code("kubectl get ksvc")).toBe("`kubectl get ksvc`");
    expect(code("a `b` c")).toBe("``a `b` c``");
    expect(code("x ``` y")).toBe("````x ``` y````");
  });

  test("pads values that start or end with a backtick so the span still closes", () => {
    expect(code("`x`")).toBe("`` `x` ``");
  });

  test("escapes pipes only for table cells", () => {
    expect(code("a|b", { table: true })).toBe("`a\\|b`");
    expect(code("a|b")).toBe("`a|b`");
  });

  test("keeps code on one line and is empty for blank input", () => {
    expect(code("a\nb")).toBe("`a b`");
    expect(code("  ")).toBe("");
  });
});

describe("codeBlock", () => {
  test("fences with more backticks than the text holds, so the text cannot close the block", () => {
    const block = codeBlock("before\n```\n</details>\nafter");
    expect(block).toBe("````text\nbefore\n```\n</details>\nafter\n````");
  });

  test("normalizes line breaks and limits lines", () => {
    expect(codeBlock("a\r\nb\rc")).toBe("```text\na\nb\nc\n```");
    const many = Array.from({ length: 50 }, (_, i) => `line ${i}`).join("\n");
    const block = codeBlock(many, { maxLines: 3 });
    expect(block.split("\n")).toEqual(["```text", "line 0", "line 1", "line 2", "… (47 more lines)", "```"]);
  });
});

describe("markerKey", () => {
  test("keeps Kubernetes names as they are", () => {
    expect(markerKey("demo", "helloworld-go")).toBe("demo/helloworld-go");
  });

  test("cannot end the hidden comment or add lines", () => {
    const key = markerKey("a --> <b>", "x\n<!-- y");
    expect(key).toBe("a------b-/x------y");
    expect(key).not.toMatch(/[<>\s]/);
  });

  test("is case-insensitive and never empty", () => {
    expect(markerKey("Demo", "")).toBe("demo/-");
  });
});
