import type { Logger } from '@model-eval/slurm';
import type { Octokit } from '@octokit/rest';
import { type RunReport, renderReport, reportMarker, upsertStickyComment } from '../report';

export interface LiveComment {
  /** Updates the sticky comment with this report, at most once per interval (the last one wins). */
  update(report: RunReport): void;
  /** Writes this report now and waits for it (and for any update in flight). */
  flush(report: RunReport): Promise<string | undefined>;
}

/**
 * The PR's sticky comment, kept current while jobs move (queued → running → results). Updates are
 * coalesced so a burst of state changes makes one API call, and a failed update is a warning: the
 * comment is a view, losing one update loses nothing.
 */
export function createLiveComment(
  octokit: Octokit,
  repository: { owner: string; name: string },
  issueNumber: number,
  logger: Logger,
  minIntervalMs = 15_000,
): LiveComment {
  let inFlight: Promise<string | undefined> = Promise.resolve(undefined);
  let lastWrite = 0;
  let queued: RunReport | undefined;
  let timer: NodeJS.Timeout | undefined;

  const write = (report: RunReport) => {
    lastWrite = Date.now();
    inFlight = inFlight.then(async () => {
      try {
        const result = await upsertStickyComment(octokit, {
          owner: repository.owner,
          repo: repository.name,
          issueNumber,
          marker: reportMarker(report.model),
          body: renderReport(report),
        });
        return result.url;
      } catch (error) {
        logger.warn(`Could not update the PR comment: ${(error as Error).message}`);
        return undefined;
      }
    });
    return inFlight;
  };

  return {
    update(report) {
      queued = report;
      if (timer) return;
      const wait = Math.max(0, lastWrite + minIntervalMs - Date.now());
      timer = setTimeout(() => {
        timer = undefined;
        if (queued) void write(queued);
        queued = undefined;
      }, wait);
      timer.unref();
    },
    async flush(report) {
      if (timer) clearTimeout(timer);
      timer = undefined;
      queued = undefined;
      await inFlight;
      return write(report);
    },
  };
}
