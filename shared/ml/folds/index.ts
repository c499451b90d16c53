/**
 * Cross-validation fold assignment identical to scikit-learn 1.2's splitters. Each function
 * returns a fold id per row (an `Int32Array`): a row mask over data that is never copied.
 *
 * ```ts
 * import { kFold, stratifiedKFold, trainTestSplit } from '../shared/ml/folds/index.js';
 * const folds = stratifiedKFold(labels, 5, { shuffle: true, seed: 42 });
 * const trainRows = folds.map((f) => (f === 0 ? 0 : 1)); // fold 0 is the test fold of split 0
 * const holdout = trainTestSplit(labels.length, { testSize: 0.2, seed: 7, stratify: labels });
 * ```
 */
export { kFold, stratifiedKFold } from './kfold.js';
export { repeatedKFold, repeatedStratifiedKFold } from './repeated.js';
export { trainTestSplit } from './holdout.js';
export { predefinedFolds } from './predefined.js';
export type { KFoldOptions, RepeatedKFoldOptions } from './options.js';
export type { TrainTestSplitOptions } from './holdout.js';
export type { PredefinedFolds } from './predefined.js';
export type { Label, Labels } from './labels.js';
