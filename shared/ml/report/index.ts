/**
 * The training report: its JSON shape (`TrainingReport`, written as
 * `<root>/jobs/<jobId>/<stage>/report.json`), the self-contained HTML page rendered from it
 * (`report.html`), and the ROC thinning the report's curves go through. See
 * docs/ml/training-report.md for what each section means.
 *
 * ```ts
 * import { renderTrainingReport, thinCurve } from '../ml/report/index.js';
 * const roc = rocCurve(yTrue, yScore);
 * const { fpr, tpr } = thinCurve(roc.fpr, roc.tpr); // ≤ 200 points, ends and shape kept
 * const html = renderTrainingReport(report);         // one page, inline CSS + SVG, no scripts
 * ```
 */
export { renderTrainingReport } from './html.js';
export { thinCurve } from './roc.js';
export type { ThinnedCurve } from './roc.js';
export type { CandidateReport, FinalModelReport, FoldScore, TrainingReport } from './types.js';
