// Loaded by each worker process of a tier that runs its files in parallel (test/runTier.ts): what a file starts
// (emulators, engines, code-servers) is stopped when its worker ends, even if the file's own clean-up never ran.
import { stopAllOnExit } from './processes';

stopAllOnExit();
