/**
 * The workspace without an agent: run shell commands on the server and move files both ways.
 * No LLM is involved.
 *
 * Run: `deno run -A examples/workspace.ts` (see examples/README.md).
 *
 * @module
 */

import { NotFoundError, RemoteWorkspace } from "@remote-hands/client";
import { apiKey, check, host, workingDir } from "./_env.ts";

const workspace = new RemoteWorkspace({ host, apiKey, workingDir });
const dir = `workspace-example-${crypto.randomUUID().slice(0, 8)}`; // relative to workingDir

// Commands: exit code and output, like a shell's $(...).
const uname = await workspace.executeCommand("uname -sm && echo $((6*7))");
console.log(`executeCommand: exit ${uname.exitCode}, output ${JSON.stringify(uname.output)}`);
check(uname.exitCode === 0 && uname.stdout.trim().endsWith("42"), "the command ran");

const failing = await workspace.executeCommand("ls /no/such/path");
console.log(
  `executeCommand: exit ${failing.exitCode}, stderr ${JSON.stringify(failing.stderr.trim())}`,
);
check(failing.exitCode !== 0 && failing.stderr !== "", "a failing command reports its exit code");

// Upload text and bytes (parent directories are created), then read them back.
const text = "hello from remote-hands\nsecond line\n";
await workspace.fileUpload(`${dir}/notes.txt`, text);
const bytes = new Uint8Array([0, 1, 2, 253, 254, 255]);
await workspace.fileUpload(`${dir}/data.bin`, bytes);
console.log(
  `fileUpload: ${dir}/notes.txt (${text.length} bytes), ${dir}/data.bin (${bytes.length} bytes)`,
);

const wc = await workspace.executeCommand(`wc -l < notes.txt && sha256sum data.bin`, { cwd: dir });
console.log(`on the server: ${JSON.stringify(wc.output)}`);
check(wc.stdout.startsWith("2"), "the server sees the uploaded text file");

const back = await (await workspace.fileDownload(`${dir}/notes.txt`)).text();
const backBytes = new Uint8Array(
  await (await workspace.fileDownload(`${dir}/data.bin`)).arrayBuffer(),
);
console.log(`fileDownload: ${JSON.stringify(back)}, [${backBytes.join(", ")}]`);
check(back === text, "the text came back unchanged");
check(backBytes.join() === bytes.join(), "the bytes came back unchanged");

try {
  await workspace.fileDownload(`${dir}/missing.txt`);
  check(false, "a missing file is an error");
} catch (err) {
  check(err instanceof NotFoundError, "a missing file is a NotFoundError");
}

await workspace.executeCommand(`rm -rf ${dir}`);
console.log(`removed ${dir}`);
