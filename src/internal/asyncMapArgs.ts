import type { ObservableInput } from 'rxjs';
import { readFlowControl, type FlowControlOptions } from '../flow/FlowControlOptions.js';
import type { AsyncMapConfig, ProjectContext } from './runAsyncMap.js';
import { checkFunction, checkKnownOptions, checkOptions, checkPositiveInteger, type KnownOptions } from './validate.js';

type PartitionedProject<T, K, R> = (value: T, key: K, context: ProjectContext) => ObservableInput<R>;

interface PartitionedOptions<T, K, R> extends FlowControlOptions {
  parallelism: number;
  perKey: number;
  key: (value: T) => K;
  project: PartitionedProject<T, K, R>;
}

const PARTITIONED_OPTIONS = {
  parallelism: true,
  perKey: true,
  key: true,
  project: true,
  valve: true,
  maxQueued: true,
} as const satisfies Record<keyof PartitionedOptions<unknown, unknown, unknown>, true> & KnownOptions;

/** Akka's names for what the pack calls `key` and `perKey`: a hint for users coming from Akka. */
function explainAkkaName(name: string): string | undefined {
  if (name === 'partitioner') return 'The key function is called "key" (Akka\'s partitioner)';
  if (name === 'perPartition') return 'The per-key bound is called "perKey" (Akka\'s perPartition)';
  return undefined;
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
    checkKnownOptions(operator, args[0], PARTITIONED_OPTIONS, explainAkkaName);
    options = args[0];
  } else {
    const [parallelism, perKey, key, project] = args;
    options = { parallelism, perKey, key, project };
  }
  const { parallelism, perKey, key, project } = options;
  checkPositiveInteger(operator, 'parallelism', parallelism);
  checkPositiveInteger(operator, 'perKey', perKey);
  if (parallelism > 1 && perKey >= parallelism) {
    throw new RangeError(
      `${operator}: perKey (${perKey}) must be less than parallelism (${parallelism}); ` +
        `with no limit per key, use mapAsync(${parallelism}, project) instead`,
    );
  }
  if (parallelism === 1 && perKey !== 1) {
    throw new RangeError(`${operator}: perKey must be 1 when parallelism is 1, got ${perKey}`);
  }
  checkFunction(operator, 'key', key);
  checkFunction(operator, 'project', project);
  const { valve, maxQueued } = readFlowControl(operator, options);
  return { operator, parallelism, perKey, key, project, ordered, valve, maxQueued };
}
