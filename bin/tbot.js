#!/usr/bin/env node
// Thin shim: runs dist/bundle/tbot.cjs, the whole program in one file, with its V8 code cache
// (src/cli/load-bundle.cts). CommonJS (bin/package.json): an ES module entry costs a start ~10 ms.
require('../dist/src/cli/load-bundle.cjs').runBundled('tbot', __filename)
