/**
 * The file resources of the agent server (`/api/file/...`): upload and download.
 *
 * @module
 */

import type { Schemas } from "../types.ts";
import { uploadedSize } from "./_quirks.ts";
import { callInit, type CallOptions } from "./client.ts";
import type { Connection } from "./connection.ts";

/**
 * What an upload resolves with: `{ success, file_size }`.
 *
 * @example
 * ```ts
 * import type { UploadResult } from "./files.ts";
 * const result: UploadResult = { success: true, file_size: 3 };
 * if (result.file_size !== 3) throw new Error();
 * ```
 */
export type UploadResult = Schemas["FileUploadResult"];

/**
 * `POST /api/file/upload` (multipart field `file`): writes a file on the server, creating its
 * parent directories.
 *
 * @param connection The server.
 * @param path The file's absolute path on the server.
 * @param content The bytes.
 * @param filename The name sent with the part.
 * @param options Signal and time limit.
 * @returns The server's answer; `file_size` is the byte size sent when the server does not say
 * (servers before 1.56.0: see `_quirks.ts`).
 *
 * @example
 * ```ts
 * import { createConnection } from "./connection.ts";
 * import { uploadFile } from "./files.ts";
 * const connection = createConnection({ host: "http://agent.test", fetch: async () => Response.json({ success: true }) });
 * const result = await uploadFile(connection, "/w/a.txt", new Blob(["abc"]), "a.txt");
 * if (result.file_size !== 3) throw new Error();
 * ```
 */
export async function uploadFile(
  connection: Connection,
  path: string,
  content: Blob,
  filename: string,
  options?: CallOptions,
): Promise<UploadResult> {
  const form = new FormData();
  form.append("file", content, filename);
  const { data } = await connection.rest.POST("/api/file/upload", {
    params: { query: { path } },
    body: form,
    ...callInit(options),
  });
  const answer: Partial<UploadResult> = data ?? {};
  return { ...answer, file_size: uploadedSize(answer.file_size, content.size) };
}

/**
 * `GET /api/file/download` into a `Blob`. A missing file is a `NotFoundError`; a directory is a
 * `BadRequestError`.
 *
 * @param connection The server.
 * @param path The file's absolute path on the server.
 * @param options Signal and time limit.
 * @returns The file's bytes.
 *
 * @example
 * ```ts
 * import { createConnection } from "./connection.ts";
 * import { downloadFile } from "./files.ts";
 * const connection = createConnection({ host: "http://agent.test", fetch: async () => new Response("abc") });
 * if (await (await downloadFile(connection, "/w/a.txt")).text() !== "abc") throw new Error();
 * ```
 */
export async function downloadFile(
  connection: Connection,
  path: string,
  options?: CallOptions,
): Promise<Blob> {
  const { data, response } = await connection.rest.GET("/api/file/download", {
    params: { query: { path } },
    parseAs: "blob",
    ...callInit(options),
  });
  if (data === undefined) {
    // An empty file (Content-Length: 0): the client skips the body, so release it here.
    await response.body?.cancel();
    return new Blob([]);
  }
  return data;
}

/**
 * `GET /api/file/download` as a byte stream: read it to the end or `cancel()` it (that releases
 * the connection). The signal and time limit cover the whole body.
 *
 * @param connection The server.
 * @param path The file's absolute path on the server.
 * @param options Signal and time limit.
 * @returns The file's bytes as a stream.
 *
 * @example
 * ```ts
 * import { createConnection } from "./connection.ts";
 * import { downloadFileStream } from "./files.ts";
 * const connection = createConnection({ host: "http://agent.test", fetch: async () => new Response("abc") });
 * const stream = await downloadFileStream(connection, "/w/a.txt");
 * if (await new Response(stream).text() !== "abc") throw new Error();
 * ```
 */
export async function downloadFileStream(
  connection: Connection,
  path: string,
  options?: CallOptions,
): Promise<ReadableStream<Uint8Array>> {
  const { data, response } = await connection.rest.GET("/api/file/download", {
    params: { query: { path } },
    parseAs: "stream",
    ...callInit(options),
  });
  if (data === undefined || data === null) {
    // An empty file (Content-Length: 0): the client skips the body, so release it here.
    await response.body?.cancel();
    return new ReadableStream<Uint8Array>({ start: (controller) => controller.close() });
  }
  return data;
}
