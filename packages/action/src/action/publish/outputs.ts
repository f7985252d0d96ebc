import type { ResultRow } from '../../results';
import type { RunOutcome } from '../../run/run-evaluation';
import type { RunSettings } from '../../run/run-settings';
import type { ActionEnvironment } from '../environment';

function resultOutput(row: ResultRow) {
  return {
    benchmark: row.benchmark,
    task: row.task,
    metric: row.metric,
    value: row.value,
    stderr: row.stderr,
  };
}

/** The action's outputs (action.yml `outputs:`), set whatever the status. */
export function setOutputs(
  core: ActionEnvironment['core'],
  runSettings: RunSettings,
  run: RunOutcome,
  paths: { reportPath: string; localDir: string },
): void {
  core.setOutput(
    'job-ids',
    run.report.jobs
      .map((j) => j.id)
      .filter((id) => id !== '—')
      .join(','),
  );
  core.setOutput('results', JSON.stringify(run.results.map(resultOutput)));
  core.setOutput('report-path', paths.reportPath);
  core.setOutput('results-dir', paths.localDir);
  core.setOutput('run-id', runSettings.runId);
  core.setOutput('revision', run.report.revision);
  // The commit LightEval loaded: recorded with the run (empty for a model directory, which has none).
  core.setOutput('commit-sha', run.report.commitSha ?? runSettings.commitSha ?? '');
}
