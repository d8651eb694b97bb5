// The scenario runner of host-harness (`run`), for the Node host: the same files, the same
// steps and expectations, and a report of the same shape (fixtures/README.md).

import { writeFileSync } from 'node:fs';
import { VAT_CATEGORIES, VAT_WORDS, VAT_CODES } from './host.mjs';

const pascal = (s) => s.replace(/(^|-)([a-z])/g, (_, __, c) => c.toUpperCase());

function lineInput(l) {
  return {
    productId: l.product ?? undefined,
    description: l.description ?? undefined,
    quantity: l.quantity,
    unit: l.unit ?? undefined,
    unitPrice: l['unit-price'] ?? undefined,
    discountPercent: l['discount-percent'] ?? undefined,
    // A word that is none of the contract's goes as none, which the component names as
    // missing (the Rust runner names it unknown; no fixture has one).
    vatCode: l['vat-code'] == null ? undefined : VAT_CODES[l['vat-code'].trim()],
  };
}

const opt = (v) => (v === null ? undefined : v);

/** Run every step of `sc` on `host`; a step whose outcome differs is recorded, not fatal. */
export async function run(host, sc) {
  if (sc.today) host.today = sc.today;
  const client = sc.client;
  const drafts = new Map();
  const docs = new Map();
  const series = []; // [series id, the draft's name]
  const issued = [];
  const steps = [];
  for (const [n, step] of sc.steps.entries()) {
    if (step.today) host.today = step.today;
    const draft = (name) => {
      if (!drafts.has(name)) throw new Error(`step ${n}: no draft named '${name}'`);
      return drafts.get(name);
    };
    const doc = (name) => {
      if (!docs.has(name)) throw new Error(`step ${n}: no document named '${name}'`);
      return docs.get(name);
    };
    const call = (f) => host.call(client, f);
    const today = () => host.today;
    const kidOf = (id) => host.store.documents.get(Number(id.slice(4))).facts.kid;
    const change = async (name, c) => {
      const [id, v] = draft(name);
      const out = await call((i) => i.updateDraft(id, v, c));
      if (out.ok) drafts.set(name, [out.ok.id, out.ok.version]);
      return out;
    };
    const nameIssued = (name, d) => {
      docs.set(name, d.id);
      const e = issued.find(([id]) => id === d.id);
      if (e) e[1] = name;
      else issued.push([d.id, name]);
    };
    let result;
    let outcome;
    let unrunnable;
    // Node host only: this step's call finds the named import failing (`ledger.post`).
    host.failing = step['fail-import'];
    try {
      const a = step;
      switch (a.do) {
        case 'activate': outcome = await call((i) => i.activate()); break;
        case 'deactivate': outcome = await call((i) => i.deactivate(a.reason)); break;
        case 'draft':
          outcome = await call((i) => i.createDraft(a.customer));
          if (outcome.ok) drafts.set(a.as, [outcome.ok.id, outcome.ok.version]);
          break;
        case 'references':
          outcome = await change(a.draft, { tag: 'set-references', val: {
            buyerReference: opt(a['buyer-reference']), ourReference: opt(a['our-reference']), orderReference: opt(a['order-reference']) } });
          break;
        case 'dates':
          outcome = await change(a.draft, { tag: 'set-dates', val: {
            issueDate: opt(a['issue-date']), deliveryDate: opt(a['delivery-date']), dueDate: opt(a['due-date']), paymentTermsDays: opt(a['payment-terms-days']) } });
          break;
        case 'note': outcome = await change(a.draft, { tag: 'set-note', val: opt(a.note) }); break;
        case 'lines': outcome = await change(a.draft, { tag: 'add-lines', val: a.lines.map(lineInput) }); break;
        case 'update-line': outcome = await change(a.draft, { tag: 'update-line', val: { id: a.line, line: lineInput(a) } }); break;
        case 'set-customer': outcome = await change(a.draft, { tag: 'set-customer', val: a.customer }); break;
        case 'remove-line': outcome = await change(a.draft, { tag: 'remove-line', val: a.line }); break;
        case 'move-line': outcome = await change(a.draft, { tag: 'move-line', val: { id: a.line, to: a.to } }); break;
        case 'stale-note': {
          const [id] = draft(a.draft);
          outcome = await call((i) => i.updateDraft(id, BigInt(a.version), { tag: 'set-note', val: a.note }));
          break;
        }
        case 'delete-draft': { const [id] = draft(a.draft); outcome = await call((i) => i.deleteDraft(id)); break; }
        case 'get-draft': {
          const [id] = draft(a.draft);
          outcome = await call((i) => i.getDraft(id));
          if (outcome.ok) result = { version: outcome.ok.version, payable: outcome.ok.totals.payable };
          break;
        }
        case 'preview': {
          const [id] = draft(a.draft);
          outcome = await call((i) => i.preview(id));
          if (outcome.ok) {
            if (a.save) writeFileSync(a.save, outcome.ok);
            result = { 'pdf-bytes': outcome.ok.length };
          }
          break;
        }
        case 'finalize': {
          const [id] = draft(a.draft);
          const k = a.key ?? `${client}-${id}`;
          outcome = await call((i) => i.finalize(id, k));
          if (outcome.ok) nameIssued(a.as, outcome.ok);
          break;
        }
        case 'credit': {
          const inv = doc(a.invoice);
          const lines = a.lines?.map((l) => ({ lineId: l.line, quantity: opt(l.quantity), amount: opt(l.amount) }));
          const k = a.key ?? `${client}-credit-${inv}-${n}`;
          outcome = await call((i) => i.credit(inv, lines, a.reason, k));
          if (outcome.ok) nameIssued(a.as, outcome.ok);
          break;
        }
        case 'resend': {
          const id = doc(a.document);
          outcome = await call((i) => i.resend(id, opt(a.channel)));
          if (outcome.ok) result = { delivery: outcome.ok };
          break;
        }
        case 'overview': {
          const kinds = [undefined, 'draft', 'invoice', 'credit-note'];
          if (!kinds.includes(opt(a.kind))) throw new Error(`step ${n}: no document kind '${a.kind}'`);
          const filter = {
            customerId: opt(a['customer-id']), reference: opt(a.reference), number: a.number === undefined ? undefined : BigInt(a.number),
            issuedFrom: opt(a['issued-from']), issuedTo: opt(a['issued-to']), kind: opt(a.kind), status: opt(a.status),
            limit: opt(a.limit), offset: opt(a.offset),
          };
          outcome = await call((i) => i.overview(filter));
          if (outcome.ok) result = outcome.ok;
          break;
        }
        case 'recurring': {
          const [id, v] = draft(a.draft);
          const named = { monthly: 'monthly', quarterly: 'quarterly', yearly: 'yearly' }[a.interval];
          const interval = named ? { tag: named } : { tag: 'every-months', val: a.interval };
          const schedule = {
            interval, firstDate: a['first-date'], endDate: opt(a['end-date']), count: opt(a.count),
            leadDays: a['lead-days'] ?? 0, periodText: a['period-text'] ?? true,
          };
          outcome = await call((_, r) => r.makeRecurring(id, v, schedule));
          if (outcome.ok) series.push([outcome.ok.id, a.draft]);
          break;
        }
        case 'issue-due': {
          outcome = await call((_, r) => r.due());
          if (!outcome.ok) break;
          const numbers = [];
          for (const o of outcome.ok) {
            outcome = await call((_, r) => r.issueOccurrence(o.seriesId, o.date));
            if (!outcome.ok) break;
            numbers.push(outcome.ok.number);
            const name = series.find(([id]) => id === o.seriesId)?.[1] ?? o.seriesId;
            nameIssued(`${name} ${o.date}`, outcome.ok);
          }
          if (outcome.ok) result = { issued: numbers };
          break;
        }
        case 'rates': host.putRates(a.rates); outcome = { ok: true }; break;
        case 'currency': outcome = await change(a.draft, { tag: 'set-currency', val: a.currency }); break;
        case 'pay': {
          const input = {
            invoiceId: doc(a.invoice), kid: undefined, amount: a.amount, date: a.date ?? today(),
            payer: opt(a.payer), bankReference: opt(a['bank-reference']), idempotencyKey: a.key,
            nokAmount: opt(a['nok-amount']),
          };
          outcome = await call((_, __, p) => p.register(input));
          if (outcome.ok) result = { outcome: outcome.ok.outcome, 'open-after': outcome.ok.openAfter };
          break;
        }
        case 'bank-payments': {
          const account = host.store.clients.get(client).settings['bank-account'];
          const payments = a.payments.map((p) => ({
            bankReference: p.ref, kid: p.invoice ? kidOf(doc(p.invoice)) : opt(p.kid), amount: p.amount,
            date: p.date ?? today(), payer: opt(p.payer), text: opt(p.text),
          }));
          outcome = await call((_, __, p) => p.importStatement({ account, currency: a.currency ?? 'NOK', payments }));
          if (outcome.ok) result = outcome.ok.map((r) => r.outcome);
          break;
        }
        case 'open-items': {
          outcome = await call((_, __, p) => p.openItems(opt(a['customer-id'])));
          if (outcome.ok) result = outcome.ok.map((i) => ({ number: i.number, open: i.open, state: i.state, 'overdue-since': i.overdueSince ?? null }));
          break;
        }
        case 'open': {
          const id = doc(a.document);
          outcome = await call((i) => i.open(id));
          if (outcome.ok) result = { number: outcome.ok.number, status: outcome.ok.status };
          break;
        }
        default: throw new Error(`step ${n}: unknown step '${a.do}'`);
      }
    } catch (e) {
      unrunnable = e.message;
      outcome = { ok: true };
    }
    host.failing = undefined;
    const err = outcome.err;
    let mismatch = unrunnable;
    if (mismatch === undefined) {
      const want = step['expect-error'];
      if (!want && err) mismatch = `failed: ${err.message}`;
      else if (want && !err) mismatch = `succeeded but should fail with ${want}`;
      else if (want && err && err.kind !== want) mismatch = `failed with ${err.kind} but should with ${want}: ${err.message}`;
      else if (want && err) {
        const f = (step['expect-fields'] ?? []).find((f) => !err.fields.includes(f));
        if (f) mismatch = `the error does not name field ${f}: ${err.message}`;
      } else if (step.do === 'overview' && step['expect-count'] !== undefined && result.length !== step['expect-count']) {
        mismatch = `${result.length} rows, expected ${step['expect-count']}`;
      }
    }
    steps.push({
      step: n,
      action: pascal(step.do === 'draft' ? 'draft' : step.do),
      ok: !err && unrunnable === undefined,
      error: err?.message,
      error_kind: err?.kind,
      fields: err?.fields?.length ? err.fields : undefined,
      mismatch,
      result,
    });
  }
  const documents = [];
  if (host.store.clients.get(client)?.active) {
    for (const [id, name] of issued) {
      const out = await host.call(client, (i) => i.open(id));
      if (out.err) throw new Error(`open ${id}: ${out.err.message}`);
      // VAT codes and categories in the words the Rust report writes (`25`, `S`).
      const d = out.ok;
      documents.push({
        name,
        ...d,
        lines: d.lines.map((l) => ({ ...l, vatCode: VAT_WORDS[l.vatCode] })),
        vatGroups: d.vatGroups.map((g) => ({ ...g, category: VAT_CATEGORIES[g.category] })),
        delivered: [],
      });
    }
  }
  return {
    client,
    mismatches: steps.filter((s) => s.mismatch !== undefined).length,
    steps,
    documents,
    trial_balance: host.trialBalance(client),
    customer_balances: host.customerBalances(client),
  };
}
