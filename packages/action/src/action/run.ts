import * as core from '@actions/core';

/** Reads inputs at call time (never at import), runs the evaluation, reports failure through setFailed. */
export async function runAction(): Promise<void> {
  try {
    const model = core.getInput('model');
    core.info(
      `model-eval-action: model ${model || '(from config)'}; the evaluation pipeline is not in this build yet.`,
    );
    core.setOutput('status', 'failed');
    core.setFailed('model-eval-action: the evaluation pipeline is not available in this build yet.');
  } catch (error) {
    core.setFailed(error instanceof Error ? error.message : String(error));
  }
}
