export {
  loadConfig,
  redactConfig,
  renderConfigTable,
  parseDurationMs,
  parseSizeBytes,
  type SettingSpec,
  type SettingsSpec,
  type LoadConfigOptions,
  type Resolved as ResolvedConfig,
} from './config.js';
export { createLogger, errorSerializer, type Logger, type CreateLoggerOptions } from './logger.js';
export { createMetrics, Counter, Gauge, Histogram, Registry, type HttpMetrics } from './metrics.js';
export { startTelemetry, currentTraceId, currentTraceparent, inSpan } from './telemetry.js';
export {
  createHttpApp,
  problemMiddleware,
  type ProblemRenderer,
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
export { type Principal, type Scope, TENANT_HEADER, SCOPES_HEADER, principalOf, authorize } from './principal.js';
export { loadServiceConfig, EX_CONFIG } from './bootstrap.js';
