import type { ObservableInput } from 'rxjs';
import { readFlowControl, type FlowControlOptions } from '../flow/FlowControlOptions.js';
import type { AsyncMapConfig, ProjectContext } from './runAsyncMap.js';
import { checkFunction, checkOptions, checkPositiveInteger } from './validate.js';

type PartitionedProject<T, K, R> = (value: T, partition: K, context: ProjectContext) => ObservableInput<R>;

interface PartitionedOptions<T, K, R> extends FlowControlOptions {
  parallelism: number;
  perPartition: number;
  partitioner: (value: T) => K;
  project: PartitionedProject<T, K, R>;
}

/**
 * Reads either call form of `mapAsyncPartitioned(Unordered)` — positional, or one options object — and
 * validates everything at creation time.
 * @internal
 */
export function partitionedConfig<T, K, R>(
  operator: string,
  ordered: boolean,
  args: [PartitionedOptions<T, K, R>] | [number, number, (value: T) => K, PartitionedProject<T, K, R>],
): AsyncMapConfig<T, K, R> {
  let options: PartitionedOptions<T, K, R>;
  if (args.length === 1) {
    checkOptions(operator, args[0]);
    options = args[0];
  } else {
    const [parallelism, perPartition, partitioner, project] = args;
    options = { parallelism, perPartition, partitioner, project };
  }
  const { parallelism, perPartition, partitioner, project } = options;
  checkPositiveInteger(operator, 'parallelism', parallelism);
  checkPositiveInteger(operator, 'perPartition', perPartition);
  if (parallelism > 1 && perPartition >= parallelism) {
    throw new RangeError(
      `${operator}: perPartition (${perPartition}) must be less than parallelism (${parallelism}); ` +
        `with no limit per partition, use mapAsync(${parallelism}, project) instead`,
    );
  }
  if (parallelism === 1 && perPartition !== 1) {
    throw new RangeError(`${operator}: perPartition must be 1 when parallelism is 1, got ${perPartition}`);
  }
  checkFunction(operator, 'partitioner', partitioner);
  checkFunction(operator, 'project', project);
  const { valve, maxQueued } = readFlowControl(operator, options);
  return { operator, parallelism, perPartition, partitioner, project, ordered, valve, maxQueued };
}
