/**
 * What a training job reports (`jobs/<id>/<stage>/report.json`, rendered to report.html):
 * every (candidate × fold) score, their mean and std, the pooled out-of-fold ROC curve and
 * confusion matrix of each candidate, and the final models with their feature importances.
 */
import type { Summary } from '../metrics/summary.js';
import type { LearningTask } from '../models/types.js';

export interface FoldScore {
  fold: number;
  /** For repeated CV: which repeat. 0 otherwise. */
  repeat: number;
  trainRows: number;
  testRows: number;
  /** Metric name → value: accuracy, precision, recall, f1, f1_macro, f1_weighted, roc_auc, pr_auc, log_loss / mse, rmse, mae, r2. */
  metrics: Record<string, number>;
  /** The task's wall seconds, and by step: assemble (train and test matrices), fit, predict, metrics, write. */
  seconds: number;
  steps?: Record<string, number>;
}

export interface CandidateReport {
  /** `<model name>#<index in its search>`, e.g. `logistic#2`. */
  id: string;
  /** The `models[]` entry it came from. */
  model: string;
  kind: string;
  params: Record<string, unknown>;
  folds: FoldScore[];
  summary: Record<string, Summary>;
  /** 1 = best of its model entry by the selection metric. */
  rank: number;
  /**
   * Pooled out-of-fold ROC curve (binary only), thinned to at most ~200 points; `auc` is the
   * pooled curve's area (from the full curve), `foldMean` the mean of the per-fold ROC AUCs.
   */
  roc?: { fpr: number[]; tpr: number[]; auc: number; foldMean?: number };
  /** Pooled out-of-fold confusion matrix at the chosen threshold (classification only). */
  confusion?: { labels: string[]; matrix: number[][]; threshold?: number };
}

export interface FinalModelReport {
  model: string;
  kind: string;
  candidate: string;
  params: Record<string, unknown>;
  /** The final task's wall seconds, and by step: assemble, fit, write. */
  seconds: number;
  steps?: Record<string, number>;
  /** Sorted by value, largest first. */
  importances: { feature: string; value: number }[];
  /** Set once registered. */
  registry?: { name: string; version: number; id: string; aliases: string[] };
}

export interface TrainingReport {
  kind: 'quiver-training-report';
  jobId: string;
  stage: string;
  createdAt: string;
  task: LearningTask;
  label: string;
  classes?: string[];
  rows: number;
  features: string[];
  /** How rows were split: `stratified-kfold`, `kfold`, `repeated-…`, `holdout`, `column`. */
  cv: { kind: string; folds: number; repeats: number; shuffle: boolean; seed: number | null };
  /** `per-fold` (the pipeline is refit inside every training fold) or `once`. */
  fitFeatures: 'per-fold' | 'once';
  /** Metric that picks the best candidate of each model entry, and whether larger is better. */
  selection: { metric: string; greaterIsBetter: boolean };
  candidates: CandidateReport[];
  final: FinalModelReport[];
  /** Wall seconds per phase: labels, folds, fit-features, cv, final. */
  timings: Record<string, number>;
  datasetVersion: string | null;
  pipelineVersion: string | null;
}
