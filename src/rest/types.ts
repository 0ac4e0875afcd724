/**
 * The public type of the typed REST core, {@linkcode RestClient}: `GET`, `POST`, `PUT`, `PATCH`
 * and `DELETE` on the agent server's paths, typed from the generated OpenAPI paths alone.
 *
 * At run time `rest` is the openapi-fetch client; these types describe it as our middleware makes
 * it behave: a call that resolves always has `data` (the 2xx body), because every other status
 * throws a typed error.
 *
 * @module
 */

import type { paths } from "../../generated/openapi.ts";
import type { ServerDetailsPaths } from "./server_paths.ts";

export type { ServerDetailsPaths, ServerInfo } from "./server_paths.ts";

/**
 * The path map of the agent server's REST API: the generated OpenAPI paths, plus
 * {@linkcode ServerDetailsPaths}.
 *
 * @example Name the query of an endpoint
 * ```ts
 * import type { AgentServerPaths } from "@remote-hands/client";
 * type CountQuery = NonNullable<
 *   AgentServerPaths["/api/conversations/count"]["get"]["parameters"]["query"]
 * >;
 * const query: CountQuery = { status: "finished" };
 * if (query.status !== "finished") throw new Error();
 * ```
 */
export type AgentServerPaths = paths & ServerDetailsPaths;

/**
 * An HTTP method the agent server's REST API uses, spelled as in the generated paths.
 *
 * @example
 * ```ts
 * import type { RestMethod } from "./types.ts";
 * const method: RestMethod = "patch";
 * if (method.toUpperCase() !== "PATCH") throw new Error();
 * ```
 */
export type RestMethod = "get" | "put" | "post" | "patch" | "delete";

/**
 * The paths that have an operation for `Method`, e.g. `RestPath<"delete">` is every path that
 * can be deleted.
 *
 * @example
 * ```ts
 * import type { RestPath } from "./types.ts";
 * const path: RestPath<"delete"> = "/api/conversations/{conversation_id}";
 * // @ts-expect-error: the count has no DELETE
 * const wrong: RestPath<"delete"> = "/api/conversations/count";
 * if (!path.startsWith("/api/") || !wrong) throw new Error();
 * ```
 */
export type RestPath<Method extends RestMethod> = {
  [Path in keyof AgentServerPaths]: AgentServerPaths[Path] extends Record<Method, unknown> ? Path
    : never;
}[keyof AgentServerPaths];

/**
 * The generated operation of `Method` on `Path` (its `parameters`, `requestBody` and
 * `responses`).
 *
 * @example
 * ```ts
 * import type { RestOperation } from "./types.ts";
 * type GetConversation = RestOperation<"get", "/api/conversations/{conversation_id}">;
 * const path: GetConversation["parameters"]["path"] = { conversation_id: "6c1b5b1e" };
 * if (path.conversation_id !== "6c1b5b1e") throw new Error();
 * ```
 */
export type RestOperation<Method extends RestMethod, Path extends RestPath<Method>> =
  AgentServerPaths[Path][Method];

/**
 * The `params` of an operation: its `path`, `query`, `header` (and `cookie`) parameters, each
 * required when the operation requires one of its fields.
 *
 * @example
 * ```ts
 * import type { RestOperation, RestParams } from "./types.ts";
 * type Search = RestOperation<"get", "/api/conversations/search">;
 * const params: RestParams<Search> = { query: { limit: 10, status: "idle" } };
 * if (params.query?.limit !== 10) throw new Error();
 * ```
 */
export type RestParams<Operation> = Operation extends { parameters: infer Params } ? Params
  : never;

/**
 * The request body of an operation: the content of its (only) media type, `never` when the
 * operation takes no body. A `multipart/form-data` body is a `FormData` (sent as it is, with its
 * boundary).
 *
 * @example
 * ```ts
 * import type { RestBody, RestOperation } from "./types.ts";
 * type Respond = RestOperation<
 *   "post",
 *   "/api/conversations/{conversation_id}/events/respond_to_confirmation"
 * >;
 * const body: RestBody<Respond> = { accept: false, reason: "not now" };
 * const upload: RestBody<RestOperation<"post", "/api/file/upload">> = new FormData();
 * if (body.accept || !(upload instanceof FormData)) throw new Error();
 * ```
 */
export type RestBody<Operation> = Operation extends { requestBody?: infer Body }
  ? Body extends { content: infer Content }
    ? Content extends { "multipart/form-data": unknown } ? FormData : Content[keyof Content]
  : never
  : never;

