export { checkpointChart } from './chart';
export {
  escapeCodeSpan,
  escapeInline,
  escapePreformatted,
  escapeTerminal,
  escapeWorkflowLog,
} from './escape';
export { reportMarker } from './marker';
export { GITHUB_COMMENT_LIMIT, renderReport } from './render';
export { type StickyCommentOptions, type StickyCommentResult, upsertStickyComment } from './sticky-comment';
export type { CheckpointPoint, JobLayout, JobReport, ReportResultRow, RunReport } from './types';
