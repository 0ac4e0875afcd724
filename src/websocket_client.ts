/**
 * Moved to `src/socket/`: this re-export keeps the old path working.
 *
 * @module
 */

export { WebSocketCallbackClient } from "./socket/websocket_client.ts";
export {
  MIN_RECONNECT_DELAY_MS,
  reconnectDelay,
  type ReconnectOptions,
} from "./socket/reconnect.ts";
export type {
  CloseInfo,
  ReadyInfo,
  SocketProtocol,
  WaitUntilReadyOptions,
  WebSocketCallbackClientOptions,
  WebSocketConstructorLike,
  WebSocketLike,
} from "./socket/types.ts";
