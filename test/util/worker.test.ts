import { describe, expect, it } from 'vitest';
import { workerExecArgv } from '../../src/util/worker.js';

describe('workerExecArgv', () => {
  it('drops --input-type in both forms, keeps every other option in order, and is undefined (inherit) without it', () => {
    expect(workerExecArgv(['--input-type=module', '--expose-gc'])).toEqual(['--expose-gc']);
    expect(workerExecArgv(['--cpu-prof', '--input-type', 'module', '--max-old-space-size=4096'])).toEqual(['--cpu-prof', '--max-old-space-size=4096']);
    expect(workerExecArgv([])).toBeUndefined();
    expect(workerExecArgv(['--expose-gc', '--max-old-space-size=512'])).toBeUndefined();
  });
});
