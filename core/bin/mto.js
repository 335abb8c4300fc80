#!/usr/bin/env node
// The `mto` command. A committed file, so npm can link it before the TypeScript is built.
const path = require('node:path');
const fs = require('node:fs');
const entry = path.join(__dirname, '..', 'dist', 'cli', 'bin.js');
if (!fs.existsSync(entry)) {
  process.stderr.write(`error: @mtojs/core is not built (missing ${path.relative(process.cwd(), entry)}); run 'npm run build' in the repository root\n`);
  process.exit(1);
}
require(entry);
