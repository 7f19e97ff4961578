import { describe, expect, it } from 'vitest';
import { capErrors, MAX_ERRORS } from '../../src/compiler.js';
import { renderHuman } from '../../src/diagnostics/render/human.js';
import { toJsonReport } from '../../src/diagnostics/render/json.js';
import type { Diagnostic } from '../../src/diagnostics/types.js';

const d = (code: string, severity: Diagnostic['severity'], i = 0): Diagnostic => ({ code, severity, message: `${code} ${i}` });

describe('capErrors', () => {
  it('keeps the first MAX_ERRORS errors, counts the rest in one MC4005, and always keeps the input limits and MC5012', () => {
    const many = Array.from({ length: MAX_ERRORS + 500 }, (_, i) => d('MC5010', 'error', i));
    const out = capErrors([d('MC3018', 'warning'), ...many, d('MC3018', 'warning', 1), d('MC5012', 'note'), d('MC1008', 'error')]);
    expect(out.filter((x) => x.code === 'MC5010')).toHaveLength(MAX_ERRORS);
    expect(out.filter((x) => x.code === 'MC5010').at(-1)!.message).toBe(`MC5010 ${MAX_ERRORS - 1}`);
    // Warnings after the cap go with the errors; the always-shown codes stay, in their place.
    expect(out.map((x) => x.code).filter((c) => c !== 'MC5010')).toEqual(['MC3018', 'MC5012', 'MC1008', 'MC4005']);
    expect(out.at(-1)!.message).toMatch(/^500 more errors not shown/);
    expect(capErrors(many.slice(0, 3))).toEqual(many.slice(0, 3));
    // Capped again (with more added), the count carries over.
    const again = capErrors([...out, d('MC5010', 'error', -1)]);
    expect(again.filter((x) => x.code === 'MC4005')).toHaveLength(1);
    expect(again.at(-1)!.standsFor).toBe(501);
    expect(again.at(-1)!.message).toMatch(/^501 more errors not shown \(the first 1000 are\)/);
  });

  it('the summaries count the errors left out, not the diagnostic that stands for them', () => {
    const many = Array.from({ length: MAX_ERRORS + 500 }, (_, i) => d('MC5010', 'error', i));
    const out = capErrors([...many, d('MC3018', 'warning')]);
    expect(toJsonReport(out).summary).toEqual({ errors: MAX_ERRORS + 500, warnings: 0, notes: 0 });
    expect(toJsonReport(out).diagnostics).toHaveLength(MAX_ERRORS + 1);
    expect(Object.keys(toJsonReport(out).diagnostics.at(-1)!)).not.toContain('standsFor');
    expect(renderHuman(out, { color: false }).trimEnd().split('\n').at(-1)).toBe(`${MAX_ERRORS + 500} errors`);
  });
});
