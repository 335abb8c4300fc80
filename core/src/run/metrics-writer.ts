import { appendFileSync, mkdirSync } from 'node:fs';
import { dirname } from 'node:path';

/**
 * Appends one JSON object per line to metrics.jsonl. Each line is written with a single
 * append, so a reader never sees half a line; null path = write nothing.
 */
export class MetricsWriter {
  readonly records: Record<string, unknown>[] = [];

  constructor(
    private readonly path: string | null,
    private readonly keepInMemory = false,
  ) {
    if (path) mkdirSync(dirname(path), { recursive: true });
  }

  write(record: Record<string, unknown>): void {
    if (this.keepInMemory) this.records.push(record);
    if (this.path) appendFileSync(this.path, JSON.stringify(record) + '\n');
  }
}
