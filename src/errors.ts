/**
 * The one error hierarchy of remote-hands.
 *
 * Every error the client throws on purpose is a {@linkcode RemoteHandsError}. HTTP answers outside
 * 2xx become an {@linkcode APIError} subclass picked by status; a server that cannot be reached is
 * a {@linkcode ConnectionError}; a request that ran out of time is a {@linkcode TimeoutError}.
 * Messages say what happened and what to do, and never contain the API key or secret values.
 *
 * The classes live in `errors/`, one file per family; this module gathers them.
 *
 * @module
 */

export { RemoteHandsError } from "./errors/base.ts";
export {
  APIError,
  type APIErrorRequest,
  AuthenticationError,
  BadRequestError,
  ConflictError,
  NotFoundError,
  PermissionDeniedError,
  RateLimitError,
  ServerError,
  ValidationError,
} from "./errors/api.ts";
export {
  ConnectionError,
  RedirectError,
  ResponseTooLargeError,
  TimeoutError,
} from "./errors/transport.ts";
export { closeError, WebSocketConnectionError } from "./errors/socket.ts";
export {
  EventValidationError,
  ProtocolError,
  UnsupportedByServerError,
} from "./errors/protocol.ts";
export { ConversationRunError, type ConversationRunErrorDetails } from "./errors/run.ts";
