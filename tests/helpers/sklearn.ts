/**
 * The scikit-learn reference for comparison tests: Debian's python3 with python3-sklearn.
 * Without it a test is skipped, except with CI=true, where a failing test says what to install.
 *
 * ```ts
 * const { skip } = sklearnOrSkip();
 * test('agrees with sklearn', { skip }, () => { spawnSync(PY, ['-c', code]); });
 * ```
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { test } from 'node:test';

export const PY = '/usr/bin/python3';

export function sklearnOrSkip(): { haveSklearn: boolean; skip: string | false } {
  const probe = spawnSync(PY, ['-c', 'import sklearn, numpy; print(sklearn.__version__)'], { encoding: 'utf8' });
  const haveSklearn = probe.status === 0;
  if (!haveSklearn && process.env.CI === 'true') {
    test('scikit-learn is installed', () => assert.fail(`${PY} cannot import sklearn: apt-get install python3-sklearn (${probe.stderr})`));
  }
  return { haveSklearn, skip: haveSklearn ? false : 'scikit-learn not installed at /usr/bin/python3 (apt-get install python3-sklearn)' };
}
