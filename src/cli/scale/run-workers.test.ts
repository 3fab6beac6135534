import { test } from 'node:test';
import assert from 'node:assert/strict';
import { MxError } from '../../core/errors.ts';
import { targetOf } from './run-workers.ts';

const code = (f: () => unknown): string | undefined => {
  try {
    f();
  } catch (error) {
    return error instanceof MxError ? error.code : 'not an MxError';
  }
  return undefined;
};

test('scale workers flags: a preset or --workers 0, anything else refused before anything is read', () => {
  assert.equal(targetOf({ preset: 'users' }), 'users');
  assert.equal(targetOf({ preset: 'federation' }), 'federation');
  assert.equal(targetOf({ workers: 0 }), undefined);
  assert.equal(
    code(() => targetOf({ preset: 'bogus' })),
    'E_INVALID_INPUT',
  );
  assert.equal(
    code(() => targetOf({ workers: 2 })),
    'E_INVALID_INPUT',
  );
  assert.equal(
    code(() => targetOf({})),
    'E_USAGE',
  );
  assert.equal(
    code(() => targetOf({ preset: 'users', workers: 0 })),
    'E_USAGE',
  );
});
