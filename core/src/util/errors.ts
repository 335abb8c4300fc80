/**
 * A mistake of the user's (a bad config, a missing file, a wrong value), as opposed to a bug.
 * The CLI prints its message on one line, with no stack trace, and exits with `exitCode`.
 */
export class UserError extends Error {
  /** A line the CLI prints after the error, without the `error:` prefix (e.g. `see 'mto train --help'`). */
  readonly hint?: string;

  constructor(message: string, readonly exitCode = 1, opts: { hint?: string } = {}) {
    super(message);
    this.name = 'UserError';
    if (opts.hint !== undefined) this.hint = opts.hint;
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

/** Training produced a non-finite loss: names the step and the term. */
export class NonFiniteLossError extends Error {
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
