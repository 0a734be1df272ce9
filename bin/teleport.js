#!/usr/bin/env node
// Thin shim: runs dist/bundle/teleport.cjs, the whole program in one file, with its V8 code cache
// (src/cli/load-bundle.cts). CommonJS (bin/package.json): an ES module entry costs a start ~10 ms.
// `teleport start` lives long and mostly idle: it starts lean (src/lib/idle-memory.ts).
require('../dist/src/cli/load-bundle.cjs').runBundled('teleport', __filename, {lean: process.argv.includes('start')})
