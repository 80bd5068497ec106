import { pullMain } from '@depot-actions/core';
import { runEngineAction } from './run';

// No top-level await: it would make webpack wrap the whole module graph in its async-module
// runtime, which costs start-up time on every step.
void runEngineAction(pullMain);
