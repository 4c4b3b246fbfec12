#!/usr/bin/env node
// Writes the figures of one `scripts/perf.sh` run into docs/PERFORMANCE.md, between the lines
// `<!-- perf:begin -->` and `<!-- perf:end -->`:
//
//   node scripts/perf-report.mjs <results dir> docs/PERFORMANCE.md
//
// The results directory holds the benchmark CLI's JSON (`<pallet>.json`, `challenge_block_at_scale*.json`), the
// runtime's table of worst cases (`calls.md`), the throughput run (`throughput.json`) and a
// few facts about the run (`run.json`, `machine.txt`, `node-version.txt`).
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

const [dir, doc] = process.argv.slice(2);
if (!dir || !doc) {
  console.error('usage: perf-report.mjs <results dir> <docs/PERFORMANCE.md>');
  process.exit(2);
}
const read = (name) => readFileSync(join(dir, name), 'utf8');
const json = (name) => JSON.parse(read(name));
const has = (name) => existsSync(join(dir, name));

const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
};
const ms = (ns) => (ns / 1e6).toFixed(2);
const us = (ns) => (ns / 1e3).toFixed(1);

/** The runs of one benchmark grouped by component values: [{ components, times, db }]. */
function points (file, benchmark) {
  const result = json(file).find((b) => b.benchmark === benchmark);
  if (!result) throw new Error(`${benchmark} is not in ${file}`);
  const key = (r) => r.components.map(([, v]) => v).join(',');
  const byKey = new Map();
  for (const r of result.time_results) {
    const p = byKey.get(key(r)) || { components: Object.fromEntries(r.components), times: [] };
    p.times.push(r.extrinsic_time);
    byKey.set(key(r), p);
  }
  for (const r of result.db_results) {
    const p = byKey.get(key(r));
    if (p) Object.assign(p, { reads: r.reads, writes: r.writes, proof: r.proof_size });
  }
  return [...byKey.values()];
}

/** Points of `benchmark` where component `name` varies (every other at its highest). */
function along (file, benchmark, name) {
  const all = points(file, benchmark);
  const names = Object.keys(all[0].components).filter((n) => n !== name);
  const top = Object.fromEntries(names.map((n) => [n, Math.max(...all.map((p) => p.components[n]))]));
  const seen = new Set();
  return all
    .filter((p) => names.every((n) => p.components[n] === top[n]))
    .sort((a, b) => a.components[name] - b.components[name])
    .filter((p) => !seen.has(p.components[name]) && seen.add(p.components[name]));
}

const out = [];
const line = (s = '') => out.push(s);

const run = has('run.json') ? json('run.json') : {};
line(`Measured on ${run.date || 'an unrecorded date'}${has('machine.txt') ? ` on ${read('machine.txt').trim().replace(/\s*\n\s*/g, '; ').replace(/\s+/g, ' ')}` : ''}` +
  `${has('node-version.txt') ? `, ${read('node-version.txt').trim()}` : ''}; benchmarks with ` +
  `\`--steps ${run.steps} --repeat ${run.repeat}\` (the Benchmarks pallet with half of each), ` +
  'Wasm compiled execution. Reproduce with `./scripts/perf.sh`.');
line();
if (has('times.txt')) {
  line('When each benchmark ran:');
  line();
  for (const entry of read('times.txt').trim().split('\n')) {
    const [name, ...when] = entry.split(' ');
    line(`- \`${name}\`: ${when.join(' ')}`);
  }
  line();
}

line('### Each call at its worst case, beside a transfer');
line();
line('The weight the runtime charges (the weights this run wrote, `runtime/tests/performance.rs`); ' +
  '"per block" counts how many such calls fit in the normal share of one block.');
line();
line(read('calls.md').trim());
line();

const transfer = points('pallet_balances.json', 'transfer_keep_alive')[0];
line(`Measured execution time of \`transfer_keep_alive\` alone in this run: ${us(median(transfer.times))} µs (median of ${transfer.times.length}).`);
line();

