// node run.mjs SCENARIO --gen DIR [--fixtures DIR] [--dump DIR]
// Runs a scenario (fixtures/README.md) through the Node host and prints its JSON report, like
// `host-harness run`. `--gen` is where jco transpiled the component (`--instantiation async`);
// `--dump` writes each issued document's EHF and PDF there, as NUMBER.xml and NUMBER.pdf.

import { readFileSync, writeFileSync, mkdirSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Host } from './host.mjs';
import { run } from './scenario.mjs';

const args = process.argv.slice(2);
const flag = (name) => {
  const i = args.indexOf(name);
  return i < 0 ? undefined : args.splice(i, 2)[1];
};
const gen = resolve(flag('--gen') ?? join(dirname(fileURLToPath(import.meta.url)), 'gen'));
const fixtures = flag('--fixtures');
const dump = flag('--dump');
const file = args[0];
const sc = JSON.parse(readFileSync(file, 'utf8'));
const host = await Host.load(gen);
const repoFixtures = join(dirname(fileURLToPath(import.meta.url)), '..', 'fixtures');
host.loadFixtures(fixtures ?? (sc.fixtures ? join(dirname(file), sc.fixtures) : repoFixtures));
const report = await run(host, sc);
if (dump) {
  mkdirSync(dump, { recursive: true });
  for (const d of host.store.documents.values()) {
    if (d.ehf !== undefined) writeFileSync(join(dump, `${d.client}-${d.number}.xml`), d.ehf);
    if (d.pdf !== undefined) writeFileSync(join(dump, `${d.client}-${d.number}.pdf`), d.pdf);
  }
}
// u64 values are BigInt in JavaScript: JSON numbers, as the Rust host writes them.
console.log(JSON.stringify(report, (_, v) => (typeof v === 'bigint' ? Number(v) : v), 2));
if (report.mismatches > 0) process.exitCode = 1;
