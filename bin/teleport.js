#!/usr/bin/env node
// Thin shim: one oclif root per binary (clis/<bin>/package.json, written by scripts/build.mjs).
import {run} from '../dist/src/cli/run.js'
await run('teleport', import.meta.url)