line('### One block\'s challenges at 10 … 1,000,000 checked positions');
line();
const scaleTable = (benchmark, label) => {
  const rows = points(`${benchmark}.json`, benchmark)
    .map((p) => ({ ...p, n: label(p.components) }))
    .sort((a, b) => a.n - b.n);
  line('| checked positions | median (ms) | min – max (ms) | reads | writes | proof size (bytes) |');
  line('|---:|---:|---:|---:|---:|---:|');
  for (const p of rows) {
    line(`| ${p.n.toLocaleString('en')} | ${ms(median(p.times))} | ${ms(Math.min(...p.times))} – ${ms(Math.max(...p.times))} | ${p.reads} | ${p.writes} | ${p.proof} |`);
  }
  const meds = rows.map((p) => median(p.times));
  const spread = (Math.max(...meds) / Math.min(...meds) - 1) * 100;
  line();
  line(`Spread of the medians: ${spread.toFixed(1)} % (largest over smallest, minus one).`);
  line();
  return spread;
};
line('`challenge_block_at_scale`: the positions alone, so the state grows with them.');
line();
scaleTable('challenge_block_at_scale', (c) => 10 ** c.e);
line('`challenge_block_at_scale_same_state`: the same positions in a state of the same size ' +
  '(filler entries make up the difference to a million).');
line();
scaleTable('challenge_block_at_scale_same_state', (c) => [10, 10_000, 1_000_000][c.k]);

line('### Proof verification against proof size and feed length');
line();
line('`verify_block(s, d)`: the Hypercore verifier alone, a block of `s` bytes from a feed of ' +
  '2^`d` blocks (a proof of `d` nodes).');
line();
line('| block size s (bytes), d at its highest | time (µs) |');
line('|---:|---:|');
for (const p of along('pallet_datdot_proofs.json', 'verify_block', 's')) {
  line(`| ${p.components.s} | ${us(median(p.times))} |`);
}
line();
line('| feed length 2^d blocks, s at its highest | time (µs) |');
line('|---:|---:|');
for (const p of along('pallet_datdot_proofs.json', 'verify_block', 'd')) {
  line(`| 2^${p.components.d} | ${us(median(p.times))} |`);
}
line();
line('`proof_of_storage_response(c, s, d)`: a whole answer of `c` chunks of `s` bytes from a ' +
  'feed of 2^`d` blocks, with its challenge looked up and counted.');
line();
for (const [name, label] of [['c', 'chunks c'], ['s', 'chunk size s (bytes)'], ['d', 'feed length 2^d']]) {
  line(`| ${label}, the others at their highest | time (µs) | proof size (bytes) |`);
  line('|---:|---:|---:|');
  for (const p of along('pallet_datdot_proofs.json', 'proof_of_storage_response', name)) {
    const v = name === 'd' ? `2^${p.components.d}` : p.components[name];
    line(`| ${v} | ${us(median(p.times))} | ${p.proof} |`);
  }
  line();
}

if (has('throughput.json')) {
  const t = json('throughput.json');
  const pct = (x) => `${(100 * x).toFixed(1)} %`;
  line('### Throughput on `datdot-node --dev`');
  line();
  line(`Both loads at once on one node (BABE, 6 s blocks): ${t.settings.SENDERS} senders of ` +
    `\`transferKeepAlive\`, ${t.settings.IN_FLIGHT} in flight each, and the nine provider daemons ` +
    `answering the challenges of ${t.positions} checked positions (${t.contracts} plans of ` +
    `${t.settings.FEED_BLOCKS} blocks of ${t.settings.BLOCK_BYTES} bytes), sponsors asking for ` +
    `proofs as often as allowed; counted from ${t.blocks} blocks (${t.seconds.toFixed(0)} s) ` +
    `themselves. \`${t.command}\``);
  line();
  line('| figure | total | per second |');
  line('|---|---:|---:|');
  line(`| transfers included | ${t.totals.transfers} | ${t.perSecond.transfers} |`);
  line(`| storage-proof answers included (\`ProofAccepted\`) | ${t.totals.answers} | ${t.perSecond.answers} |`);
  line(`| \`proofOfStorageResponse\` extrinsics included | ${t.totals.responses} | ${t.perSecond.responses} |`);
  line(`| challenges issued (the chain's and requested) | ${t.totals.issued} | ${t.perSecond.challengesIssued} |`);
  line(`| challenges missed | ${t.totals.missed} | ${t.perSecond.missed} |`);
  line();
  line(`Blocks were ${pct(t.fullness.weightNormalMean)} full by weight (normal class) and ` +
    `${pct(t.fullness.lengthMean)} by length on average; the pool's priority of a transfer was ` +
    `${t.priority.transfer} and of an answer ${t.priority.answer}.`);
  line();
}

const text = readFileSync(doc, 'utf8');
const begin = '<!-- perf:begin -->';
const end = '<!-- perf:end -->';
const from = text.indexOf(begin);
const to = text.indexOf(end);
if (from < 0 || to < from) throw new Error(`${doc} has no ${begin} … ${end} section`);
writeFileSync(doc, `${text.slice(0, from + begin.length)}\n${out.join('\n')}\n${text.slice(to)}`);
console.log(`wrote the figures of ${dir} into ${doc}`);
