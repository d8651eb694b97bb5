// node test/rollback.mjs GEN FIXTURES
// A call whose import fails (the ledger throws, as a broken database would) is rolled back in
// the Node host: no document, no voucher, no delivery, and the number is not used up.

import assert from 'node:assert/strict';
import { Host } from '../host.mjs';

const [gen, fixtures] = process.argv.slice(2);
const host = await Host.load(gen);
host.loadFixtures(fixtures);
host.today = '2026-11-28';
const ok = async (f) => {
  const r = await host.call('fjord', f);
  assert.equal(r.err, undefined, JSON.stringify(r.err));
  return r.ok;
};
await ok((i) => i.activate());
let d = await ok((i) => i.createDraft('c-bygg'));
d = await ok((i) => i.updateDraft(d.id, d.version, { tag: 'add-lines', val: [
  { description: 'Timer', quantity: '2', unitPrice: '100', vatCode: '25' }] }));

const post = Host.prototype.imports;
Host.prototype.imports = function (state) {
  const imports = post.call(this, state);
  imports['erp:invoicing/ledger'] = { post() { throw new Error('the database went away'); } };
  return imports;
};
host.instances.clear();
const failed = await host.call('fjord', (i) => i.finalize(d.id, 'k'));
assert.equal(failed.err?.kind, 'trap', JSON.stringify(failed));
assert.equal(host.store.documents.size, 0, 'no document kept');
assert.equal(host.store.journal.length, 0, 'no voucher kept');
assert.equal(host.store.outbox.length, 0, 'no delivery kept');
assert.ok(host.store.drafts.size === 1, 'the draft is still there');

Host.prototype.imports = post;
host.instances.clear();
const inv = await ok((i) => i.finalize(d.id, 'k'));
assert.equal(inv.number, 10001n, 'the number was not used up');
console.log('rolled back, then issued', inv.number);
