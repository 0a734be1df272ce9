#!/usr/bin/env node
// Thin shim: one oclif root per binary (see ../shared/spec/node-notes.md §1).
import {run} from '../dist/src/cli/run.js'
await run('tbot', import.meta.url)
