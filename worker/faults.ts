/**
 * Injected faults for fault tests, read from the environment of a worker process (threads
 * inherit it). Never set in production:
 *   QUIVER_FAULT_KERNEL_THROW=<stage>:<index>[,...]  the kernel of those tasks always throws
 *   QUIVER_FAULT_TASK_DELAY_MS=<ms>                    each task sleeps first (to kill mid-job)
 */
import { QuiverError } from '../shared/errors.js';
import type { TaskDescriptor } from '../shared/task.js';

export function injectedDelayMs(env: NodeJS.ProcessEnv = process.env): number {
  const ms = Number(env.QUIVER_FAULT_TASK_DELAY_MS ?? 0);
  return Number.isFinite(ms) && ms > 0 ? ms : 0;
}

export function throwIfInjected(task: TaskDescriptor, env: NodeJS.ProcessEnv = process.env): void {
  const spec = env.QUIVER_FAULT_KERNEL_THROW;
  if (spec === undefined || spec === '') return;
  const hit = spec.split(',').some((item) => item.trim() === `${task.stageId}:${task.index}`);
  if (hit) {
    // Retryable on purpose: the job must still fail in bounded time once attempts run out.
    throw QuiverError.retryable('KERNEL_FAILED', `injected fault: kernel of ${task.stageId} task ${task.index} always throws`);
  }
}
