export {
  loadConfig,
  redactConfig,
  renderConfigTable,
  parseDurationMs,
  parseSizeBytes,
  type SettingSpec,
  type SettingsSpec,
  type LoadConfigOptions,
} from './config.js';
export { createLogger, errorSerializer, type Logger, type CreateLoggerOptions } from './logger.js';
export { createMetrics, Counter, Gauge, Histogram, Registry, type HttpMetrics } from './metrics.js';
export { startTelemetry, currentTraceId, currentTraceparent } from './telemetry.js';
export {
  createHttpApp,
  problemMiddleware,
  requireContentType,
  translateFrameworkError,
  express,
  type CreateHttpAppOptions,
  type ReadinessCheck,
  type Express,
  type Request,
  type Response,
  type NextFunction,
  type Router,
} from './http.js';
export { startServer, shutdownOnSignals, type RunningServer, type StartServerOptions } from './lifecycle.js';
