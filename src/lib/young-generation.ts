/**
 * Imported first by long-running binaries (tbot): keeps V8's young generation (the semi-spaces of
 * new space) at its initial size instead of letting it grow to 16 MB per semi-space under the
 * start-up allocation burst. A grown new space stays committed (and resident) while the process
 * idles, which was ~13 MB of tbot's idle RSS; the cost is more frequent scavenges under a sustained
 * allocation load (figures: bench/tbot-rss.ts and the note in the branch that added this).
 *
 * Why a flag set at run time: `--max-semi-space-size` is read once, when the heap is configured, so
 * setting it here has no effect; the growth factor is read each time new space grows (v8 src/heap/heap.cc
 * `Heap::CheckNewSpaceExpansionCriteria` → src/heap/new-spaces.cc `SemiSpaceNewSpace::Grow`). It must run before the
 * burst: once grown, new space only shrinks after a later low-throughput GC.
 */
import {setFlagsFromString} from 'node:v8'

setFlagsFromString('--semi-space-growth-factor=1')
