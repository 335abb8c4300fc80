import { registerCommand } from '@mtojs/core';
import { reportCommand } from './report-command.js';

export * from './svg.js';
export * from './line-chart.js';
export * from './heatmap.js';
export * from './read-run.js';
export * from './series.js';
export * from './metric-groups.js';
export * from './csv.js';
export * from './tfevents.js';
export * from './artifacts.js';
export * from './html.js';
export * from './page.js';
export * from './report-command.js';

// Importing the package adds `mto report` to the CLI (the CLI imports it when installed).
registerCommand(reportCommand);
