/**
 * The non-TTY progress output: one `stage X done in Ns` line per stage, timed from the stage's
 * first phase (a multi-phase stage such as `train` once reported only its last phase).
 */
import assert from 'node:assert/strict';
import { PassThrough } from 'node:stream';
import { mock, test } from 'node:test';
import { JobProgress } from '../../cli/progress.js';
import type { JobEvent } from '../../shared/job.js';

test('a stage of several phases is timed from its first phase to its end', () => {
  mock.timers.enable({ apis: ['Date'], now: 1_000_000 });
  try {
    const out = new PassThrough();
    let text = '';
    out.on('data', (d: Buffer) => (text += d.toString()));
    const p = new JobProgress(false, out);
    const stage = (stageId: string, status: 'running' | 'succeeded', phase: number): JobEvent => ({ type: 'stage', jobId: 'j', stage: stageId, status, phase, tasks: 2, at: Date.now() });
    p.onEvent(stage('raw', 'running', 0));
    mock.timers.tick(1500);
    p.onEvent(stage('raw', 'succeeded', 0));
    p.onEvent(stage('model', 'running', 0));
    mock.timers.tick(4000);
    p.onEvent(stage('model', 'running', 1));
    mock.timers.tick(6000);
    p.onEvent(stage('model', 'running', 2));
    mock.timers.tick(250);
    p.onEvent(stage('model', 'succeeded', 2));
    assert.equal(text, 'stage raw done in 1.50s\nstage model done in 10.25s\n');
  } finally {
    mock.timers.reset();
  }
});
