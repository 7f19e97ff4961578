/**
 * The `ir` target: the IR itself as JSON, for debugging and for target test fixtures.
 * @module
 */
import type { Target } from '../../src/target/types.js';

const target: Target = {
  name: 'ir',
  description: 'the normalised intermediate model as JSON (ir/mesh.json), for debugging',
  capabilities: ['everything (it is the IR)'],
  emit(ir) {
    return [{ path: 'ir/mesh.json', content: JSON.stringify(ir, null, 2) + '\n' }];
  },
};

export default target;
