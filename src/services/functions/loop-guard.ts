import { parse } from "sucrase/dist/parser";
import { TokenType as tt } from "sucrase/dist/parser/tokenizer/types";

/**
 * Loop guards for deployed JavaScript (applied at build time, after TypeScript is compiled).
 *
 * Code that never yields cannot be stopped from inside the same thread by a timer, and local workerd
 * enforces no CPU limit on Dynamic Workers (production does: runtime.ts passes `limits.cpuMs`). So
 * every loop gets a check of the execution's deadline in its condition — `while (c)` becomes
 * `while (GUARD() && (c))`, `for (a; c; b)` becomes `for (a; GUARD() && (c); b)`, and a braced
 * `for…in/of` body starts with `GUARD();` — which throws once the execution is past its timeout
 * (wrapper.ts defines GUARD). Semantics are otherwise unchanged: GUARD() returns true.
 *
 * Not covered: a single-statement `for…in/of` body, a regular expression that backtracks forever, and
 * code that catches the timeout and loops on without a guarded loop (it throws again at the next one).
 */
export const GUARD = "__edgewrite_guard";

const OPEN = new Set<number>([tt.parenL, tt.braceL, tt.dollarBraceL, tt.bracketL, tt.braceBarL]);
const CLOSE = new Set<number>([tt.parenR, tt.braceR, tt.bracketR, tt.braceBarR]);

type Token = { type: number; start: number; end: number };

/** The index of the token closing the bracket opened at `open`, or -1. */
function closing(tokens: Token[], open: number): number {
  let depth = 0;
  for (let i = open; i < tokens.length; i++) {
    if (OPEN.has(tokens[i]!.type)) depth++;
    else if (CLOSE.has(tokens[i]!.type) && --depth === 0) return i;
  }
  return -1;
}

/** The top-level `;` tokens between parentheses opened at `open` and closed at `close`. */
function semicolons(tokens: Token[], open: number, close: number): number[] {
  const out: number[] = [];
  let depth = 0;
  for (let i = open + 1; i < close; i++) {
    const t = tokens[i]!.type;
    if (OPEN.has(t)) depth++;
    else if (CLOSE.has(t)) depth--;
    else if (t === tt.semi && depth === 0) out.push(i);
  }
  return out;
}

/** Guard every loop of a module; null when it cannot be parsed (it is then deployed unchanged). */
export function guardLoops(source: string): string | null {
  let tokens: Token[];
  try {
    tokens = parse(source, false, false, false).tokens;
  } catch {
    return null;
  }
  const edits: { at: number; text: string }[] = [];
  const guardCondition = (from: number, to: number) => {
    // from/to: the tokens just outside the condition.
    if (to === from + 1) edits.push({ at: tokens[from]!.end, text: `${GUARD}()` });
    else edits.push({ at: tokens[from]!.end, text: `${GUARD}() && (` }, { at: tokens[to]!.start, text: ")" });
  };
  for (let i = 0; i < tokens.length; i++) {
    const t = tokens[i]!.type;
    if (t !== tt._while && t !== tt._for) continue;
    let open = i + 1;
    if (t === tt._for && tokens[open]?.type === tt.name && source.slice(tokens[open]!.start, tokens[open]!.end) === "await") open++;
    if (tokens[open]?.type !== tt.parenL) continue;
    const close = closing(tokens, open);
    if (close < 0) continue;
    if (t === tt._while) {
      guardCondition(open, close);
      continue;
    }
    const semis = semicolons(tokens, open, close);
    if (semis.length === 2) guardCondition(semis[0]!, semis[1]!);
    else if (tokens[close + 1]?.type === tt.braceL) edits.push({ at: tokens[close + 1]!.end, text: ` ${GUARD}();` });
  }
  if (!edits.length) return source;
  edits.sort((a, b) => b.at - a.at);
  let out = source;
  for (const e of edits) out = out.slice(0, e.at) + e.text + out.slice(e.at);
  return out;
}
