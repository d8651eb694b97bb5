// node bench.mjs GEN FIXTURES [N]: time per finalize of a five-line invoice in the Node host.
import { Host } from './host.mjs';

const [gen, fixtures, n = '50'] = process.argv.slice(2);
const host = await Host.load(gen);
host.loadFixtures(fixtures);
host.today = '2026-11-28';
await host.call('fjord', (i) => i.activate());
const line = { description: 'Timer', quantity: '2', unitPrice: '1250', vatCode: 'standard' };
const times = [];
for (let k = 0; k < Number(n); k++) {
  let d = (await host.call('fjord', (i) => i.createDraft('c-bygg'))).ok;
  d = (await host.call('fjord', (i) => i.updateDraft(d.id, d.version, { tag: 'add-lines', val: Array(5).fill(line) }))).ok;
  const t = process.hrtime.bigint();
  const r = await host.call('fjord', (i) => i.finalize(d.id, `k${k}`));
  times.push(Number(process.hrtime.bigint() - t) / 1e6);
  if (r.err) throw new Error(r.err.message);
}
times.sort((a, b) => a - b);
console.log(JSON.stringify({ finalizes: times.length, median_ms: times[times.length >> 1], p10_ms: times[Math.floor(times.length * 0.1)], p90_ms: times[Math.floor(times.length * 0.9)] }));
