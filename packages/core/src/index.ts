export * from './adapter';
export * from './ci';
export * from './errors';
export * from './credentials/types';
export * from './credentials/resolve';
export * from './engine/types';
export * from './engine/locate';
export * from './options/schema';
export * from './options/lists';
export * from './options/values';
export * from './options/build';
export * from './options/validate-build';
export * from './plan/types';
export * from './plan/build';
export * from './plan/git-context';
export * from './plan/provenance';
export * from './plan/print';
export * from './run/diagnose';
export * from './run/execute';
export * from './report/outputs';
export * from './report/summary';
export * from './report/progress';
export * from './report/problems';
export * from './report/annotate';
export * from './report/build-report';
export * from './steps/engine-step';
export * from './steps/build-push';
export * from './run/temp-dir';
// The one HTTP layer, for the front-ends' adapters (the GitHub ID token, the Buildkite agent API).
export {
  backoffDelay,
  DEFAULT_RETRY,
  isRetryableStatus,
  realClock,
  type HttpClock,
  type RetryPolicy,
} from './http/policy';
export {
  HttpFailure,
  parseJson,
  requestWithRetry,
  stringField,
  type HttpDeps,
  type HttpRequest,
  type HttpResponse,
} from './http/request';
export type { Transport, TransportRequest, TransportResponse } from './http/transport';
export * from './credentials/jwt';
export * from './credentials/providers';
export * from './credentials/identity';
export * from './engine/version-spec';
export * from './engine/platform';
export * from './engine/cache';
export * from './engine/verify';
export * from './engine/npmrc';
export * from './engine/request';
export * from './engine/install';
export * from './options/setup';
export * from './options/last-build';
export * from './options/remote-ref';
export * from './options/pull';
export * from './steps/pull';
export * from './steps/setup';
export * from './options/bake';
export * from './options/validate-bake';
export * from './bake/definition';
export * from './bake/source';
export * from './plan/bake';
export * from './report/bake-outputs';
export * from './steps/bake';
export * from './local/types';
export * from './local/detect';
export * from './local/gaps';
export * from './local/render';
export * from './local/bake';
export * from './local/push';
export * from './steps/engine-choice';
export * from './steps/pipeline';
export * from './steps/run-engine';
export * from './steps/local-run';
export * from './steps/run-with-fallback';
export * from './plan/invocation';
export * from './plan/depot-project';
export * from './credentials/cli-login';
export * from './redact';
export * from './report/step-error';
