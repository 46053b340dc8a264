import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { pythonContracts, pythonContractsDir } from './python-contracts.ts';

test('the checked-in Python contract files are exactly what the TypeScript definitions emit', () => {
  const expected = pythonContracts();
  assert.deepEqual(readdirSync(pythonContractsDir).sort(), Object.keys(expected).sort());
  for (const [name, text] of Object.entries(expected)) {
    assert.equal(readFileSync(join(pythonContractsDir, name), 'utf8'), text, `${name} is stale: run node --import tsx tools/emit-python-contracts.ts`);
  }
});
