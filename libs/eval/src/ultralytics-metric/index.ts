export { evaluateUltralyticsDetection, type UltralyticsDetectionMetrics, type UltralyticsMetricOptions } from './evaluate.ts';
