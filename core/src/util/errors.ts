/**
 * A mistake of the user's (a bad config, a missing file, a wrong value), as opposed to a bug.
 * The CLI prints its message on one line, with no stack trace, and exits with `exitCode`.
 */
export class UserError extends Error {
  constructor(message: string, readonly exitCode = 1) {
    super(message);
    this.name = 'UserError';
  }
}

/** An invalid configuration: exit code 2, and no run directory is created. */
export class ConfigError extends UserError {
  constructor(message: string) {
    super(message, 2);
    this.name = 'ConfigError';
  }
}

/** Training produced a non-finite loss: names the step and the term. */
export class NonFiniteLossError extends Error {
  constructor(readonly step: number, readonly term: string, readonly value: number) {
    super(`non-finite loss at step ${step}: term '${term}' = ${value}; the last good checkpoint is kept`);
    this.name = 'NonFiniteLossError';
  }
}
