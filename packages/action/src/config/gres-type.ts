import { gpuTypes } from '@model-eval/planner';
import { GRES_TYPE_PATTERN } from '@model-eval/slurm';
import { SettingsError } from './errors';

/** `gres-type: auto`: the usual Slurm name of the `gpu-type` (h100 → h100, a100-80 → a100). */
export const AUTO_GRES_TYPE = 'auto';

/**
 * The GRES type the jobs request (`--gres=gpu:TYPE:N`), or undefined for any GPU (`--gres=gpu:N`,
 * the default: a type the cluster's gres.conf does not name makes sbatch refuse the job). The value
 * is the cluster's own name, or `auto` for the `gpu-type`'s usual one.
 */
export function resolveGresType(
  gresType: string | undefined,
  gpuType: string | undefined,
  where: string,
): string | undefined {
  if (gresType === undefined) return undefined;
  if (gresType === AUTO_GRES_TYPE) {
    const type = gpuType === undefined ? undefined : gpuTypes[gpuType.toLowerCase()];
    if (!type) {
      throw new SettingsError(
        `gres-type is 'auto' but no gpu-type is set`,
        `Set gpu-type (${where}) so 'auto' can name its GRES type, or give the cluster's type name itself (scontrol show node lists it as gpu:TYPE:N).`,
      );
    }
    return type.gresType;
  }
  if (!GRES_TYPE_PATTERN.test(gresType)) {
    throw new SettingsError(
      `gres-type '${gresType}' is not a GRES type name`,
      `Use the type name the cluster's gres.conf gives its GPUs (letters, digits, '_', '.', '-'; scontrol show node lists them as gpu:TYPE:N), or 'auto', in ${where}.`,
    );
  }
  return gresType;
}
