// Entry of the bundled action (dist/action.js). It only calls runAction; everything else is testable.

import { runnerEnvironment } from './environment';
import { runAction } from './run';

await runAction(runnerEnvironment());
