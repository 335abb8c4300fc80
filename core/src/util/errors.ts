/**
 * An error the CLI reports as one `error:` line (no stack trace), exiting with `exitCode`.
 * The default, 2, is for a mistake in what was given: a flag, a config value, a file or folder it
 * names (missing, malformed, too large, of the wrong kind), a checkpoint or run directory that is
 * not what the command expects. A failure while running that is not the input's fault (the disk
 * refusing a write, a worker thread crashing) is a `RunFailure`, exit code 1.
 */
export class UserError extends Error {
  /** A line the CLI prints after the error, without the `error:` prefix (e.g. `see 'mto train --help'`). */
  readonly hint?: string;

  constructor(message: string, readonly exitCode = 2, opts: { hint?: string } = {}) {
    super(message);
    this.name = 'UserError';
    if (opts.hint !== undefined) this.hint = opts.hint;
  }
}

/**
 * A failure while running, with nothing to correct in what was given: exit code 1. Running the
 * same command again may succeed once the cause is gone (space on the disk, the other run ended).
 */
export class RunFailure extends UserError {
  constructor(message: string, opts: { hint?: string } = {}) {
    super(message, 1, opts);
    this.name = 'RunFailure';
  }
}

/** An invalid configuration: exit code 2, and no run directory is created. */
export class ConfigError extends UserError {
  /** Every problem found, one line each (the message joins them with newlines). */
  readonly issues: string[];

  constructor(message: string | string[]) {
    const issues = typeof message === 'string' ? message.split('\n') : message;
    super(issues.join('\n'), 2);
    this.name = 'ConfigError';
    this.issues = issues;
  }
}

/**
 * Training produced a non-finite loss: names the step and the term. A run failure (exit 1), as
 * divergence is in Keras and Lightning: no value was wrong on its own, the run went wrong.
 */
export class NonFiniteLossError extends RunFailure {
  /**
   * `lastCheckpointStep`: the step of the run's newest checkpoint, `null` when none was written
   * yet, `undefined` when the run writes no checkpoints (no run directory).
   */
  constructor(readonly step: number, readonly term: string, readonly value: number, readonly lastCheckpointStep?: number | null) {
    super(`non-finite loss at step ${step}: term '${term}' = ${value}; ${checkpointNote(lastCheckpointStep)}`);
    this.name = 'NonFiniteLossError';
  }
}

function checkpointNote(step: number | null | undefined): string {
  if (step === undefined) return 'the run writes no checkpoints';
  if (step === null) return 'no checkpoint was written before it';
  return `the last checkpoint, at step ${step}, is kept`;
}
