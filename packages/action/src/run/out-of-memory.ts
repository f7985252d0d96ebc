import { type EvalPlan, nextLargerPlan, type PlannedJob } from '@model-eval/planner';
import { layoutText } from './run-report';

export type OutOfMemoryDecision =
  | { kind: 'replan'; larger: PlannedJob; note: string }
  | { kind: 'give-up'; note: string };

/**
 * What to do after a job ran out of GPU memory: the next larger layout the plan allows, unless the
 * job has used up its re-plans (or there is none, within the cluster's nodes). Pure: the caller
 * records and submits.
 */
export function decideAfterOutOfMemory(
  plan: EvalPlan,
  job: { planned: PlannedJob; oomEscalations: number },
  jobId: string,
  limits: { maxOomEscalations: number; maxNodes: number },
): OutOfMemoryDecision {
  const larger =
    job.oomEscalations < limits.maxOomEscalations ? nextLargerPlan(plan, job.planned) : undefined;
  const what = `Job ${jobId} (${job.planned.benchmarks.join(', ')}) ran out of GPU memory at ${layoutText(job.planned)}`;
  if (larger)
    return { kind: 'replan', larger, note: `${what}; re-planned to ${layoutText(larger)} and resubmitted.` };
  return {
    kind: 'give-up',
    note: `${what} and no larger layout is allowed (max ${limits.maxOomEscalations} re-plans, ${limits.maxNodes} node(s)).`,
  };
}
