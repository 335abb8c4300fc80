import { ConfigError, type TokenLayout } from '@mtojs/core';

/** Spatial strategies need the adapter's grid to lay out exactly its tokens. */
export function checkTokenGrid(layout: TokenLayout, strategy: string): void {
  const [rows, cols] = layout.grid;
  if (!Number.isInteger(rows) || !Number.isInteger(cols) || rows < 1 || cols < 1 || rows * cols !== layout.numTokens) {
    throw new ConfigError(
      `masking.name: '${strategy}' masking needs a token grid that covers the ${layout.numTokens} tokens; the adapter reports a ${rows}x${cols} grid`,
    );
  }
}
