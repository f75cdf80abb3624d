// Independent check of astrotask-mcp with the official TypeScript MCP SDK.
//
// Usage: node client.mjs <astrotask-mcp binary> <database directory>
//
// Starts the server over stdio on a fresh database in the given directory,
// lists the tools, calls every one of them (and several failing calls), and
// exits non-zero with a message on the first mismatch.
import assert from "node:assert/strict";
import path from "node:path";
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StdioClientTransport } from "@modelcontextprotocol/sdk/client/stdio.js";

const [binary, dbdir] = process.argv.slice(2);
if (!binary || !dbdir) {
  console.error("usage: node client.mjs <astrotask-mcp binary> <database directory>");
  process.exit(2);
}

const wantTools = [
  "getNextTask", "getTask", "addTasks", "listTasks", "addTaskContext", "addDependency",
  "updateStatus", "deleteTask", "claimTask", "removeDependency", "lockStatus",
  "claimNextTask", "renewClaim", "releaseClaim", "updateTask", "readText",
];

const transport = new StdioClientTransport({
  command: binary,
  args: ["--db", path.join(dbdir, "astrotask.db")],
  env: { PATH: process.env.PATH ?? "", HOME: process.env.HOME ?? "" },
  stderr: "inherit",
});
const client = new Client({ name: "astrotask-tsclient", version: "1.0.0" });

// call invokes a tool that must succeed and returns its structured content,
// checking that the text content carries the same JSON.
async function call(name, args = {}) {
  const res = await client.callTool({ name, arguments: args });
  if (res.isError) {
    throw new Error(`${name}(${JSON.stringify(args)}) failed: ${res.content?.[0]?.text}`);
  }
  assert.ok(res.structuredContent && typeof res.structuredContent === "object", `${name}: no structured content`);
  assert.equal(res.content.length, 1, `${name}: want one content block`);
  assert.equal(res.content[0].type, "text", `${name}: content is not text`);
  assert.deepEqual(JSON.parse(res.content[0].text), res.structuredContent, `${name}: text and structured content differ`);
  return res.structuredContent;
}

// fail invokes a tool that must fail with a tool error (not a protocol
// error) whose one-line reason matches want.
async function fail(name, args, want) {
  const res = await client.callTool({ name, arguments: args });
  assert.equal(res.isError, true, `${name}(${JSON.stringify(args)}): want isError, got ${JSON.stringify(res)}`);
  const text = res.content?.[0]?.text ?? "";
  assert.ok(!text.includes("\n"), `${name}: error text is not one line: ${JSON.stringify(text)}`);
  assert.match(text, want, `${name}(${JSON.stringify(args)}): error text`);
}