/**
 * The 2xx statuses whose response is the result of a call.
 *
 * @example
 * ```ts
 * import type { RestSuccessStatus } from "./types.ts";
 * const created: RestSuccessStatus = 201;
 * if (created !== 201) throw new Error();
 * ```
 */
export type RestSuccessStatus =
  | 200
  | 201
  | 202
  | 203
  | 204
  | 205
  | 206
  | 207
  | 208
  | 226
  | "2XX";

/**
 * The `application/json` content of one response: `undefined` when the response has no content
 * (`204 No Content`), `unknown` when its content is not JSON.
 *
 * @example
 * ```ts
 * import type { RestJsonContent } from "./types.ts";
 * const count: RestJsonContent<{ content: { "application/json": number } }> = 3;
 * const none: RestJsonContent<{ content?: never }> = undefined;
 * if (count !== 3 || none !== undefined) throw new Error();
 * ```
 */
export type RestJsonContent<ResponseObject> = ResponseObject extends
  { content: { "application/json": infer Json } } ? Json
  : ResponseObject extends { content: object } ? unknown
  : undefined;

/**
 * What a call of an operation resolves with by default: the JSON body of its 2xx response (of
 * each, when it has several), `undefined` for a 2xx without content.
 *
 * @example
 * ```ts
 * import type { RestData, RestOperation } from "./types.ts";
 * type Count = RestData<RestOperation<"get", "/api/conversations/count">>;
 * const count: Count = 2;
 * if (count !== 2) throw new Error();
 * ```
 */
export type RestData<Operation> = Operation extends { responses: infer Responses }
  ? RestJsonContent<Responses[Extract<keyof Responses, RestSuccessStatus>]>
  : unknown;

/**
 * How a call reads a 2xx body (`parseAs`): `json` (the default) or raw.
 *
 * @example
 * ```ts
 * import type { RestParseAs } from "./types.ts";
 * const parseAs: RestParseAs = "blob";
 * if (parseAs !== "blob") throw new Error();
 * ```
 */
export type RestParseAs = "json" | "text" | "blob" | "arrayBuffer" | "stream";

/**
 * The `data` of a call for each {@linkcode RestParseAs}, given the operation's JSON body type.
 * A 2xx without a body (`204`, `Content-Length: 0`, e.g. an empty file) has `data` `undefined`:
 * the raw kinds say so (a JSON operation of the server always sends a body).
 *
 * @example
 * ```ts
 * import type { RestParsedBody } from "./types.ts";
 * const blob: RestParsedBody<number>["blob"] = new Blob(["abc"]);
 * const json: RestParsedBody<number>["json"] = 3;
 * if (blob?.size !== 3 || json !== 3) throw new Error();
 * ```
 */
export interface RestParsedBody<Json> {
  /** The body parsed as JSON, typed from the operation's 2xx `application/json` content. */
  json: Json;
  /** The body as text. */
  text: string | undefined;
  /** The body as a `Blob`. */
  blob: Blob | undefined;
  /** The body as an `ArrayBuffer`. */
  arrayBuffer: ArrayBuffer | undefined;
  /** The unread body: read it to the end or `cancel()` it, which releases the connection. */
  stream: ReadableStream<Uint8Array> | null | undefined;
}

/**
 * Per-call options besides `params` and `body`.
 *
 * @example With `callInit`, which turns a time limit into a header
 * ```ts
 * import { callInit } from "./client.ts";
 * import type { RestCallOptions } from "./types.ts";
 * const options: RestCallOptions = callInit({ signal: AbortSignal.timeout(5_000), timeoutMs: 1_000 });
 * if (!options.signal || !options.headers) throw new Error();
 * ```
 */
export interface RestCallOptions<ParseAs extends RestParseAs = "json"> {
  /** Cancels the call; the promise rejects with the signal's reason. */
  signal?: AbortSignal | undefined;
  /** Headers for this call, over the client's own. */
  headers?: HeadersInit | undefined;
  /** How to read the 2xx body; default `json`. See {@linkcode RestParsedBody}. */
  parseAs?: ParseAs;
}

/**
 * The second argument of a call: `params` typed from the operation (required when the operation
 * has a required parameter, e.g. a path parameter), `body` (required when the operation requires
 * one, absent when it takes none), and the {@linkcode RestCallOptions}.
 *
 * @example
 * ```ts
 * import type { RestInit, RestOperation } from "./types.ts";
 * type Pause = RestOperation<"post", "/api/conversations/{conversation_id}/pause">;
 * const init: RestInit<Pause> = { params: { path: { conversation_id: "6c1b5b1e" } } };
 * // @ts-expect-error: the path parameter is required
 * const missing: RestInit<Pause> = {};
 * if (!init.params.path.conversation_id || !missing) throw new Error();
 * ```
 */
