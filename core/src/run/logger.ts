/** A small leveled logger. The CLI's lines go to stderr so stdout stays for results. */
export type LogLevel = 'debug' | 'info' | 'warn' | 'error' | 'silent';
const ORDER: Record<LogLevel, number> = { debug: 10, info: 20, warn: 30, error: 40, silent: 100 };

export interface Logger {
  debug(msg: string): void;
  info(msg: string): void;
  warn(msg: string): void;
  error(msg: string): void;
}

export class ConsoleLogger implements Logger {
  /** Set while a progress bar owns the terminal line, so log lines clear it first. */
  beforeWrite: (() => void) | null = null;

  constructor(
    public level: LogLevel = 'info',
    private readonly write: (line: string) => void = (l) => process.stderr.write(l + '\n'),
  ) {}

  private emit(level: LogLevel, msg: string) {
    if (ORDER[level] < ORDER[this.level]) return;
    this.beforeWrite?.();
    this.write(level === 'info' ? msg : `${level}: ${msg}`);
  }
  debug(msg: string) {
    this.emit('debug', msg);
  }
  info(msg: string) {
    this.emit('info', msg);
  }
  warn(msg: string) {
    this.emit('warn', msg);
  }
  error(msg: string) {
    this.emit('error', msg);
  }
}

/** Collects lines in memory (tests, embedding). */
export class MemoryLogger implements Logger {
  readonly lines: string[] = [];
  debug(msg: string) {
    this.lines.push(`debug: ${msg}`);
  }
  info(msg: string) {
    this.lines.push(msg);
  }
  warn(msg: string) {
    this.lines.push(`warn: ${msg}`);
  }
  error(msg: string) {
    this.lines.push(`error: ${msg}`);
  }
}