async function main() {
  await client.connect(transport);
  assert.equal(client.getServerVersion()?.name, "astrotask-mcp");

  const { tools } = await client.listTools();
  assert.deepEqual(tools.map((t) => t.name).sort(), [...wantTools].sort(), "tool names");
  for (const t of tools) {
    assert.equal(t.inputSchema.type, "object", `${t.name}: input schema type`);
    assert.ok(t.outputSchema, `${t.name}: no output schema`);
    assert.ok(t.description, `${t.name}: no description`);
  }
  const addTasksTool = tools.find((t) => t.name === "addTasks");
  for (const field of ["title", "parentIndex", "dependsOn", "priorityScore", "parentTaskId", "status"]) {
    assert.ok(addTasksTool.inputSchema.properties.tasks.items.properties[field], `addTasks input lacks ${field}`);
  }

  // addTasks: a parent, two children by index, a dependency by index, score 0 kept.
  const added = await call("addTasks", {
    tasks: [
      { title: "Build the parser", priorityScore: 0 },
      { title: "Tokenizer", parentIndex: 0, priorityScore: 90, details: "use a hand-written scanner" },
      { title: "Grammar", parentIndex: 0, dependsOn: [1], priority: "low" },
      { title: "Unrelated chore" },
    ],
  });
  assert.equal(added.tasks.length, 4);
  assert.equal(added.moreIds, undefined);
  assert.equal(added.tasks[0].description, undefined, "addTasks answers with summaries");
  const [parent, tokenizer, grammar, chore] = added.tasks;
  assert.equal(parent.priorityScore, 0, "priorityScore 0 must stay 0");
  assert.equal(tokenizer.parentId, parent.id);
  assert.equal(grammar.parentId, parent.id);
  assert.equal(grammar.priorityScore, 10);
  assert.equal(chore.priorityScore, 50);
  assert.match(tokenizer.id, new RegExp(`^${parent.id}-[A-Z]{4}$`));

  // getTask: the dependency, the details slice.
  const got = await call("getTask", { taskId: grammar.id });
  assert.equal(got.task.id, grammar.id);
  assert.deepEqual(got.context.dependencies.map((t) => t.id), [tokenizer.id]);
  assert.equal(got.context.isBlocked, true);
  const tok = await call("getTask", { taskId: tokenizer.id });
  assert.equal(tok.context.contextSlices.length, 1);
  assert.equal(tok.context.contextSlices[0].description, "use a hand-written scanner");

  // listTasks: default, every status, children of a parent.
  const all = await call("listTasks", {});
  assert.equal(all.tasks.length, 4);
  assert.equal(all.remaining, 0);
  assert.equal(all.nextCursor, undefined);
  const page = await call("listTasks", { limit: 3 });
  assert.deepEqual(page.tasks.map((t) => t.id), [parent.id, tokenizer.id, grammar.id]);
  assert.equal(page.remaining, 1);
  const rest = await call("listTasks", { limit: 3, cursor: page.nextCursor });
  assert.deepEqual(rest.tasks.map((t) => t.id), [chore.id]);
  assert.equal(all.tasks.find((t) => t.id === grammar.id).blocked, true, "listTasks: grammar waits for the tokenizer");
  await fail("listTasks", { cursor: "nonsense" }, /cursor/);
  await fail("listTasks", { limit: 501 }, /limit/);
  const kids = await call("listTasks", { parentId: parent.id, statuses: [] });
  assert.deepEqual(kids.tasks.map((t) => t.id), [tokenizer.id, grammar.id]);

  // addTaskContext.
  const slice = await call("addTaskContext", {
    taskId: chore.id, title: "Research", description: "nothing to see", contextType: "research",
  });
  assert.match(slice.id, /^CS-/);

  // updateTask: fields, a level, a move, and the refusals.
  const edited = await call("updateTask", { taskId: chore.id, title: "Chore, renamed", priority: "high" });
  assert.equal(edited.task.title, "Chore, renamed");
  assert.equal(edited.task.priorityScore, 80);
  const moved = await call("updateTask", { taskId: chore.id, parentTaskId: grammar.id });
  assert.equal(moved.task.parentId, grammar.id);
  await call("updateTask", { taskId: chore.id, parentTaskId: "", priorityScore: 50, description: "sweep" });
  assert.equal((await call("getTask", { taskId: chore.id })).task.description, "sweep");
  await fail("updateTask", { taskId: parent.id, parentTaskId: tokenizer.id }, /parent/);
  await fail("updateTask", { taskId: parent.id, parentTaskId: parent.id }, /parent/);
  await fail("updateTask", { taskId: chore.id, title: "" }, /title/);
  await fail("updateTask", { taskId: chore.id, priorityScore: 101 }, /priorityScore/);
  await fail("updateTask", { taskId: chore.id }, /nothing to update/);

  // getNextTask: the highest-priority ready task.
  const next = await call("getNextTask", {});
  assert.equal(next.task?.id, tokenizer.id);
  const nextFiltered = await call("getNextTask", { priorityScore: 95 });
  assert.equal(nextFiltered.task, null);

  // claimTask, twice.
  const claimed = await call("claimTask", { taskId: tokenizer.id });
  assert.equal(claimed.task.status, "in-progress");
  await fail("claimTask", { taskId: tokenizer.id }, /is claimed by .+ until \d\d:\d\d:\d\d UTC$/);
  assert.match(claimed.task.assignee, /.-[0-9a-f]{6}$/, "claimTask: the assignee is the client's name and a suffix");
  assert.ok(claimed.task.claimedAt && claimed.task.leaseExpiresAt, "claimTask: no claim time or lease");

  // renewClaim by the holder; another agent is refused.
  const renewed = await call("renewClaim", { taskId: tokenizer.id, leaseSeconds: 600 });
  assert.equal(renewed.task.assignee, claimed.task.assignee);
  await fail("renewClaim", { taskId: tokenizer.id, agent: "someone-else" }, /is claimed by/);
  await fail("updateStatus", { taskId: tokenizer.id, status: "pending", agent: "someone-else" }, /is claimed by .+ until/);
  await fail("releaseClaim", { taskId: tokenizer.id, agent: "someone-else" }, /is claimed by/);

  // claimNextTask: nothing above 95; then the chore, the only ready task
  // left above the parent's 0; releaseClaim gives it back.
  const none = await call("claimNextTask", { priorityScore: 95 });
  assert.equal(none.task, null);
  const nextClaimed = await call("claimNextTask", { leaseSeconds: 60 });
  assert.equal(nextClaimed.task?.id, chore.id);
  assert.equal(nextClaimed.task.assignee, claimed.task.assignee);
  assert.ok(nextClaimed.context, "claimNextTask: no context");
  const released = await call("releaseClaim", { taskId: chore.id });
  assert.equal(released.task.status, "pending");
  assert.equal(released.task.assignee, undefined);

  // addDependency / removeDependency and the cycle check.
  const dep = await call("addDependency", { dependentTaskId: chore.id, dependencyTaskId: grammar.id });
  assert.equal(dep.dependency.dependentTaskId, chore.id);
  await fail("addDependency", { dependentTaskId: tokenizer.id, dependencyTaskId: chore.id }, /cycle/);
  const removed = await call("removeDependency", { dependentTaskId: chore.id, dependencyTaskId: grammar.id });
  assert.equal(removed.dependentTaskId, chore.id);
  await fail("removeDependency", { dependentTaskId: chore.id, dependencyTaskId: grammar.id }, /not found/);

  // updateStatus with cascade leaves cancelled work cancelled.
  await call("updateStatus", { taskId: grammar.id, status: "cancelled" });
  const done = await call("updateStatus", { taskId: parent.id, status: "done", cascade: true });
  assert.equal(done.task.status, "done");
  const after = await call("getTask", { taskId: grammar.id });
  assert.equal(after.task.status, "cancelled", "cascade turned cancelled work into done");

  // lockStatus: the server holds no lock while idle.
  const lock = await call("lockStatus", {});
  assert.equal(typeof lock, "object");

  // deleteTask: refused without cascade while children exist, then cascaded.
  await fail("deleteTask", { taskId: parent.id }, /.+/);
  const del = await call("deleteTask", { taskId: parent.id, cascade: true });
  assert.equal(del.deleted, 3);

  // Failures are tool results, one line each.
  await fail("getTask", { taskId: "ZZZZ" }, /not found/);
  await fail("updateStatus", { taskId: chore.id, status: "finished" }, /status/);
  await fail("addTasks", { tasks: [] }, /tasks/);
  await fail("addTasks", { tasks: [{ title: "a", parentIndex: 3 }] }, /parentIndex/);
  await fail("addTasks", { tasks: [{ title: "" }] }, /title/);

  const left = await call("listTasks", { statuses: [] });
  assert.deepEqual(left.tasks.map((t) => t.id), [chore.id]);
  console.log(`ok: ${tools.length} tools listed and called`);
}

try {
  await main();
  await client.close();
} catch (err) {
  console.error(`tsclient: ${err.stack ?? err}`);
  await client.close().catch(() => {});
  process.exit(1);
}
