/**
 * The model seam: every estimator (logistic, linear, ridge, gbt, mlp) fits on a dense
 * row-major design matrix and predicts from one, and its fitted state is plain JSON, so a model
 * trained in a worker thread is stored, registered, and served anywhere.
 */
import type { DesignMatrix, Label } from '../linear/types.js';

export type LearningTask = 'binary' | 'multiclass' | 'regression';

export interface FitInput {
  X: DesignMatrix;
  /** Classification: class index 0..k-1 into `classes`. Regression: the target. */
  y: Float64Array;
  task: LearningTask;
  /** Sorted class labels (classification only). Binary models score `classes[1]`. */
  classes?: Label[];
  sampleWeight?: Float64Array;
  /** Seeds every random choice: the same seed and data give the same model. */
  seed: number;
  featureNames: string[];
}

/** Fitted state of any estimator: `kind` names the estimator; the rest is its own JSON. */
export interface ModelState {
  kind: string;
  task: LearningTask;
  nFeatures: number;
  [key: string]: unknown;
}

export interface Estimator<M extends ModelState = ModelState> {
  /** 'logistic' | 'linear' | 'ridge' | 'gbt' | 'mlp' */
  readonly kind: string;
  readonly summary: string;
  readonly tasks: readonly LearningTask[];
  /** JSON Schema of the hyperparameters object (one value per parameter). */
  readonly paramsSchema: Record<string, unknown>;
  fit(input: FitInput, params: Record<string, unknown>): M | Promise<M>;
  /**
   * Regression: predicted values (n). Binary: P(classes[1]) (n). Multiclass: probabilities,
   * n×k row-major.
   */
  predict(model: M, X: DesignMatrix): Float64Array | Promise<Float64Array>;
  /** Per-feature importance (e.g. gain for trees, |coef| × std for linear), or null. */
  importances?(model: M): number[] | null;
}
