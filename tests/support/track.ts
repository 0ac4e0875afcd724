/** A promise's observed state, for tests that drive fake time. */
export interface Tracked<T> {
  state: "pending" | "fulfilled" | "rejected";
  value?: T;
  error?: unknown;
}

/** Observes a promise without awaiting it (and marks its rejection as handled). */
export function track<T>(p: Promise<T>): Tracked<T> {
  const t: Tracked<T> = { state: "pending" };
  p.then((value) => Object.assign(t, { state: "fulfilled", value }), (error: unknown) => {
    Object.assign(t, { state: "rejected", error });
  });
  return t;
}
