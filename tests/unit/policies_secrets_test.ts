import assert from "node:assert/strict";
import { format, inspect } from "node:util";
import {
  AlwaysConfirm,
  type ConfirmationPolicyJSON,
  ConfirmRisky,
  NeverConfirm,
  policyToJSON,
  type SecurityRisk,
} from "../../src/confirmation_policy.ts";
import { LookupSecret, secretsPayload, type SecretValue, StaticSecret } from "../../src/secrets.ts";
import { runtime, test } from "../support/test.ts";

// --- confirmation policies ------------------------------------------------------------------------

test("`NeverConfirm` serializes to its kind when stringified", () => {
  const policy = new NeverConfirm();
  assert.equal(policy.kind, "NeverConfirm");
  assert.equal(JSON.stringify(policy), '{"kind":"NeverConfirm"}');
  assert.deepEqual(policy.toJSON(), { kind: "NeverConfirm" });
});

test("`AlwaysConfirm` serializes to its kind when stringified", () => {
  const policy = new AlwaysConfirm();
  assert.equal(policy.kind, "AlwaysConfirm");
  assert.equal(JSON.stringify(policy), '{"kind":"AlwaysConfirm"}');
  assert.deepEqual(policy.toJSON(), { kind: "AlwaysConfirm" });
});

test("`ConfirmRisky` defaults to HIGH and confirm_unknown true when given no options", () => {
  for (const policy of [new ConfirmRisky(), new ConfirmRisky({})]) {
    assert.equal(policy.kind, "ConfirmRisky");
    assert.equal(policy.threshold, "HIGH");
    assert.equal(policy.confirmUnknown, true);
    assert.equal(
      JSON.stringify(policy),
      '{"kind":"ConfirmRisky","threshold":"HIGH","confirm_unknown":true}',
    );
  }
});

test("`ConfirmRisky` serializes the given threshold and confirmUnknown when set", () => {
  assert.equal(
    JSON.stringify(new ConfirmRisky({ threshold: "MEDIUM", confirmUnknown: false })),
    '{"kind":"ConfirmRisky","threshold":"MEDIUM","confirm_unknown":false}',
  );
  assert.deepEqual(new ConfirmRisky({ threshold: "LOW" }).toJSON(), {
    kind: "ConfirmRisky",
    threshold: "LOW",
    confirm_unknown: true,
  });
  assert.deepEqual(new ConfirmRisky({ confirmUnknown: false }).toJSON(), {
    kind: "ConfirmRisky",
    threshold: "HIGH",
    confirm_unknown: false,
  });
});

test("`ConfirmRisky` throws a RangeError when the threshold is not LOW, MEDIUM or HIGH", () => {
  for (const threshold of ["UNKNOWN", "high", "", "CRITICAL"]) {
    assert.throws(() => new ConfirmRisky({ threshold: threshold as SecurityRisk }), {
      name: "RangeError",
      message:
        `Cannot create ConfirmRisky as 'threshold' must be LOW, MEDIUM or HIGH: current value is ${threshold}`,
    });
  }
  assert.throws(() => new ConfirmRisky({ threshold: 3 as unknown as SecurityRisk }), {
    name: "RangeError",
    message:
      "Cannot create ConfirmRisky as 'threshold' must be LOW, MEDIUM or HIGH: current value is 3",
  });
});

test("`policyToJSON()` returns the JSON form when given a class instance", () => {
  assert.deepEqual(policyToJSON(new NeverConfirm()), { kind: "NeverConfirm" });
  assert.deepEqual(policyToJSON(new AlwaysConfirm()), { kind: "AlwaysConfirm" });
  assert.deepEqual(policyToJSON(new ConfirmRisky({ threshold: "LOW", confirmUnknown: false })), {
    kind: "ConfirmRisky",
    threshold: "LOW",
    confirm_unknown: false,
  });
});

