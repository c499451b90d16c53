/**
 * The Piscina task module: runs one task's kernel in a worker thread. Input bytes arrive
 * transferred (not copied) from the main thread; output object bytes are transferred back.
 */
import { createHash } from 'node:crypto';
import { Piscina } from 'piscina';
import { toErrorData } from '../shared/errors.js';
import { getOperator } from '../shared/operators/registry.js';
import type { KernelObject, KernelStats } from '../shared/operators/types.js';
import type { TaskDescriptor } from '../shared/task.js';
import { throwIfInjected } from './faults.js';

export interface PoolTask {
  task: TaskDescriptor;
  inputs: Uint8Array[];
}

export interface PoolResult {
  objects: (KernelObject & { sha256: string })[];
  stats: KernelStats;
}

export default async function runKernel({ task, inputs }: PoolTask): Promise<unknown> {
  let result: Awaited<ReturnType<ReturnType<typeof getOperator>['kernel']>>;
  try {
    throwIfInjected(task);
    result = await getOperator(task.op).kernel({ task, inputs });
  } catch (err) {
    // Structured clone keeps only message and stack of an Error: send plain error data instead.
    throw toErrorData(err, 'KERNEL_FAILED');
  }
  const buffers: ArrayBuffer[] = [];
  for (const obj of result.objects) {
    if (obj.bytes.byteOffset !== 0 || obj.bytes.byteLength !== obj.bytes.buffer.byteLength || buffers.includes(obj.bytes.buffer as ArrayBuffer)) {
      obj.bytes = obj.bytes.slice();
    }
    buffers.push(obj.bytes.buffer as ArrayBuffer);
  }
  // Content hashes here, off the main thread: they make dataset versions (shared/dataset-version.ts).
  const objects = result.objects.map((o) => ({ ...o, sha256: createHash('sha256').update(o.bytes).digest('hex') }));
  const value: PoolResult = { objects, stats: result.stats };
  return Piscina.move({
    get [Piscina.transferableSymbol]() {
      return buffers;
    },
    get [Piscina.valueSymbol]() {
      return value;
    },
  } as never);
}
