export { CHART_BACKGROUND, CHART_PALETTE, type ChartSeries, fittedRange, scoreByStepChart } from './chart';
export {
  escapeCodeSpan,
  escapeInline,
  escapePreformatted,
  escapeTerminal,
  escapeWorkflowLog,
} from './escape';
export { reportMarker } from './marker';
export { benchmarkTitle, modelTitle } from './names';
export { GITHUB_COMMENT_LIMIT, renderReport } from './render';
export { type StickyCommentOptions, type StickyCommentResult, upsertStickyComment } from './sticky-comment';
export { renderReportText } from './text';
export type {
  BenchmarkFacts,
  CheckpointPoint,
  JobAttempt,
  JobLayout,
  JobReport,
  ReportResultRow,
  RunReport,
} from './types';
export { type ReportView, reportVerdict, reportView } from './view';
