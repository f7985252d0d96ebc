// Entry of the bundled action (dist/action.js). It only calls run(); everything else is testable.
import { runAction } from './run';

await runAction();
