/**
 * Bounded body reads: a response body read whole, but never past a byte limit.
 *
 * @module
 */

import { ResponseTooLargeError } from "../errors.ts";

/**
 * What an answer's headers say of its body: its `content-length` (undefined when absent or not
 * a number) and whether it is sent as is (no `content-encoding`, or `identity`).
 *
 * @param headers The answer's headers.
 * @returns The declared length and whether the body is plain.
 * @example
 * ```ts
 * import { declaredSize } from "./_read_bounded.ts";
 * const { declared, plain } = declaredSize(new Headers({ "content-length": "12" }));
 * if (declared !== 12 || !plain) throw new Error();
 * ```
 */
export function declaredSize(headers: Headers): { declared: number | undefined; plain: boolean } {
  const length = headers.get("content-length");
  const declared = length === null || !/^\d+$/.test(length.trim()) ? undefined : Number(length);
  const encoding = headers.get("content-encoding");
  return { declared, plain: encoding === null || encoding.trim().toLowerCase() === "identity" };
}

/**
 * Whether an answer says it is at most `limit` bytes and is not compressed: then its body can be
 * read in one native call without counting.
 *
 * @param headers The answer's headers.
 * @param limit The most bytes to read.
 * @returns Whether the declared body fits.
 * @example
 * ```ts
 * import { fitsAsDeclared } from "./_read_bounded.ts";
 * if (!fitsAsDeclared(new Headers({ "content-length": "3" }), 4)) throw new Error();
 * if (fitsAsDeclared(new Headers({ "content-length": "3", "content-encoding": "gzip" }), 4)) throw new Error();
 * ```
 */
export function fitsAsDeclared(headers: Headers, limit: number): boolean {
  const { declared, plain } = declaredSize(headers);
  return declared !== undefined && declared <= limit && plain;
}

/**
 * Reads a body, at most `limit` bytes. Content-Length is checked first; an answer that is not
 * compressed and says it fits is read in one native call, anything else chunk by chunk with a
 * count, so memory never grows past the limit. Past the limit the read stops and the body is
 * cancelled: `truncate` keeps the first `limit` bytes, otherwise it throws
 * {@linkcode ResponseTooLargeError} for `what`.
 *
 * @example
 * ```ts
 * import { readBounded } from "./_read_bounded.ts";
 * const cut = await readBounded(new Response("abcdef"), 4, "GET /x", true);
 * if (new TextDecoder().decode(cut) !== "abcd") throw new Error();
 * const refused = await readBounded(new Response("abcdef"), 4, "GET /x", false).catch((e) => e);
 * if (refused.name !== "ResponseTooLargeError") throw new Error();
 * ```
 */
export async function readBounded(
  response: Response,
  limit: number,
  what: string,
  truncate: boolean,
): Promise<Uint8Array> {
  const body = response.body;
  if (body === null) return new Uint8Array(0);
  const { declared, plain } = declaredSize(response.headers);
  if (declared !== undefined && declared > limit && !truncate) {
    await body.cancel().catch(() => {});
    throw new ResponseTooLargeError(what, limit);
  }
  if (declared !== undefined && declared <= limit && plain) {
    return new Uint8Array(await response.arrayBuffer());
  }
  const reader = body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    if (size + value.byteLength > limit) {
      await reader.cancel().catch(() => {});
      if (!truncate) throw new ResponseTooLargeError(what, limit);
      chunks.push(value.subarray(0, limit - size));
      size = limit;
      break;
    }
    chunks.push(value);
    size += value.byteLength;
  }
  if (chunks.length === 1) return chunks[0]!;
  const out = new Uint8Array(size);
  let offset = 0;
  for (const chunk of chunks) {
    out.set(chunk, offset);
    offset += chunk.byteLength;
  }
  return out;
}
