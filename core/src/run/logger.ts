/** A small leveled logger. The CLI's lines go to stderr so stdout stays for results. */
export type LogLevel = 'debug' | 'info' | 'warn' | 'error' | 'silent';
const ORDER: Record<LogLevel, number> = { debug: 10, info: 20, warn: 30, error: 40, silent: 100 };
export const LOG_LEVELS = Object.keys(ORDER) as LogLevel[];

/** 'text': `warn: message` (info lines bare); 'json': one `{"level","msg","time"}` object per line, for machines. */
export type LogFormat = 'text' | 'json';
export const LOG_FORMATS: LogFormat[] = ['text', 'json'];

/** Whether a line of `level` is shown at logger level `threshold`. */
export function logLevelShows(threshold: LogLevel, level: LogLevel): boolean {
  return ORDER[level] >= ORDER[threshold];
}

/** A log line in the given format (no newline): the text form, or a JSON object with an ISO time. */
export function formatLogLine(level: Exclude<LogLevel, 'silent'>, msg: string, format: LogFormat = 'text', time: Date = new Date()): string {
  if (format === 'json') return JSON.stringify({ level, msg, time: time.toISOString() });
  return level === 'info' ? msg : `${level}: ${msg}`;
}

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
    public format: LogFormat = 'text',
  ) {}

  private emit(level: Exclude<LogLevel, 'silent'>, msg: string) {
    if (!logLevelShows(this.level, level)) return;
    this.beforeWrite?.();
    this.write(formatLogLine(level, msg, this.format));
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
