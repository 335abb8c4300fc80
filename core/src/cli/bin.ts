#!/usr/bin/env node
import { main } from './main.js';

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (e) => {
    // A bug, not a user mistake: keep the stack.
    console.error(e);
    process.exitCode = 70;
  },
);