test("`policyToJSON()` returns the JSON form when given a plain object", () => {
  assert.deepEqual(policyToJSON({ kind: "NeverConfirm" }), { kind: "NeverConfirm" });
  assert.deepEqual(policyToJSON({ kind: "AlwaysConfirm" }), { kind: "AlwaysConfirm" });
  assert.deepEqual(
    policyToJSON({ kind: "ConfirmRisky", threshold: "MEDIUM", confirm_unknown: false }),
    { kind: "ConfirmRisky", threshold: "MEDIUM", confirm_unknown: false },
  );
  // Missing fields take the ConfirmRisky defaults.
  assert.deepEqual(policyToJSON({ kind: "ConfirmRisky" } as ConfirmationPolicyJSON), {
    kind: "ConfirmRisky",
    threshold: "HIGH",
    confirm_unknown: true,
  });
  // Extra fields of a plain object are dropped.
  assert.deepEqual(
    policyToJSON({ kind: "NeverConfirm", extra: 1 } as unknown as ConfirmationPolicyJSON),
    { kind: "NeverConfirm" },
  );
});

test("`policyToJSON()` throws a RangeError when a plain ConfirmRisky has a bad threshold", () => {
  assert.throws(
    () =>
      policyToJSON({
        kind: "ConfirmRisky",
        threshold: "UNKNOWN" as SecurityRisk,
        confirm_unknown: true,
      }),
    {
      name: "RangeError",
      message:
        "Cannot create ConfirmRisky as 'threshold' must be LOW, MEDIUM or HIGH: current value is UNKNOWN",
    },
  );
});

test("`policyToJSON()` throws a TypeError naming the kind when the kind is unknown", () => {
  const prefix =
    "Cannot set the confirmation policy as its kind must be NeverConfirm, AlwaysConfirm or ConfirmRisky: current value is ";
  const cases: Array<[unknown, string]> = [
    [{ kind: "SometimesConfirm" }, "SometimesConfirm"],
    [{ kind: "neverconfirm" }, "neverconfirm"],
    [{}, "undefined"],
    [null, "undefined"],
    [undefined, "undefined"],
    ["NeverConfirm", "undefined"],
  ];
  for (const [policy, shown] of cases) {
    assert.throws(() => policyToJSON(policy as ConfirmationPolicyJSON), {
      name: "TypeError",
      message: prefix + shown,
    });
  }
});

// --- secrets --------------------------------------------------------------------------------------

const VALUE = "s3cret-value-42";
const HEADER = "Bearer hdr-token-77";

/** Every way a secret object may be turned into text by accident. */
function renderings(secret: object): string[] {
  const out = [
    JSON.stringify(secret),
    JSON.stringify({ nested: { secret } }),
    String(secret),
    `${secret}`,
    inspect(secret),
    inspect(secret, { showHidden: true, depth: Infinity }),
    inspect({ nested: [secret] }),
    format("%o %O %s %j", secret, secret, secret, secret),
    JSON.stringify({ ...secret }),
    JSON.stringify(Object.entries(secret)),
  ];
  // deno-lint-ignore no-explicit-any
  const g = globalThis as any;
  if (runtime === "deno") out.push(g.Deno.inspect(secret), g.Deno.inspect({ a: secret }));
  if (runtime === "bun") out.push(g.Bun.inspect(secret), g.Bun.inspect({ a: secret }));
  return out;
}

test("`StaticSecret` hides its value when stringified, converted to a string or inspected", () => {
  const secret = new StaticSecret({ value: VALUE, description: "API token" });
  for (const text of renderings(secret)) {
    assert.ok(!text.includes(VALUE), `leaked in: ${text}`);
    assert.ok(!text.includes("s3cret"), `leaked in: ${text}`);
  }
  assert.equal(
    JSON.stringify(secret),
    '{"kind":"StaticSecret","value":"**********","description":"API token"}',
  );
  assert.equal(String(secret), "StaticSecret(**********)");
  assert.equal(inspect(secret), "StaticSecret(**********)");
  assert.equal(secret.kind, "StaticSecret");
  assert.equal(secret.description, "API token");
});

test("`StaticSecret.toJSON()` leaves out the description when none is given", () => {
  assert.equal(
    JSON.stringify(new StaticSecret({ value: VALUE })),
    '{"kind":"StaticSecret","value":"**********"}',
  );
});

test("`StaticSecret.toPayload()` holds the real value when building a request", () => {
  assert.deepEqual(new StaticSecret({ value: VALUE, description: "d" }).toPayload(), {
    kind: "StaticSecret",
    value: VALUE,
    description: "d",
  });
  assert.deepEqual(new StaticSecret({ value: "" }).toPayload(), {
    kind: "StaticSecret",
    value: "",
  });
});

