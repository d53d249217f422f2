/**
 * Offline evaluation: ranking metrics, bootstrap statistics, the evaluation protocol, knob tuning
 * on a validation window and report rendering. One import for notebooks and the pipeline.
 */
export * from './bootstrap.js';
export { historyItems, maskHistory } from './mask.js';
export * from './protocol.js';
export * from './ranking.js';
export * from './ranking-metrics.js';
export * from './report-markdown.js';
export * from './scoring.js';
export * from './truth.js';
export * from './tune.js';
