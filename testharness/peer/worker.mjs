// worker.mjs drives DatabaseLock from the reference TypeScript
// implementation (@astrotask/core 0.4.0) in the roles lockbench gives its
// own children, with the same environment, stdout lines and event log, so
// one sweep and one report cover both implementations.
//
//   ASTROTASK_HARNESS_ROLE  contend | holder | waiter | cycle
//   ASTROTASK_HARNESS_ARGS  JSON: db, log, count, hold (ns), barrier (print
//                           "ready", wait for "go"),
//                           maxRetries, retryDelay (ns), staleTimeout (ns), processType
//
// Times are process.hrtime.bigint(), which is CLOCK_MONOTONIC on Linux:
// comparable with the Go processes' readings.
import { openSync, writeSync, closeSync } from 'node:fs';
import { createInterface } from 'node:readline';
import { DatabaseLock } from '@astrotask/core/advanced';

const role = process.env.ASTROTASK_HARNESS_ROLE;
const args = JSON.parse(process.env.ASTROTASK_HARNESS_ARGS || '{}');
const mono = () => process.hrtime.bigint();
const ms = (ns) => (ns ? Number(ns) / 1e6 : undefined);
const say = (line) => process.stdout.write(line + '\n');

// Options as the reference takes them (milliseconds); unset means its defaults.
const options = {};
if (args.maxRetries) options.maxRetries = args.maxRetries;
if (args.retryDelay) options.retryDelay = ms(args.retryDelay);
if (args.staleTimeout) options.staleTimeout = ms(args.staleTimeout);
options.processType = args.processType || 'lockbench';

// Commands from the parent, one per line on stdin.
const lines = [];
let waiting = null;
let eof = false;
const rl = createInterface({ input: process.stdin });
rl.on('line', (l) => { lines.push(l); if (waiting) { const w = waiting; waiting = null; w(); } });
rl.on('close', () => { eof = true; if (waiting) { const w = waiting; waiting = null; w(); } });
async function awaitCommand(cmd) {
  for (;;) {
    while (lines.length) if (lines.shift() === cmd) return true;
    if (eof) return false;
    await new Promise((r) => { waiting = r; });
  }
}

const log = args.log ? openSync(args.log, 'w') : null;
const event = (s) => { if (log !== null) writeSync(log, s + '\n'); };
const sleep = (ns) => new Promise((r) => setTimeout(r, ms(ns)));

// barrier, with args.barrier, prints "ready" and waits for "go", so the
// parent can start processes first and set them going together.
async function barrier() {
  if (!args.barrier) return;
  say('ready');
  if (!(await awaitCommand('go'))) throw new Error('stdin closed before go');
}

async function contend() {
  const lock = new DatabaseLock(args.db, options);
  await barrier();
  let done = 0;
  for (let i = 0; i < (args.count || 0); i++) {
    const t0 = mono();
    try {
      await lock.acquire();
    } catch (e) {
      event(`F ${mono() - t0}`);
      continue;
    }
    const t1 = mono();
    event(`E ${t1} x ${t1 - t0}`);
    if (args.hold) await sleep(args.hold);
    event(`L ${mono()}`);
    await lock.release();
    done++;
  }
  say(`done ${done}`);
}

async function holder() {
  const lock = new DatabaseLock(args.db, options);
  await barrier();
  await lock.acquire();
  event(`E ${mono()} x 0`);
  say(`holding ${process.pid}`);
  await awaitCommand('release');
  event(`L ${mono()}`);
  await lock.release();
  say('released');
}

// waiter retries until it gets the lock: the reference gives up after
// maxRetries x retryDelay, while a dead holder's file stays until it is
// staleTimeout old.
async function waiter() {
  const lock = new DatabaseLock(args.db, options);
  await barrier();
  say('waiting');
  const t0 = mono();
  let attempts = 0;
  for (;;) {
    attempts++;
    try {
      await lock.acquire();
      break;
    } catch (e) {
      if (!(e && e.name === 'DatabaseLockError')) throw e;
    }
  }
  const t1 = mono();
  event(`E ${t1} x ${t1 - t0}`);
  say('result ' + JSON.stringify({ ok: true, acquiredAt: Number(t1), waitNs: Number(t1 - t0), attempts }));
  event(`L ${mono()}`);
  await lock.release();
  say('released');
}

// cycle times count uncontended acquire+release pairs.
async function cycle() {
  const lock = new DatabaseLock(args.db, options);
  const n = args.count || 1000;
  for (let i = 0; i < Math.min(n, 50); i++) { await lock.acquire(); await lock.release(); }
  const t0 = mono();
  for (let i = 0; i < n; i++) { await lock.acquire(); await lock.release(); }
  say(`cycle ${Number(mono() - t0) / n}`);
}

const roles = { contend, holder, waiter, cycle };
try {
  if (!roles[role]) throw new Error(`unknown role ${JSON.stringify(role)}`);
  await roles[role]();
  if (log !== null) closeSync(log);
  process.exit(0);
} catch (e) {
  process.stderr.write(`peer worker ${role} (pid ${process.pid}): ${e && e.stack ? e.stack : e}\n`);
  process.exit(3);
}
