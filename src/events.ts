/**
 * Events of the agent server, validated at the boundary with valibot. The modules are in
 * `events/`; this one gathers their public names.
 *
 * @module
 */

export type {
  ACPToolCallEvent,
  ActionEvent,
  AgentErrorEvent,
  BaseEvent,
  ConversationErrorEvent,
  ConversationStateUpdateEvent,
  KindObject,
  MessageEvent,
  ObservationEvent,
  PlainEvent,
  ServerErrorEvent,
  StreamingDeltaEvent,
  UserRejectObservation,
} from "./events/types.ts";
export type {
  Event,
  EventKindMap,
  EventOfKind,
  KnownEventKind,
  UnknownEvent,
} from "./events/kinds.ts";
export {
  parseEvent,
  parseEventFrame,
  type ParseEventResult,
  parseOwnedEvent,
} from "./events/parse.ts";
export { contentText, isEventKind, isPersistedEvent } from "./events/helpers.ts";
