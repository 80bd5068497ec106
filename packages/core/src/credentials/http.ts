// The credential providers' HTTP is the core's one HTTP layer (../http): the same retry policy and
// the runner's proxy as the install path. Re-exported here, where the providers and the front-ends'
// adapters have always found it.
export {
  backoffDelay,
  DEFAULT_RETRY,
  isRetryableStatus,
  realClock,
  type HttpClock,
  type RetryPolicy,
} from '../http/policy';
export {
  HttpFailure,
  parseJson,
  requestWithRetry,
  stringField,
  type HttpDeps,
  type HttpRequest,
  type HttpResponse,
} from '../http/request';
export type { Transport, TransportRequest, TransportResponse } from '../http/transport';
