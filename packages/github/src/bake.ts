import { bakeMain } from '@depot-actions/core';
import { runEngineAction } from './run';

await runEngineAction(bakeMain);
