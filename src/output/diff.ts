/**
 * A line diff (Myers' O(ND) algorithm) and the unified format, for `meshc build --check`. The
 * output is what `git apply` / `patch -p1` accept, so a stale tree can be fixed from the diff.
 * @module
 */

/** One line of an edit script: kept, removed from the old text, or added from the new. */
export interface Edit {
  op: ' ' | '-' | '+';
  line: string;
}

/** Beyond this many differing lines the diff is not minimised (time and memory stay bounded). */
const MAX_EDIT_DISTANCE = 2000;

/** Marks the last line of a text that has no final newline (it differs from the same line with one). */
const NO_EOL = '\u0000\\ No newline at end of file';

/** Splits text into lines; the last line of a text without a final newline carries a marker. */
function toLines(text: string): string[] {
  if (text === '') return [];
  const lines = text.split('\n');
  if (lines[lines.length - 1] === '') lines.pop();
  else lines[lines.length - 1] += NO_EOL;
  return lines;
}

/**
 * The shortest edit script between two line arrays (Myers 1986), or a plain replacement of the
 * differing middle when it needs more than MAX_EDIT_DISTANCE edits.
 */
export function diffLines(a: readonly string[], b: readonly string[]): Edit[] {
  let pre = 0;
  while (pre < a.length && pre < b.length && a[pre] === b[pre]) pre++;
  let suf = 0;
  while (suf < a.length - pre && suf < b.length - pre && a[a.length - 1 - suf] === b[b.length - 1 - suf]) suf++;
  const am = a.slice(pre, a.length - suf);
  const bm = b.slice(pre, b.length - suf);
  const out: Edit[] = a.slice(0, pre).map((line) => ({ op: ' ', line }));
  const mid = myers(am, bm) ?? [...am.map((line): Edit => ({ op: '-', line })), ...bm.map((line): Edit => ({ op: '+', line }))];
  // (Not spread into push: a rewritten manifest differs on hundreds of thousands of lines.)
  for (const e of mid) out.push(e);
  for (const line of a.slice(a.length - suf)) out.push({ op: ' ', line });
  return out;
}

function myers(a: readonly string[], b: readonly string[]): Edit[] | undefined {
  const n = a.length;
  const m = b.length;
  if (n === 0 || m === 0) return [...a.map((line): Edit => ({ op: '-', line })), ...b.map((line): Edit => ({ op: '+', line }))];
  const max = n + m;
  const off = max + 1;
  const v = new Int32Array(2 * max + 3);
  // trace[d] holds v[k] for k in [-d-1, d+1] as it was before step d.
  const trace: Int32Array[] = [];
  let found = -1;
  for (let d = 0; d <= Math.min(max, MAX_EDIT_DISTANCE); d++) {
    trace.push(v.slice(off - d - 1, off + d + 2));
    for (let k = -d; k <= d; k += 2) {
      let x = k === -d || (k !== d && v[off + k - 1]! < v[off + k + 1]!) ? v[off + k + 1]! : v[off + k - 1]! + 1;
      let y = x - k;
      while (x < n && y < m && a[x] === b[y]) {
        x++;
        y++;
      }
      v[off + k] = x;
      if (x >= n && y >= m) {
        found = d;
        break;
      }
    }
    if (found >= 0) break;
  }
  if (found < 0) return undefined;
  const rev: Edit[] = [];
  let x = n;
  let y = m;
  for (let d = found; d >= 0; d--) {
    const t = trace[d]!;
    const at = (k: number) => t[k + d + 1]!;
    const k = x - y;
    const prevK = k === -d || (k !== d && at(k - 1) < at(k + 1)) ? k + 1 : k - 1;
    const prevX = d === 0 ? 0 : at(prevK);
    const prevY = d === 0 ? 0 : prevX - prevK;
    while (x > prevX && y > prevY) {
      rev.push({ op: ' ', line: a[x - 1]! });
      x--;
      y--;
    }
    if (d > 0) {
      if (x === prevX) rev.push({ op: '+', line: b[prevY]! });
      else rev.push({ op: '-', line: a[prevX]! });
      x = prevX;
      y = prevY;
    }
  }
  return rev.reverse();
}

function range(start0: number, len: number): string {
  if (len === 0) return `${start0},0`;
  if (len === 1) return `${start0 + 1}`;
  return `${start0 + 1},${len}`;
}

function emitLine(op: string, line: string): string {
  if (line.endsWith(NO_EOL)) return `${op}${line.slice(0, -NO_EOL.length)}\n\\ No newline at end of file\n`;
  return `${op}${line}\n`;
}

/**
 * Unified-diff hunks (with `context` lines around changes) from `oldText` to `newText`; empty when
 * they are equal.
 */
export function unifiedHunks(oldText: string, newText: string, context = 3): string {
  const edits = diffLines(toLines(oldText), toLines(newText));
  let out = '';
  let i = 0;
  // Line numbers (0-based) in old and new before edit i.
  const posA: number[] = [];
  const posB: number[] = [];
  let pa = 0;
  let pb = 0;
  for (const e of edits) {
    posA.push(pa);
    posB.push(pb);
    if (e.op !== '+') pa++;
    if (e.op !== '-') pb++;
  }
  posA.push(pa);
  posB.push(pb);
  while (i < edits.length) {
    while (i < edits.length && edits[i]!.op === ' ') i++;
    if (i >= edits.length) break;
    const start = Math.max(0, i - context);
    // Extend the hunk while the next change is within 2 * context kept lines.
    let end = i;
    for (;;) {
      while (end < edits.length && edits[end]!.op !== ' ') end++;
      let next = end;
      while (next < edits.length && edits[next]!.op === ' ') next++;
      if (next < edits.length && next - end <= 2 * context) {
        end = next;
        continue;
      }
      end = Math.min(edits.length, end + context);
      break;
    }
    const aStart = posA[start]!;
    const bStart = posB[start]!;
    const aLen = posA[end]! - aStart;
    const bLen = posB[end]! - bStart;
    out += `@@ -${range(aStart, aLen)} +${range(bStart, bLen)} @@\n`;
    for (let j = start; j < end; j++) out += emitLine(edits[j]!.op, edits[j]!.line);
    i = end;
  }
  return out;
}

/**
 * A git-style unified diff of one file: `oldText` undefined means the file is created, `newText`
 * undefined that it is deleted. `path` is the path shown (relative to where the diff is applied).
 * Empty when nothing changes.
 */
export function unifiedDiff(path: string, oldText: string | undefined, newText: string | undefined, context = 3): string {
  const hunks = unifiedHunks(oldText ?? '', newText ?? '', context);
  if (hunks === '' && (oldText === undefined) === (newText === undefined)) return '';
  let head = `diff --git a/${path} b/${path}\n`;
  if (oldText === undefined) head += 'new file mode 100644\n';
  if (newText === undefined) head += 'deleted file mode 100644\n';
  if (hunks === '') return head; // an empty file created or deleted
  head += `--- ${oldText === undefined ? '/dev/null' : `a/${path}`}\n`;
  head += `+++ ${newText === undefined ? '/dev/null' : `b/${path}`}\n`;
  return head + hunks;
}
