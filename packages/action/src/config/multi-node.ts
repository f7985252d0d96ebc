import { multiNodeEngines, routeSettings } from '@model-eval/planner';
import { z } from 'zod';
import type { MultiNodeSettings } from '../run/run-settings';

// The multi-node settings, one schema for the config file, the action inputs and the CLI flags.

const port = z
  .int({ error: 'must be a port number (1–65535)' })
  .min(1, { error: 'must be a port number (1–65535)' })
  .max(65_535, { error: 'must be a port number (1–65535)' });
const seconds = z
  .int({ error: 'must be a whole number of seconds ≥ 1' })
  .min(1, { error: 'must be a whole number of seconds ≥ 1' });

/**
 * One interface name as `ip -4 addr show dev NAME` takes it (Linux: at most 15 characters): the job
 * reads each node's address from it, so NCCL's prefix lists (`ib,eth`, `^docker`) do not fit here.
 */
export const networkInterfaceSchema = z
  .string({ error: 'must be a network interface name such as ib0 or eth0' })
  .trim()
  .regex(/^[A-Za-z0-9_.@:-]{1,15}$/, { error: 'must be one network interface name such as ib0 or eth0' });

/**
 * Names the job must not take from the site's list: the token belongs in the 0600 secrets file, the
 * script's own `model_eval_*` variables (the secrets path among them) and Slurm's must stay as set.
 */
function environmentNameProblem(name: string): string | undefined {
  if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(name)) return 'is not a valid environment variable name';
  if (/^(HF_TOKEN|HUGGING_FACE_HUB_TOKEN)$/.test(name))
    return 'is a secret: pass it as the hf-token input, which reaches jobs through a 0600 file';
  if (/^model_eval_/i.test(name)) return 'is reserved for the job script';
  if (/^SLURM_/.test(name)) return 'is set by Slurm';
  return undefined;
}

export const extraEnvironmentSchema = z
  .record(z.string(), z.union([z.string(), z.number(), z.boolean()]).transform(String), {
    error: 'must be a mapping of NAME: value',
  })
  .superRefine((env, ctx) => {
    for (const name of Object.keys(env)) {
      const problem = environmentNameProblem(name);
      if (problem) ctx.addIssue({ code: 'custom', path: [name], message: problem });
    }
  });

export const routeSchema = z.enum(routeSettings as [string, ...string[]], {
  error: `must be one of ${routeSettings.join(', ')}`,
});
export const engineSchema = z.enum(multiNodeEngines as [string, ...string[]], {
  error: `must be one of ${multiNodeEngines.join(', ')}`,
});
export const portSchema = port;
export const secondsSchema = seconds;

/** `NAME=value` lines (the action input and the CLI flag), blank lines ignored. */
export function parseEnvironmentLines(text: string): Record<string, string> | string {
  const env: Record<string, string> = {};
  for (const line of text.split(/\r?\n/)) {
    if (line.trim() === '') continue;
    const at = line.indexOf('=');
    if (at <= 0) return `'${line}' is not NAME=value`;
    env[line.slice(0, at).trim()] = line.slice(at + 1);
  }
  const parsed = extraEnvironmentSchema.safeParse(env);
  return parsed.success
    ? parsed.data
    : parsed.error.issues.map((i) => `${String(i.path[0] ?? '')} ${i.message}`.trim()).join('; ');
}

/** Drops unset fields, so an absent setting never hides the next source's value. */
export function definedMultiNode(settings: MultiNodeSettings): MultiNodeSettings {
  return Object.fromEntries(Object.entries(settings).filter(([, v]) => v !== undefined)) as MultiNodeSettings;
}