export type RestInit<Operation, ParseAs extends RestParseAs = "json"> =
  & (Partial<RestParams<Operation>> extends RestParams<Operation>
    ? { params?: RestParams<Operation> }
    : { params: RestParams<Operation> })
  & ([RestBody<Operation>] extends [never] ? { body?: never }
    : Operation extends { requestBody: unknown } ? { body: RestBody<Operation> }
    : { body?: RestBody<Operation> })
  & RestCallOptions<ParseAs>;

/**
 * The arguments after the path: the {@linkcode RestInit}, optional when nothing in it is
 * required.
 *
 * @example
 * ```ts
 * import type { RestInitArgs, RestOperation } from "./types.ts";
 * const none: RestInitArgs<RestOperation<"get", "/api/conversations/count">> = [];
 * if (none.length !== 0) throw new Error();
 * ```
 */
export type RestInitArgs<Operation, ParseAs extends RestParseAs = "json"> =
  Partial<RestInit<Operation, ParseAs>> extends RestInit<Operation, ParseAs>
    ? [init?: RestInit<Operation, ParseAs>]
    : [init: RestInit<Operation, ParseAs>];

/**
 * What a call resolves with: the 2xx body as `data` (see {@linkcode RestParsedBody}) and the
 * `Response` (status, headers; its body is already read unless `parseAs` is `stream`).
 *
 * @example
 * ```ts
 * import type { RestOperation, RestResult } from "./types.ts";
 * type Count = RestOperation<"get", "/api/conversations/count">;
 * const result: RestResult<Count> = { data: 2, response: new Response(null, { status: 200 }) };
 * if (result.data + 1 !== 3) throw new Error();
 * ```
 */
export interface RestResult<Operation, ParseAs extends RestParseAs = "json"> {
  /** The 2xx body. */
  data: RestParsedBody<RestData<Operation>>[ParseAs];
  /** The HTTP response. */
  response: Response;
}

/**
 * One method of the {@linkcode RestClient}: call `Method` on a path that has it.
 *
 * @example
 * ```ts
 * import { createAgentServerClient } from "@remote-hands/client";
 * import type { RestCall } from "./types.ts";
 * const client = createAgentServerClient({ host: "http://agent.test", fetch: async () => Response.json(4) });
 * const get: RestCall<"get"> = client.rest.GET;
 * const { data } = await get("/api/conversations/count");
 * if (data !== 4) throw new Error();
 * ```
 */
export type RestCall<Method extends RestMethod> = <
  Path extends RestPath<Method>,
  ParseAs extends RestParseAs = "json",
>(
  path: Path,
  ...init: RestInitArgs<RestOperation<Method, Path>, ParseAs>
) => Promise<RestResult<RestOperation<Method, Path>, ParseAs>>;

/**
 * The typed REST client of the agent server (`AgentServerClient.rest`): one method per HTTP
 * method, on the paths that have it, with params, body and result typed from the generated
 * OpenAPI paths.
 *
 * A call resolves with `{ data, response }` on 2xx and throws otherwise: an `APIError` subclass
 * for an HTTP error (`NotFoundError`, `ValidationError`, ...), `ConnectionError`,
 * `TimeoutError`, or the signal's reason on abort.
 *
 * @example Read a conversation (here from a stand-in server)
 * ```ts
 * import { createAgentServerClient } from "@remote-hands/client";
 * import type { RestClient } from "@remote-hands/client";
 * const id = "6c1b5b1e-0000-4000-8000-000000000000";
 * const rest: RestClient = createAgentServerClient({
 *   host: "http://agent.test",
 *   fetch: async () => Response.json({ id, execution_status: "idle" }),
 * }).rest;
 * const { data, response } = await rest.GET("/api/conversations/{conversation_id}", {
 *   params: { path: { conversation_id: id } },
 * });
 * if (data.execution_status !== "idle" || response.status !== 200) throw new Error();
 * ```
 */
export interface RestClient {
  /** Calls a GET endpoint. */
  readonly GET: RestCall<"get">;
  /** Calls a POST endpoint (never retried). */
  readonly POST: RestCall<"post">;
  /** Calls a PUT endpoint. */
  readonly PUT: RestCall<"put">;
  /** Calls a PATCH endpoint (never retried). */
  readonly PATCH: RestCall<"patch">;
  /** Calls a DELETE endpoint. */
  readonly DELETE: RestCall<"delete">;
}
