/**
 * The root of the error hierarchy: {@linkcode RemoteHandsError}.
 *
 * @module
 */

/**
 * Base class of every error remote-hands throws on purpose.
 *
 * Its `name` is the class's own: each class of the library sets it on its prototype (so it
 * survives minified bundles, where class names are mangled); a subclass of your own takes its
 * class name.
 *
 * @example Catch anything from the client
 * ```ts
 * import { RemoteHandsError } from "@remote-hands/client";
 * try {
 *   throw new RemoteHandsError("Cannot do it: reason");
 * } catch (err) {
 *   if (!(err instanceof RemoteHandsError)) throw err;
 * }
 * ```
 */
export class RemoteHandsError extends Error {
  static {
    this.prototype.name = "RemoteHandsError";
  }

  /**
   * Creates the error.
   *
   * @param message What happened and what to do.
   * @param options `cause` keeps the underlying failure.
   */
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    const prototype = new.target.prototype;
    this.name = Object.hasOwn(prototype, "name") ? prototype.name : new.target.name;
  }
}
