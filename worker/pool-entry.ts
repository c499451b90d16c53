/**
 * The Piscina task module: runs one task's kernel in a worker thread. Input bytes arrive
 * transferred (not copied) from the main thread; output object bytes are transferred back.
 */
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
  objects: KernelObject[];
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
  const value: PoolResult = { objects: result.objects, stats: result.stats };
  return Piscina.move({
    get [Piscina.transferableSymbol]() {
      return buffers;
    },
    get [Piscina.valueSymbol]() {
      return value;
    },
  } as never);
}
