export { createApp, type AppDeps, type ValidatorApp } from './app.js';
export { startValidator, type StartValidatorOptions, type RunningValidator } from './server.js';
export { runValidator, closeOnSignal, createValidatorLogger } from './main.js';
export { linkEmbedded, linkRedis, type StoreLink, type RedisLinkOptions } from './store-link.js';
export { collectProcessMetrics, createValidatorMetrics, METRIC_PREFIX, type ValidatorMetrics } from './metrics.js';
export { ProblemError, problemResponse, PROBLEM_CONTENT_TYPE } from './problem.js';
export { settleNextTickShape } from './tick-shape.js';
export { bareApp, openApiDocument } from './openapi-document.js';