test("`StaticSecret` throws a TypeError when the value is not a string", () => {
  assert.throws(() => new StaticSecret({ value: 42 as unknown as string }), {
    name: "TypeError",
    message: "Cannot create StaticSecret as 'value' must be a string",
  });
  assert.throws(() => new StaticSecret(undefined as unknown as { value: string }), TypeError);
});

test("`LookupSecret` hides its header values when stringified, converted to a string or inspected", () => {
  const secret = new LookupSecret({
    url: "https://vault.example/token",
    headers: { authorization: HEADER, "x-extra": "hdr-token-77" },
    description: "vault",
  });
  for (const text of renderings(secret)) {
    assert.ok(!text.includes("hdr-token-77"), `leaked in: ${text}`);
  }
  assert.equal(
    JSON.stringify(secret),
    '{"kind":"LookupSecret","url":"https://vault.example/token",' +
      '"headers":{"authorization":"**********","x-extra":"**********"},"description":"vault"}',
  );
  assert.equal(inspect(secret), "LookupSecret(https://vault.example/token)");
  assert.equal(secret.url, "https://vault.example/token");
});

test("`LookupSecret.toPayload()` holds the real headers when building a request", () => {
  const headers = { authorization: HEADER };
  const secret = new LookupSecret({ url: "https://vault.example/token", headers });
  // The headers were copied: changing the caller's object changes nothing.
  headers.authorization = "changed";
  const payload = secret.toPayload();
  assert.deepEqual(payload, {
    kind: "LookupSecret",
    url: "https://vault.example/token",
    headers: { authorization: HEADER },
  });
  // The payload's headers are a copy too.
  (payload.headers as Record<string, string>).authorization = "mutated";
  assert.deepEqual(secret.toPayload().headers, { authorization: HEADER });
  assert.deepEqual(new LookupSecret({ url: "https://u", description: "d" }).toPayload(), {
    kind: "LookupSecret",
    url: "https://u",
    headers: {},
    description: "d",
  });
});

test("`LookupSecret` throws a TypeError when the url is empty or not a string", () => {
  for (const url of ["", undefined, 5]) {
    assert.throws(() => new LookupSecret({ url: url as unknown as string }), {
      name: "TypeError",
      message: "Cannot create LookupSecret as 'url' must be a non-empty string",
    });
  }
});

test("`secretsPayload()` turns strings into StaticSecrets and sources into payloads", () => {
  const body = secretsPayload({
    TOKEN: "abc",
    EMPTY: "",
    STATIC: new StaticSecret({ value: VALUE, description: "d" }),
    LOOKUP: new LookupSecret({ url: "https://v", headers: { a: HEADER } }),
  });
  assert.deepEqual(body, {
    secrets: {
      TOKEN: { kind: "StaticSecret", value: "abc" },
      EMPTY: { kind: "StaticSecret", value: "" },
      STATIC: { kind: "StaticSecret", value: VALUE, description: "d" },
      LOOKUP: { kind: "LookupSecret", url: "https://v", headers: { a: HEADER } },
    },
  });
  assert.deepEqual(secretsPayload({}), { secrets: {} });
});

test("`secretsPayload()` throws a TypeError naming the key but not the value when a value is not a string", () => {
  const values: unknown[] = [
    12345,
    { value: "hunter2-plain" },
    ["hunter2-array"],
    null,
    undefined,
    true,
  ];
  for (const value of values) {
    let caught: unknown;
    try {
      secretsPayload({ MY_KEY: value as SecretValue });
    } catch (err) {
      caught = err;
    }
    assert.ok(caught instanceof TypeError, `no TypeError for ${typeof value}`);
    assert.equal(
      caught.message,
      "Cannot update secrets as 'MY_KEY' must be a string, StaticSecret or LookupSecret",
    );
    assert.ok(!caught.message.includes("hunter2"));
    assert.ok(!caught.message.includes("12345"));
  }
});

test("`secretsPayload()` throws a TypeError when a secret name is empty", () => {
  assert.throws(() => secretsPayload({ "": "value-x" }), {
    name: "TypeError",
    message: "Cannot update secrets as a secret name is empty",
  });
});

test("`secretsPayload()` throws a TypeError when the secrets are not an object", () => {
  for (const secrets of [null, undefined, "TOKEN=abc", 3]) {
    assert.throws(() => secretsPayload(secrets as unknown as Record<string, SecretValue>), {
      name: "TypeError",
      message: "Cannot update secrets as 'secrets' must be an object of name to value",
    });
  }
});
