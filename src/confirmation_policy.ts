/**
 * Confirmation policies: when the agent must wait for the user before running an action.
 *
 * @module
 */

/**
 * Risk levels an action can carry. `UNKNOWN` is not a valid threshold.
 *
 * @example
 * ```ts
 * import { ConfirmRisky, type SecurityRisk } from "@remote-hands/client";
 * const threshold: SecurityRisk = "MEDIUM";
 * if (new ConfirmRisky({ threshold }).threshold !== "MEDIUM") throw new Error();
 * ```
 */
export type SecurityRisk = "LOW" | "MEDIUM" | "HIGH";

/**
 * The JSON form the server takes (`{ kind, ... }`).
 *
 * @example
 * ```ts
 * import { ConfirmRisky, type ConfirmationPolicyJSON } from "@remote-hands/client";
 * const json: ConfirmationPolicyJSON = new ConfirmRisky().toJSON();
 * // { kind: "ConfirmRisky", threshold: "HIGH", confirm_unknown: true }
 * if (json.kind !== "ConfirmRisky" || json.threshold !== "HIGH") throw new Error();
 * ```
 */
export type ConfirmationPolicyJSON =
  | { kind: "NeverConfirm" }
  | { kind: "AlwaysConfirm" }
  | { kind: "ConfirmRisky"; threshold: SecurityRisk; confirm_unknown: boolean };

/**
 * Any confirmation policy.
 *
 * @example
 * ```ts
 * import { AlwaysConfirm, type ConfirmationPolicy, NeverConfirm } from "@remote-hands/client";
 * const policies: ConfirmationPolicy[] = [new NeverConfirm(), new AlwaysConfirm()];
 * if (policies.map((p) => p.kind).join() !== "NeverConfirm,AlwaysConfirm") throw new Error();
 * ```
 */
export type ConfirmationPolicy = NeverConfirm | AlwaysConfirm | ConfirmRisky;

/**
 * Never ask: every action runs at once (the server's default).
 *
 * @example
 * ```ts
 * import { NeverConfirm } from "@remote-hands/client";
 * if (JSON.stringify(new NeverConfirm()) !== '{"kind":"NeverConfirm"}') throw new Error();
 * ```
 */
export class NeverConfirm {
  /** The policy's kind on the wire. */
  readonly kind = "NeverConfirm" as const;
  /** The JSON form the server takes. */
  toJSON(): ConfirmationPolicyJSON {
    return { kind: this.kind };
  }
}

/**
 * Ask for every action (except `finish` and `think`): `run()` ends in `waiting_for_confirmation`.
 *
 * @example
 * ```ts
 * import { AlwaysConfirm } from "@remote-hands/client";
 * if (new AlwaysConfirm().kind !== "AlwaysConfirm") throw new Error();
 * ```
 */
export class AlwaysConfirm {
  /** The policy's kind on the wire. */
  readonly kind = "AlwaysConfirm" as const;
  /** The JSON form the server takes. */
  toJSON(): ConfirmationPolicyJSON {
    return { kind: this.kind };
  }
}

/**
 * Options of {@linkcode ConfirmRisky}.
 *
 * @example Ask for medium and high risk only, not for unknown risk
 * ```ts
 * import { ConfirmRisky, type ConfirmRiskyOptions } from "@remote-hands/client";
 * const options: ConfirmRiskyOptions = { threshold: "MEDIUM", confirmUnknown: false };
 * if (new ConfirmRisky(options).confirmUnknown !== false) throw new Error();
 * ```
 */
export interface ConfirmRiskyOptions {
  /**
   * Ask for actions at or above this risk.
   * @default {"HIGH"}
   */
  threshold?: SecurityRisk;
  /**
   * Also ask when the risk is unknown (always the case without a security analyzer).
   * @default {true}
   */
  confirmUnknown?: boolean;
}

const RISKS: readonly string[] = ["LOW", "MEDIUM", "HIGH"];

/**
 * Ask for risky actions only.
 *
 * @example
 * ```ts
 * import { ConfirmRisky } from "@remote-hands/client";
 * const p = new ConfirmRisky({ threshold: "MEDIUM" });
 * if (p.toJSON().kind !== "ConfirmRisky") throw new Error();
 * ```
 */
export class ConfirmRisky {
  /** The policy's kind on the wire. */
  readonly kind = "ConfirmRisky" as const;
  /** Ask at or above this risk. */
  readonly threshold: SecurityRisk;
  /** Ask when the risk is unknown. */
  readonly confirmUnknown: boolean;
  /** Creates the policy; throws a RangeError for an unknown threshold. */
  constructor(options: ConfirmRiskyOptions = {}) {
    const threshold = options.threshold ?? "HIGH";
    if (!RISKS.includes(threshold)) {
      throw new RangeError(
        `Cannot create ConfirmRisky as 'threshold' must be LOW, MEDIUM or HIGH: current value is ${
          String(threshold)
        }`,
      );
    }
    this.threshold = threshold;
    this.confirmUnknown = options.confirmUnknown ?? true;
  }
  /** The JSON form the server takes. */
  toJSON(): ConfirmationPolicyJSON {
    return { kind: this.kind, threshold: this.threshold, confirm_unknown: this.confirmUnknown };
  }
}

/**
 * Checks a policy (class instance or plain `{ kind }` object) and returns its JSON form.
 * Throws a TypeError before any request for an unknown kind.
 *
 * @example
 * ```ts
 * import { policyToJSON } from "./confirmation_policy.ts";
 * if (policyToJSON({ kind: "AlwaysConfirm" }).kind !== "AlwaysConfirm") throw new Error();
 * ```
 */
export function policyToJSON(
  policy: ConfirmationPolicy | ConfirmationPolicyJSON,
): ConfirmationPolicyJSON {
  const kind = (policy as { kind?: unknown } | null)?.kind;
  if (kind === "NeverConfirm" || kind === "AlwaysConfirm") return { kind };
  if (kind === "ConfirmRisky") {
    if (policy instanceof ConfirmRisky) return policy.toJSON();
    const p = policy as { threshold?: SecurityRisk; confirm_unknown?: boolean };
    const options: ConfirmRiskyOptions = {};
    if (p.threshold !== undefined) options.threshold = p.threshold;
    if (p.confirm_unknown !== undefined) options.confirmUnknown = p.confirm_unknown;
    return new ConfirmRisky(options).toJSON();
  }
  throw new TypeError(
    `Cannot set the confirmation policy as its kind must be NeverConfirm, AlwaysConfirm or ConfirmRisky: current value is ${
      String(kind)
    }`,
  );
}
