import { buildPushMain } from '@depot-actions/core';
import { runEngineAction } from './run';

await runEngineAction(buildPushMain);
