// Measures what astrotask-mcp's answers cost an agent, with the official
// TypeScript MCP SDK as the client and a Claude tokenizer
// (@anthropic-ai/tokenizer).
//
// Usage: node budget.mjs <astrotask-mcp binary> <database directory>
//
// On a database of 1,000 pending tasks with 300-character descriptions, a
// task with 40 context slices of 2,000 characters, a task with 200
// subtasks and tasks whose texts are random characters (the worst case for
// a tokenizer), it checks that the tool list is within 4,000 tokens, that
// no answer with default arguments is over 10,000, that paging through the
// 1,000 tasks while tasks are added returns each exactly once, and that
// readText reads a cut text whole. It prints the figures and exits
// non-zero on the first failure.
import assert from "node:assert/strict";
import path from "node:path";
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StdioClientTransport } from "@modelcontextprotocol/sdk/client/stdio.js";
import { countTokens } from "@anthropic-ai/tokenizer";

const [binary, dbdir] = process.argv.slice(2);
if (!binary || !dbdir) {
  console.error("usage: node budget.mjs <astrotask-mcp binary> <database directory>");
  process.exit(2);
}

const toolListBudget = 4000;
const answerBudget = 10000;

const client = new Client({ name: "astrotask-budget", version: "1.0.0" });
const transport = new StdioClientTransport({
  command: binary,
  args: ["--db", path.join(dbdir, "astrotask.db")],
  env: { PATH: process.env.PATH ?? "", HOME: process.env.HOME ?? "" },
  stderr: "inherit",
});

// A deterministic generator, so that a failure can be reproduced.
let seed = 42;
function random() {
  seed = (seed * 1103515245 + 12345) % 2147483648;
  return seed / 2147483648;
}
function words(n) {
  const vocab = ["parser", "token", "grammar", "the", "build", "cache", "retry", "a", "lock", "when", "error", "fix",
    "migrate", "schema", "test", "and", "of", "index", "query", "slow", "agent", "worktree", "claim", "lease"];
  let s = "";
  while (s.length < n) s += vocab[Math.floor(random() * vocab.length)] + " ";
  return s.slice(0, n);
}
function noise(n) {
  const alphabet = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789!#$%&*+-/:;=?@^_|~()[]{}";
  let s = "";
  for (let i = 0; i < n; i++) s += alphabet[Math.floor(random() * alphabet.length)];
  return s;
}
function cjk(n) {
  let s = "";
  for (let i = 0; i < n; i++) s += String.fromCodePoint(0x4e00 + Math.floor(random() * 0x5000));
  return s;
}

const figures = [];

// answer calls a tool that must succeed, checks that its text is the JSON
// of its structured content, measures the text and returns the content.
async function answer(name, args = {}, label = name) {
  const res = await client.callTool({ name, arguments: args });
  if (res.isError) throw new Error(`${name}(${JSON.stringify(args).slice(0, 200)}) failed: ${res.content?.[0]?.text}`);
  assert.equal(res.content.length, 1, `${name}: want one content block`);
  const text = res.content[0].text;
  assert.deepEqual(JSON.parse(text), res.structuredContent, `${name}: text and structured content differ`);
  const tokens = countTokens(text);
  figures.push([label, tokens]);
  assert.ok(tokens <= answerBudget, `${label}: ${tokens} tokens, over the ${answerBudget}-token budget`);
  return res.structuredContent;
}

