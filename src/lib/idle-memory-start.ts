/** Imported first by the binaries (bin/tbot.js, bin/teleport.js), before anything else runs: see idle-memory.ts. */
import {startLean} from './idle-memory.js'

startLean()
