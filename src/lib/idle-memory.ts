/**
 * V8 settings for a process that spends its life mostly idle after a start-up burst (tbot, the
 * server): `startLean()` runs before the burst (bin/tbot.js and bin/teleport.js ask for it once their
 * bundle has loaded: flags changed before would make V8 refuse the bundle's code cache),
 * `optimizeFromNowOn()` once start-up is over. Figures: bench/tbot-rss.ts.
 *
 * - The young generation (new space) keeps its initial size instead of growing to 16 MB per
 *   semi-space under the burst: grown, it stays committed and resident while the process idles
 *   (~12 MB of tbot's idle RSS). `--max-semi-space-size` is read once, when the heap is set up, so
 *   it cannot be set here; the growth factor is read each time new space grows (v8 src/heap/heap.cc
 *   `Heap::CheckNewSpaceExpansionCriteria` → src/heap/new-spaces.cc `SemiSpaceNewSpace::Grow`).
 *   The cost is more frequent scavenges under a sustained allocation load.
 * - The compilers past the interpreter (TurboFan, and the Sparkplug baseline) are off until
 *   `optimizeFromNowOn()`: the burst runs most code once, and compiling it touched ~4 MB of compiler
 *   code in the node binary and ~5 MB of compiler memory and machine code that stay resident
 *   afterwards. Once start-up is over (tbot: every output has made its first attempt), hot code is
 *   compiled as usual (tbot: once every output has made its first attempt; the server: once ready).
 *   Calling it without `startLean()` before changes nothing (the defaults).
 */
import {setFlagsFromString} from 'node:v8'

/** Before the start-up burst: young generation at its initial size, compilers past the interpreter off. */
export function startLean(): void {
  setFlagsFromString('--semi-space-growth-factor=1')
  setFlagsFromString('--no-opt')
  setFlagsFromString('--no-sparkplug')
}

/** Turns the compilers back on (start-up is over). */
export function optimizeFromNowOn(): void {
  setFlagsFromString('--opt')
  setFlagsFromString('--sparkplug')
}