async function main() {
  await client.connect(transport);

  const { tools } = await client.listTools();
  const listTokens = countTokens(JSON.stringify(tools));
  figures.push([`tool list (${tools.length} tools)`, listTokens]);
  assert.ok(listTokens <= toolListBudget, `tool list: ${listTokens} tokens, over ${toolListBudget}`);

  // 1,000 pending tasks with 300-character descriptions, 50 per batch.
  const ids = [];
  for (let b = 0; b < 20; b++) {
    const tasks = [];
    for (let i = 0; i < 50; i++) {
      tasks.push({ title: `Task ${b * 50 + i}: ${words(40)}`, description: words(300) });
    }
    const out = await answer("addTasks", { tasks }, "addTasks (50 tasks)");
    ids.push(...out.tasks.map((t) => t.id), ...(out.moreIds ?? []));
  }
  assert.equal(ids.length, 1000);

  // The largest batch there is: 50 tasks with the longest titles and
  // descriptions, in random characters.
  const worst = await answer("addTasks", {
    tasks: Array.from({ length: 50 }, () => ({ title: noise(200), description: noise(2000) })),
  }, "addTasks (50 tasks, 200 random characters each)");
  const worstIds = [...worst.tasks.map((t) => t.id), ...(worst.moreIds ?? [])];
  assert.equal(worstIds.length, 50, "addTasks: every created task is named");

  // Default listing: one page of summaries, never a description.
  const first = await answer("listTasks", {}, "listTasks (default, 1,050 tasks)");
  assert.equal(first.tasks.length, 50);
  assert.ok(first.tasks.every((t) => t.description === undefined), "listTasks shows no descriptions");
  for (const field of ["id", "title", "status", "priorityScore", "parentId"]) {
    assert.ok(field in first.tasks[0], `a summary lacks ${field}`);
  }
  assert.equal(first.remaining, 1000);
  await answer("listTasks", { limit: 500 }, "listTasks (limit 500)");

  // Paging through every task while another server adds tasks: each task
  // that existed at the start exactly once.
  const other = new Client({ name: "astrotask-budget-adder", version: "1.0.0" });
  await other.connect(new StdioClientTransport({
    command: binary,
    args: ["--db", path.join(dbdir, "astrotask.db")],
    env: { PATH: process.env.PATH ?? "", HOME: process.env.HOME ?? "" },
    stderr: "inherit",
  }));
  const seen = new Map();
  let cursor;
  let pages = 0;
  let added = 0;
  do {
    const page = await answer("listTasks", cursor ? { cursor } : {}, "listTasks (a later page)");
    pages++;
    for (const t of page.tasks) seen.set(t.id, (seen.get(t.id) ?? 0) + 1);
    cursor = page.nextCursor;
    const res = await other.callTool({ name: "addTasks", arguments: { tasks: [{ title: `added while paging ${added}` }] } });
    assert.ok(!res.isError, "the other server's addTasks failed");
    added++;
  } while (cursor);
  await other.close();
  for (const id of [...ids, ...worstIds]) {
    assert.equal(seen.get(id), 1, `task ${id} listed ${seen.get(id) ?? 0} times while paging`);
  }
  for (const [id, n] of seen) assert.equal(n, 1, `task ${id} listed ${n} times`);
  figures.push([`paging: ${pages} pages, ${seen.size} tasks, ${added} added meanwhile`, 0]);

  // A task with 40 context slices of 2,000 characters.
  const rich = ids[0];
  const findings = [];
  for (let i = 0; i < 40; i++) {
    findings.push(`finding ${i}: ` + words(2000 - `finding ${i}: `.length));
    await answer("addTaskContext", { taskId: rich, title: `Finding ${i}`, description: findings[i] },
      "addTaskContext (2,000 characters)");
  }
  const got = await answer("getTask", { taskId: rich }, "getTask (40 slices of 2,000 characters)");
  assert.equal(got.context.contextSlices[0].title, "Finding 39", "getTask: the newest context first");
  assert.ok(got.context.omitted?.includes("contextSkip"), `getTask: no note on the slices left out: ${got.context.omitted}`);
  const cut = got.context.contextSlices[0].description;
  const marker = cut.match(/readText with taskId "([^"]+)", part "([^"]+)", offset (\d+) reads on\]$/);
  assert.ok(marker, `a cut slice has no readText marker: ${cut.slice(-200)}`);
  let whole = cut.slice(0, cut.lastIndexOf("… [cut at character"));
  let offset = Number(marker[3]);
  for (;;) {
    const page = await answer("readText", { taskId: marker[1], part: marker[2], offset }, "readText");
    whole += page.text;
    if (page.nextOffset === undefined) break;
    offset = page.nextOffset;
  }
  assert.equal(whole, findings[39], "readText did not give back the slice whole");
  const older = await answer("getTask", { taskId: rich, contextSkip: got.context.contextSlices.length }, "getTask (older slices)");
  assert.equal(older.context.contextSlices[0].title, `Finding ${39 - got.context.contextSlices.length}`);

  // Context in random characters and in CJK.
  for (let i = 0; i < 10; i++) {
    await answer("addTaskContext", { taskId: worstIds[0], title: noise(200), description: noise(20000) }, "addTaskContext (20,000 random characters)");
    await answer("addTaskContext", { taskId: worstIds[1], title: cjk(200), description: cjk(20000) }, "addTaskContext (20,000 CJK characters)");
  }
  await answer("getTask", { taskId: worstIds[0] }, "getTask (random characters)");
  await answer("getTask", { taskId: worstIds[1] }, "getTask (CJK)");
  await answer("readText", { taskId: worstIds[0], part: "description" }, "readText (random characters)");

  // getNextTask and claimNextTask hand out the rich task (the oldest of the
  // highest priority) with its context.
  await answer("updateTask", { taskId: rich, priority: "high" });
  const next = await answer("getNextTask", {}, "getNextTask (40 slices)");
  assert.equal(next.task.id, rich);
  const claimed = await answer("claimNextTask", {}, "claimNextTask (40 slices)");
  assert.equal(claimed.task.id, rich);

  // A task with 200 subtasks, and a cascade over them.
  const epic = (await answer("addTasks", { tasks: [{ title: "Epic with many subtasks" }] })).tasks[0].id;
  for (let b = 0; b < 4; b++) {
    await answer("addTasks", { tasks: Array.from({ length: 50 }, (_, i) => ({ title: `Part ${b * 50 + i} ${noise(150)}`, parentTaskId: epic })) });
  }
  const epicView = await answer("getTask", { taskId: epic }, "getTask (200 subtasks)");
  assert.ok(epicView.context.subtasks.length <= 20 && epicView.context.omitted?.includes("listTasks"),
    "getTask: subtasks are capped with a note");
  const cascade = await answer("updateStatus", { taskId: epic, status: "done", cascade: true }, "updateStatus (cascade over 200)");
  assert.equal(cascade.alsoUpdatedCount, 200);
  await answer("lockStatus");

  const width = Math.max(...figures.map(([l]) => l.length));
  const worstOf = new Map();
  for (const [label, tokens] of figures) worstOf.set(label, Math.max(worstOf.get(label) ?? 0, tokens));
  for (const [label, tokens] of worstOf) console.log(`${label.padEnd(width)}  ${tokens ? tokens + " tokens" : ""}`);
  console.log("ok: every answer within budget");
}

try {
  await main();
  await client.close();
} catch (err) {
  console.error(`budget: ${err.stack ?? err}`);
  await client.close().catch(() => {});
  process.exit(1);
}
