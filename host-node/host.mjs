// A second host for the invoicing component, in Node.js: the component transpiled by jco, the
// seven imported interfaces in JavaScript over an in-memory store. It keeps the house rules the
// Rust host keeps: one unit of work per exported call (rolled back on an error or a throw),
// gapless numbers taken inside it, issued documents and vouchers immutable, vouchers checked to
// balance, every query scoped to the call's client.

import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import * as cli from '@bytecodealliance/preview2-shim/cli';
import * as io from '@bytecodealliance/preview2-shim/io';

/** A refusal the component passes on: the contract's `host` error. */
const refuse = (msg) => ({ tag: 'host', val: msg });
/** `draft-12` → 12, for this kind of id only. */
/** A delivery as the contract has it. */
const deliveryOut = (o) => ({
  id: `delivery-${o.id}`,
  channel: o.channel,
  reason: o.reason,
  state: o.state,
  attempts: o.attempts,
  updatedAt: o.updatedAt,
  detail: undefined,
});
/** The law's figures for reminders, handed to the component as the Rust host does. */
const FIGURES = readFileSync(new URL('../legal/receivables-no.json', import.meta.url), 'utf8');
const parseId = (id, prefix) => {
  const m = new RegExp(`^${prefix}-(\\d+)$`).exec(id);
  return m ? Number(m[1]) : undefined;
};
/** An amount in øre from a decimal text with at most 2 decimals (exact; no floats). */
export function toOre(s) {
  const m = /^(-?)(\d+)(?:\.(\d{1,2})0*)?$/.exec(s);
  if (!m) return undefined;
  return BigInt(m[1] + m[2] + (m[3] ?? '').padEnd(2, '0'));
}
export function fromOre(ore) {
  const neg = ore < 0n;
  const s = (neg ? -ore : ore).toString().padStart(3, '0');
  return `${neg ? '-' : ''}${s.slice(0, -2)}.${s.slice(-2)}`;
}

/** NS 4102 accounts the component may post to, as the Rust host has them. */
export const ACCOUNTS = new Map([
  [1500, 'Kundefordringer'],
  [1920, 'Bankinnskudd'],
  [2700, 'Utgående merverdiavgift, høy sats'],
  [2701, 'Utgående merverdiavgift, middels sats'],
  [2702, 'Utgående merverdiavgift, råfisk'],
  [2703, 'Utgående merverdiavgift, lav sats'],
  [2999, 'Annen kortsiktig gjeld (uidentifiserte innbetalinger)'],
  [3000, 'Salgsinntekt, avgiftspliktig, høy sats'],
  [3005, 'Salgsinntekt, omvendt avgiftsplikt'],
  [3020, 'Salgsinntekt tjenester, avgiftspliktig'],
  [3030, 'Salgsinntekt, avgiftspliktig, middels sats'],
  [3050, 'Salgsinntekt, avgiftspliktig, lav sats'],
  [3100, 'Salgsinntekt, avgiftsfri'],
  [3200, 'Salgsinntekt, utenfor avgiftsområdet / unntatt'],
  [3900, 'Annen driftsrelatert inntekt'],
  [8055, 'Renteinntekt kundefordringer'],
  [8060, 'Valutagevinst (agio)'],
  [8160, 'Valutatap (disagio)'],
]);

const opt = (v) => (v === null || v === undefined ? undefined : v);
/** A word of a closed set, or none where it is not one (as the Rust store reads a column). */
const oneOf = (v, cases) => (cases.includes(v) ? v : undefined);

/** VAT codes as a register keeps them and a scenario writes them, as the contract's cases
 * (contract 0.6.0: an enum, where it was that text); `names.rs` holds the same table. */
export const VAT_CODES = {
  25: 'standard', 15: 'medium', 12: 'low', zero: 'zero-rated', exempt: 'exempt',
  reverse: 'reverse-charge', outside: 'outside',
};
export const VAT_WORDS = Object.fromEntries(Object.entries(VAT_CODES).map(([w, c]) => [c, w]));
/** `vat-category` cases as UNCL 5305 codes. */
export const VAT_CATEGORIES = {
  standard: 'S', 'zero-rated': 'Z', exempt: 'E', 'reverse-charge': 'AE', 'outside-scope': 'O',
};
const big = (v) => (v === null || v === undefined ? undefined : BigInt(v));

/** The store: every table of the Rust host's schema, in memory. */
function emptyStore() {
  return {
    clients: new Map(), // id → { settings (fixture JSON), active, dir }
    customers: new Map(), // `${client}/${id}` → fixture JSON
    products: new Map(),
    peppol: new Set(), // `${participant}/${type}`
    feedback: [],
    drafts: new Map(), // id → { client, version, index, payableOre, body, touched }
    documents: new Map(), // id → { client, kind, series, number, credits, key, index, facts, payableOre, body, ehf, pdf, touched }
    series: new Map(), // id → { client, version, index, body } (recurring series, contract 0.3.0)
    credited: new Map(), // invoice id → øre
    journal: [], // { client, document | payment, account, debit, credit, customerId }
    payments: new Map(), // id → { client, new-payment fields, invoice (doc id number) } (contract 0.4.1)
    notices: new Map(), // id → { client, invoice (doc id number), sent, plan, facts, pdf, ehf } (contract 0.5.1)
    rates: new Map(), // `${currency}/${date}` → { currency, rate, date, source } (contract 0.6.0)
    outbox: [], // { id, client, document, channel, reason, fallbacks, state, attempts }
    sequences: new Map(), // `${client}/${series}` → last
    next: { draft: 1, doc: 1, delivery: 1, series: 1, payment: 1, notice: 1 },
    touched: new Map(), // client → last touch stamp
  };
}

export class Host {
  /** `gen`: the folder jco transpiled the component into (with `--instantiation async`). */
  static async load(gen) {
    const { instantiate } = await import(join(gen, 'invoicing.js'));
    const modules = new Map();
    const getCoreModule = (name) => {
      if (!modules.has(name)) modules.set(name, WebAssembly.compile(readFileSync(join(gen, name))));
      return modules.get(name);
    };
    return new Host(instantiate, getCoreModule);
  }

  constructor(instantiate, getCoreModule) {
    this.instantiate = instantiate;
    this.getCoreModule = getCoreModule;
    /** One instance per client, reused while it behaves (see `call`). */
    this.instances = new Map();
    this.store = emptyStore();
    this.today = new Date().toISOString().slice(0, 10);
  }

  /** Load clients.json and (if there is one) peppol.json from a fixtures folder. */
  loadFixtures(dir) {
    const clients = JSON.parse(readFileSync(join(dir, 'clients.json'), 'utf8'));
    for (const c of clients) {
      if (!/^[a-z0-9-]{1,64}$/.test(c.id)) throw new Error(`client id '${c.id}' is not 1 to 64 of a-z, 0-9 and '-'`);
      const old = this.store.clients.get(c.id);
      this.store.clients.set(c.id, { settings: c.settings, active: old?.active ?? false, dir });
      for (const cu of c.customers ?? []) this.store.customers.set(`${c.id}/${cu.id}`, cu);
      for (const p of c.products ?? []) this.store.products.set(`${c.id}/${p.id}`, p);
    }
    let participants = [];
    try {
      participants = JSON.parse(readFileSync(join(dir, 'peppol.json'), 'utf8'));
    } catch {}
    for (const p of participants) for (const t of p.accepts) this.store.peppol.add(`${p.participant}/${t}`);
    return clients;
  }

  /**
   * One exported call as one unit of work, on an instance whose imports act for `client`: the
   * store is kept if the call returns ok, and put back as it was on an error or a throw.
   * Instantiating through jco costs about 40 ms here (wasmtime: tens of µs), so an instance is
   * reused for its client's next call; the component keeps nothing between calls, and an
   * instance that trapped is dropped.
   */
  async call(client, f) {
    if (!/^[a-z0-9-]{1,64}$/.test(client)) return { err: { kind: 'host', message: `client id '${client}' is not 1 to 64 of a-z, 0-9 and '-'` } };
    const before = snapshot(this.store);
    if (!this.instances.has(client)) {
      const state = { client, taken: [] };
      const instance = await this.instantiate(this.getCoreModule, this.imports(state));
      this.instances.set(client, { instance, state });
    }
    const { instance, state } = this.instances.get(client);
    state.taken = [];
    try {
      const ok = f(instance.invoicing, instance.recurring, instance.payments);
      return { ok };
    } catch (e) {
      this.store = before;
      if (e && Object.hasOwn(e, 'payload')) return { err: componentError(e.payload) };
      this.instances.delete(client);
      return { err: { kind: 'trap', message: `the component trapped: ${e?.message ?? e}` } };
    }
  }

  /** Keep exchange rates ({ currency, rate, date, source }: NOK per one unit); one for a
   * currency and day kept already is replaced. */
  putRates(rates) {
    for (const r of rates) this.store.rates.set(`${r.currency}/${r.date}`, { ...r });
  }

  touch(client) {
    const last = this.store.touched.get(client) ?? 0;
    const t = Math.max(Date.now() * 1000, last + 1);
    this.store.touched.set(client, t);
    return t;
  }

  /** The stored document as `documents.get-document` hands it over. */
  storedDocument(id) {
    const d = this.store.documents.get(id);
    return {
      id: `doc-${id}`,
      kind: d.kind,
      number: BigInt(d.number),
      body: d.body,
      facts: d.facts,
      status: this.status(id),
      deliveries: this.deliveries(id),
    };
  }

  status(id) {
    const d = this.store.documents.get(id);
    const c = this.store.credited.get(id);
    if (d.kind === 'credit-note' || c === undefined) return 'issued';
    return c < d.payableOre ? 'partially-credited' : 'credited';
  }

  /** A document's own deliveries (its notices' letters are theirs). */
  deliveries(doc) {
    return this.store.outbox.filter((o) => o.document === doc && o.notice === undefined).map(deliveryOut);
  }

  /** The imports of an instance acting for `state.client`, on whatever the store is now. */
  imports(state) {
    const host = this;
    const client = state.client;
    const key = (id) => `${client}/${id}`;
    const settings = {
      get() {
        const st = host.store.clients.get(client)?.settings ?? {};
        const a = st.address ?? {};
        let logo;
        if (st.logo !== undefined && st.logo !== null) {
          try {
            logo = new Uint8Array(readFileSync(join(host.store.clients.get(client).dir, st.logo)));
          } catch {
            logo = new Uint8Array();
          }
        }
        return {
          name: opt(st.name),
          organisationNumber: opt(st['organisation-number']),
          address: { street: opt(a.street), postcode: opt(a.postcode), city: opt(a.city), country: opt(a.country) },
          bankAccount: opt(st['bank-account']),
          iban: opt(st.iban),
          bic: opt(st.bic),
          vatRegistered: opt(st['vat-registered']),
          foretaksregisteret: opt(st.foretaksregisteret),
          template: oneOf(st.template, ['classic', 'modern']),
          channels: (st.channels ?? []).filter((c) => ['ehf', 'efaktura', 'avtalegiro', 'email', 'print'].includes(c)),
          invoiceStartNumber: big(st['invoice-start-number']),
          creditNoteStartNumber: big(st['credit-note-start-number']),
          paymentTermsDays: opt(st['payment-terms-days']),
          kidLength: opt(st['kid-length']),
          kidAlgorithm: ['mod10', 'mod11'].includes(st['kid-algorithm']) ? st['kid-algorithm'] : undefined,
          kidCustomerDigits: opt(st['kid-customer-digits']),
          language: oneOf(st.language, ['nb', 'en']),
          logo,
        };
      },
      isActive: () => host.store.clients.get(client)?.active ?? false,
      setActive(active) {
        const c = host.store.clients.get(client);
        if (!c) throw new Error(`no client ${client}`);
        c.active = active;
      },
      recordFeedback(reason) {
        host.store.feedback.push({ client, reason });
      },
      today: () => host.today,
    };
    const customerOut = (c) => {
      const a = c.address ?? {};
      return {
        id: c.id,
        number: BigInt(c.number),
        name: c.name,
        organisationNumber: opt(c['organisation-number']),
        address: { street: opt(a.street), postcode: opt(a.postcode), city: opt(a.city), country: opt(a.country) },
        email: opt(c.email),
        language: oneOf(c.language, ['nb', 'en']),
        preferredChannel: ['ehf', 'efaktura', 'avtalegiro', 'email', 'print'].includes(c['preferred-channel']) ? c['preferred-channel'] : undefined,
        attachEhf: c['attach-ehf'] ?? false,
        currency: opt(c.currency),
      };
    };
    const directory = {
      getCustomer(id) {
        const c = host.store.customers.get(key(id));
        return c ? customerOut(c) : undefined;
      },
      getProduct(id) {
        const p = host.store.products.get(key(id));
        return p ? { id: p.id, name: p.name, unit: p.unit, unitPrice: p['unit-price'], vatCode: VAT_CODES[p['vat-code']] } : undefined;
      },
      peppolAccepts(participant, kind) {
        const t = { invoice: 'Invoice', 'credit-note': 'CreditNote' }[kind];
        return t !== undefined && host.store.peppol.has(`${participant}/${t}`);
      },
      efakturaLookup(customerId) {
        const e = host.store.customers.get(key(customerId))?.efaktura;
        return ['found', 'no-consent', 'blocked'].includes(e) ? e : 'not-found';
      },
      avtalegiroMandate: (customerId) => host.store.customers.get(key(customerId))?.avtalegiro ?? false,
    };
    const payableOre = (index) => {
      const p = toOre(index.payable);
      if (p === undefined) throw refuse(`payable '${index.payable}' is not an amount in øre`);
      return p;
    };
    const isDate = (d) => /^\d{4}-\d{2}-\d{2}$/.test(d) && !Number.isNaN(Date.parse(d));
    const seriesIndex = (index) => {
      if (index.issueFrom !== undefined && !isDate(index.issueFrom)) throw refuse(`issue-from '${index.issueFrom}' is not a date`);
      return index;
    };
    const documents = {
      insertSeries(index, body) {
        const id = host.store.next.series++;
        host.store.series.set(id, { client, version: 1, index: seriesIndex(index), body });
        return `series-${id}`;
      },
      getSeries(id) {
        const s = host.store.series.get(parseId(id, 'series'));
        return s && s.client === client ? { id, version: BigInt(s.version), body: s.body } : undefined;
      },
      updateSeries(id, expected, index, body) {
        const s = host.store.series.get(parseId(id, 'series'));
        if (!s || s.client !== client) throw { tag: 'not-found', val: id };
        if (BigInt(s.version) !== expected) throw { tag: 'conflict', val: BigInt(s.version) };
        Object.assign(s, { version: s.version + 1, index: seriesIndex(index), body });
        return BigInt(s.version);
      },
      listSeries(dueBy) {
        return [...host.store.series]
          .filter(([, s]) => s.client === client &&
            (dueBy === undefined || (s.index.state === 'active' && s.index.issueFrom !== undefined && s.index.issueFrom <= dueBy)))
          .map(([id, s]) => ({ id: `series-${id}`, version: BigInt(s.version), body: s.body }));
      },
      insertDraft(index, body) {
        const p = payableOre(index);
        const id = host.store.next.draft++;
        host.store.drafts.set(id, { client, version: 1, index, payableOre: p, body, touched: host.touch(client) });
        return `draft-${id}`;
      },
      getDraft(id) {
        const n = parseId(id, 'draft');
        const d = host.store.drafts.get(n);
        return d && d.client === client ? { id, version: BigInt(d.version), body: d.body } : undefined;
      },
      updateDraft(id, expected, index, body) {
        const n = parseId(id, 'draft');
        if (n === undefined) throw { tag: 'not-found', val: id };
        const p = payableOre(index);
        const d = host.store.drafts.get(n);
        if (!d || d.client !== client) throw { tag: 'not-found', val: id };
        // Compare-and-set on the version: a stale writer never overwrites a newer draft.
        if (BigInt(d.version) !== expected) throw { tag: 'conflict', val: BigInt(d.version) };
        Object.assign(d, { version: d.version + 1, index, payableOre: p, body, touched: host.touch(client) });
        return BigInt(d.version);
      },
      deleteDraft(id) {
        const n = parseId(id, 'draft');
        const d = host.store.drafts.get(n);
        if (!d || d.client !== client) throw { tag: 'not-found', val: id };
        host.store.drafts.delete(n);
      },
      issue(doc) {
        // The number must be one this call just took from a series, and is used once.
        const pos = state.taken.findIndex(([, n]) => n === doc.number);
        if (pos < 0) throw refuse(`number ${doc.number} was not taken from a series in this call`);
        const [[series]] = state.taken.splice(pos, 1);
        if (doc.kind === 'draft') throw refuse('a draft is not an issued document');
        const credited = doc.facts.creditedInvoice;
        if ((credited !== undefined) !== (doc.kind === 'credit-note')) {
          throw refuse('a credit note, and only a credit note, names the invoice it credits');
        }
        let credits;
        if (credited !== undefined) {
          credits = parseId(credited, 'doc');
          const inv = host.store.documents.get(credits);
          if (!inv || inv.client !== client || inv.kind !== 'invoice') throw refuse(`credited invoice ${credited} is not this client's`);
        }
        const p = payableOre(doc.index);
        if (doc.facts.payable !== doc.index.payable) throw refuse('the facts and the index disagree on the amount payable');
        if (doc.index.issueDate === undefined) throw refuse('an issued document has an issue date');
        const id = host.store.next.doc++;
        host.store.documents.set(id, {
          client, kind: doc.kind, series, number: doc.number, credits, key: doc.idempotencyKey,
          index: doc.index, facts: doc.facts, payableOre: p, body: doc.body, ehf: doc.ehf, pdf: doc.pdf, touched: host.touch(client),
        });
        if (credits !== undefined) host.store.credited.set(credits, (host.store.credited.get(credits) ?? 0n) + p);
        return `doc-${id}`;
      },
      getDocument(id) {
        const n = parseId(id, 'doc');
        const d = host.store.documents.get(n);
        return d && d.client === client ? host.storedDocument(n) : undefined;
      },
      findByIdempotencyKey(k) {
        for (const [id, d] of host.store.documents) if (d.client === client && d.key === k) return host.storedDocument(id);
        return undefined;
      },
      creditsFor(invoiceId) {
        const n = parseId(invoiceId, 'doc');
        return [...host.store.documents]
          .filter(([, d]) => d.client === client && d.credits === n && n !== undefined)
          .map(([id]) => host.storedDocument(id));
      },
      query(f) {
        const rows = [];
        const refMatch = (i) => f.reference === undefined || [i.buyerReference, i.ourReference, i.orderReference].some((r) => r !== undefined && r.includes(f.reference));
        const common = (i) =>
          (f.customerId === undefined || i.customerId === f.customerId) && refMatch(i) &&
          (f.issuedFrom === undefined || (i.issueDate !== undefined && i.issueDate >= f.issuedFrom)) &&
          (f.issuedTo === undefined || (i.issueDate !== undefined && i.issueDate <= f.issuedTo));
        const draftsToo = f.number === undefined && (f.kind === undefined || f.kind === 'draft') && (f.status === undefined || f.status === 'draft');
        if (draftsToo) {
          for (const [id, d] of host.store.drafts) {
            if (d.client !== client || !common(d.index)) continue;
            rows.push({ touched: d.touched, summary: {
              id: `draft-${id}`, kind: 'draft', number: undefined, status: 'draft', customerId: d.index.customerId,
              customerName: d.index.customerName, buyerReference: d.index.buyerReference, issueDate: d.index.issueDate,
              payable: fromOre(d.payableOre), delivery: undefined, updatedAt: new Date(d.touched / 1000).toISOString(),
              currency: d.index.currency,
            } });
          }
        }
        for (const [id, d] of host.store.documents) {
          if (d.client !== client || !common(d.index)) continue;
          if (f.number !== undefined && d.number !== f.number) continue;
          if (f.kind !== undefined && d.kind !== f.kind) continue;
          const status = host.status(id);
          if (f.status !== undefined && f.status !== status) continue;
          const last = host.store.outbox.filter((o) => o.document === id).at(-1);
          rows.push({ touched: d.touched, summary: {
            id: `doc-${id}`, kind: d.kind, number: d.number, status, customerId: d.index.customerId,
            customerName: d.index.customerName, buyerReference: d.index.buyerReference, issueDate: d.index.issueDate,
            payable: fromOre(d.payableOre), delivery: last?.state, updatedAt: new Date(d.touched / 1000).toISOString(),
            currency: d.index.currency,
          } });
        }
        rows.sort((a, b) => b.touched - a.touched);
        const offset = f.offset ?? 0;
        return rows.slice(offset, offset + (f.limit ?? 50)).map((r) => r.summary);
      },
    };
    const sequences = {
      next(series, start) {
        if (!['invoice', 'credit-note'].includes(series)) throw refuse(`unknown series '${series}'`);
        const k = key(series);
        // The start number counts only for a new series: after that, no gaps.
        const n = host.store.sequences.has(k) ? host.store.sequences.get(k) + 1n : start;
        host.store.sequences.set(k, n);
        state.taken.push([series, n]);
        return n;
      },
    };
    // A voucher's rows if the host may post it: a date, whole øre on one side, known accounts,
    // balanced. `at` names what it belongs to (a document or a payment).
    const balanced = (v, at) => {
      if (!/^\d{4}-\d{2}-\d{2}$/.test(v.date)) throw refuse(`voucher date '${v.date}' is not a date`);
      let debit = 0n, credit = 0n;
      const rows = [];
      for (const p of v.postings) {
        const [dOre, cOre] = [toOre(p.debit), toOre(p.credit)];
        if (dOre === undefined || cOre === undefined) throw refuse(`account ${p.account}: amounts must have at most 2 decimals`);
        if (dOre < 0n || cOre < 0n || (dOre > 0n && cOre > 0n)) throw refuse(`account ${p.account}: one side, not negative`);
        if (!ACCOUNTS.has(p.account)) throw refuse(`account ${p.account} is not in the chart of accounts`);
        debit += dOre;
        credit += cOre;
        rows.push({ client, ...at, account: p.account, debit: dOre, credit: cOre, customerId: p.customerId });
      }
      if (rows.length === 0 || debit !== credit) throw refuse(`the voucher does not balance: debit ${debit} øre, credit ${credit} øre`);
      return rows;
    };
    const ledger = {
      post(documentId, v) {
        const n = parseId(documentId, 'doc');
        const d = host.store.documents.get(n);
        if (!d || d.client !== client) throw { tag: 'not-found', val: documentId };
        if (d.number !== v.documentNumber) throw refuse(`voucher for number ${v.documentNumber} posted on document ${d.number}`);
        if (host.store.journal.some((j) => j.document === n)) throw refuse(`${documentId} already has a voucher`);
        host.store.journal.push(...balanced(v, { document: n }));
      },
    };
    // Payments (contract 0.4.1), each kept once by its bank reference and its key.
    const invoiceOf = (id) => {
      const n = parseId(id, 'doc');
      const d = host.store.documents.get(n);
      if (!d || d.client !== client) throw { tag: 'not-found', val: id };
      if (d.kind !== 'invoice') throw refuse(`${id} is not an invoice`);
      return n;
    };
    const stored = (id, p) => ({
      id: `pay-${id}`, bankReference: p.bankReference, kid: p.kid, amount: fromOre(p.ore), date: p.date,
      payer: p.payer, text: p.text, outcome: p.outcome,
      invoiceId: p.invoice === undefined ? undefined : `doc-${p.invoice}`,
      invoiceNumber: p.invoice === undefined ? undefined : host.store.documents.get(p.invoice).number,
      customerId: p.customerId,
    });
    const own = () => [...host.store.payments].filter(([, p]) => p.client === client);
    const byKey = (key) => own().find(([, p]) => p.bankReference === key || p.idempotencyKey === key);
    // Per invoice: what it holds, and what its notices charged (øre); `openOnly` counts the charges.
    const sums = (f) => {
      const only = new Set(f.invoiceIds.map((i) => parseId(i, 'doc')));
      const rows = [];
      for (const [id, d] of host.store.documents) {
        if (d.client !== client || d.kind !== 'invoice') continue;
        if (f.invoiceIds.length > 0 && !only.has(id)) continue;
        if (f.customerId !== undefined && d.index.customerId !== f.customerId) continue;
        const credited = host.store.credited.get(id) ?? 0n;
        const paid = own().filter(([, p]) => p.invoice === id).reduce((s, [, p]) => s + p.ore, 0n);
        const charged = [...host.store.notices.values()]
          .filter((n) => n.invoice === id)
          .reduce((s, n) => s + toOre(n.plan.fee) + toOre(n.plan.compensation) + toOre(n.plan.interestTotal), 0n);
        if (f.openOnly && d.payableOre + charged - credited - paid === 0n) continue;
        rows.push({
          invoiceId: `doc-${id}`, number: d.number, customerId: d.index.customerId, customerName: d.index.customerName,
          issueDate: d.index.issueDate, dueDate: d.facts.dueDate, kid: d.facts.kid,
          payable: fromOre(d.payableOre), credited: fromOre(credited), paid: fromOre(paid), charged,
          currency: d.index.currency,
        });
      }
      return rows.sort((a, b) => (a.dueDate < b.dueDate ? -1 : a.dueDate > b.dueDate ? 1 : Number(a.number - b.number)));
    };
    const receivables = {
      insertPayments(list) {
        for (const { payment: p } of list) if (p.invoiceId !== undefined) invoiceOf(p.invoiceId);
        const keys = list.flatMap(({ payment: p }) => [p.bankReference, p.idempotencyKey].filter((k) => k !== undefined));
        if (list.some(({ payment: p }) => p.bankReference === undefined && p.idempotencyKey === undefined)) {
          throw refuse('a payment needs a bank reference or an idempotency key');
        }
        if (new Set(keys).size !== keys.length || keys.some((k) => byKey(k))) throw { tag: 'conflict', val: 0n };
        const kept = [];
        for (const { payment: p, voucher: v } of list) {
          const ore = toOre(p.amount);
          if (ore === undefined) throw refuse(`amount '${p.amount}' is not whole øre`);
          const id = host.store.next.payment++;
          const rows = balanced(v, { payment: id });
          kept.push([id, { client, ...p, ore, invoice: p.invoiceId === undefined ? undefined : invoiceOf(p.invoiceId) }, rows]);
        }
        // Checked whole before anything is kept: a bad voucher keeps none of the list.
        for (const [id, p, rows] of kept) {
          host.store.payments.set(id, p);
          host.store.journal.push(...rows);
        }
        return kept.map(([id]) => `pay-${id}`);
      },
      findPayments(keys) {
        return keys.map((key) => {
          const found = byKey(key);
          return found && stored(...found);
        });
      },
      getPayment(id) {
        const n = parseId(id, 'pay');
        const p = host.store.payments.get(n);
        return p && p.client === client ? stored(n, p) : undefined;
      },
      allocatePayment(id, invoiceId, outcome, v) {
        const n = parseId(id, 'pay');
        const p = host.store.payments.get(n);
        if (!p || p.client !== client) throw { tag: 'not-found', val: id };
        const invoice = invoiceOf(invoiceId);
        if (p.invoice !== undefined) throw { tag: 'conflict', val: 0n };
        const rows = balanced(v, { payment: n });
        // Payments are replaced, not changed in place: a rolled-back call's snapshot keeps the old.
        host.store.payments.set(n, { ...p, invoice, outcome, customerId: host.store.documents.get(invoice).index.customerId });
        host.store.journal.push(...rows);
      },
      invoicesByKid(kids) {
        return kids.map((kid) => {
          const found = [...host.store.documents].find(([, d]) => d.client === client && d.kind === 'invoice' && d.facts.kid === kid);
          return found && `doc-${found[0]}`;
        });
      },
      invoiceSums(f) {
        return sums(f).map(({ charged, ...money }) => money);
      },
      listPayments(f) {
        const only = f.invoiceId === undefined ? undefined : parseId(f.invoiceId, 'doc');
        const offset = f.offset ?? 0;
        return own()
          .filter(([, p]) => (!f.unmatchedOnly || p.invoice === undefined) && (only === undefined || p.invoice === only))
          .sort(([a], [b]) => b - a)
          .slice(offset, offset + Math.min(Math.max(f.limit ?? 100, 1), 500))
          .map(([id, p]) => stored(id, p));
      },
    };
    // Reminders and inkassovarsler (contract 0.5.1): each (invoice, step) kept once.
    const noticeOut = (id, n) => ({
      id: `notice-${id}`, invoiceId: `doc-${n.invoice}`, invoiceNumber: host.store.documents.get(n.invoice).number,
      sent: n.sent, plan: n.plan,
      deliveries: host.store.outbox.filter((o) => o.notice === id).map(deliveryOut),
    });
    // Exchange rates (contract 0.6.0): the last one of the currency on or before the day.
    const rates = {
      rate(currency, on) {
        let best;
        for (const r of host.store.rates.values()) {
          if (r.currency === currency && r.date <= on && (!best || r.date > best.date)) best = r;
        }
        return best;
      },
    };
    const notices = {
      insert(n, v) {
        const invoice = invoiceOf(n.invoiceId);
        const taken = [...host.store.notices.values()].some((k) => k.invoice === invoice && k.plan.step === n.plan.step);
        if (taken) throw { tag: 'conflict', val: BigInt(n.plan.step) };
        const id = host.store.next.notice++;
        const rows = v.postings.length > 0 ? balanced(v, { notice: id }) : [];
        host.store.notices.set(id, { client, invoice, sent: n.sent, plan: n.plan, facts: n.facts, pdf: n.pdf, ehf: n.ehf });
        host.store.journal.push(...rows);
        return `notice-${id}`;
      },
      ofInvoices(ids) {
        const wanted = new Set(ids.map((i) => parseId(i, 'doc')));
        return [...host.store.notices]
          .filter(([, n]) => n.client === client && wanted.has(n.invoice))
          .sort(([a, x], [b, y]) => x.invoice - y.invoice || x.plan.step - y.plan.step || a - b)
          .map(([id, n]) => noticeOut(id, n));
      },
      claims(f) {
        return sums(f).map(({ charged, ...money }) => ({ money, charged: fromOre(charged) }));
      },
      creditBalance(customerId) {
        const over = sums({ customerId, invoiceIds: [], openOnly: false }).map(
          (r) => toOre(r.credited) + toOre(r.paid) - toOre(r.payable) - r.charged,
        );
        return fromOre(over.filter((o) => o > 0n).reduce((a, b) => a + b, 0n));
      },
      policy() {
        return { firstAfterDays: 14, deadlineDays: 14, fee: true, interest: true, reminders: 1, inkassovarsel: true, compensation: false };
      },
      figures() {
        return FIGURES;
      },
      optedOut(ids) {
        return ids.map(() => false);
      },
      paymentAgreements(ids) {
        return ids.map(() => false);
      },
      peppolAcceptsReminder(participant) {
        return host.store.peppol.has(`${participant}/Reminder`);
      },
    };
    const outbox = {
      enqueue(documentId, channel, reason, fallbacks) {
        // A notice's letter goes under its invoice.
        const notice = documentId.startsWith('notice-') ? parseId(documentId, 'notice') : undefined;
        const kept = notice === undefined ? undefined : host.store.notices.get(notice);
        const n = kept ? kept.invoice : parseId(documentId, 'doc');
        const d = host.store.documents.get(n);
        if (!d || d.client !== client || (notice !== undefined && !kept)) throw { tag: 'not-found', val: documentId };
        const id = host.store.next.delivery++;
        host.store.outbox.push({ id, client, document: n, notice, channel, reason, fallbacks, state: 'queued', attempts: 0 });
        return `delivery-${id}`;
      },
    };
    // `host.failing` ("ledger.post") makes that import throw, as a broken database would: the
    // scenario step `fail-import` uses it to show that the call is rolled back.
    const failable = (name, iface) =>
      Object.fromEntries(
        Object.entries(iface).map(([fn, f]) => [
          fn,
          (...args) => {
            // Named as the contract names it: `documents.update-draft`.
            const wit = `${name}.${fn.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)}`;
            if (host.failing === wit) throw new Error(`${wit} failed (injected)`);
            return f(...args);
          },
        ]),
      );
    // The component's std asks for a random seed and an environment; it gets fixed ones.
    return {
      'erp:invoicing/settings': failable('settings', settings),
      'erp:invoicing/directory': failable('directory', directory),
      'erp:invoicing/documents': failable('documents', documents),
      'erp:invoicing/sequences': failable('sequences', sequences),
      'erp:invoicing/ledger': failable('ledger', ledger),
      'erp:invoicing/outbox': failable('outbox', outbox),
      'erp:invoicing/receivables': failable('receivables', receivables),
      'erp:invoicing/notices': failable('notices', notices),
      'erp:invoicing/rates': failable('rates', rates),
      'erp:invoicing/types': {},
      'wasi:cli/environment': { getEnvironment: () => [], getArguments: () => [], initialCwd: () => undefined },
      'wasi:cli/exit': cli.exit,
      'wasi:cli/stderr': cli.stderr,
      'wasi:cli/stdin': cli.stdin,
      'wasi:cli/stdout': cli.stdout,
      'wasi:cli/terminal-input': cli.terminalInput,
      'wasi:cli/terminal-output': cli.terminalOutput,
      'wasi:cli/terminal-stderr': cli.terminalStderr,
      'wasi:cli/terminal-stdin': cli.terminalStdin,
      'wasi:cli/terminal-stdout': cli.terminalStdout,
      'wasi:io/error': io.error,
      'wasi:io/poll': io.poll,
      'wasi:io/streams': io.streams,
      'wasi:random/insecure-seed': { insecureSeed: () => [0n, 0n] },
    };
  }

  /** Trial balance of a client, as the Rust host's report has it. */
  trialBalance(client) {
    const sums = new Map();
    for (const j of this.store.journal.filter((j) => j.client === client)) {
      const [d, c] = sums.get(j.account) ?? [0n, 0n];
      sums.set(j.account, [d + j.debit, c + j.credit]);
    }
    return [...sums].sort(([a], [b]) => a - b).map(([account, [d, c]]) => ({
      account, name: ACCOUNTS.get(account) ?? '', debit: fromOre(d), credit: fromOre(c), balance: fromOre(d - c),
    }));
  }

  customerBalances(client) {
    const sums = new Map();
    for (const j of this.store.journal.filter((j) => j.client === client && j.account === 1500)) {
      sums.set(j.customerId, (sums.get(j.customerId) ?? 0n) + j.debit - j.credit);
    }
    return [...sums].sort(([a], [b]) => (a < b ? -1 : 1)).map(([c, ore]) => [c, fromOre(ore)]);
  }
}

/**
 * The store as it was before a call, to put back if the call fails. Issued documents, the
 * registers and journal rows are never changed once written, so they are shared; what a call
 * may change (drafts, the on/off switch, counters) is copied.
 */
function snapshot(s) {
  return {
    ...s,
    clients: new Map([...s.clients].map(([k, v]) => [k, { ...v }])),
    feedback: [...s.feedback],
    drafts: new Map([...s.drafts].map(([k, v]) => [k, { ...v }])),
    series: new Map([...s.series].map(([k, v]) => [k, { ...v }])),
    documents: new Map(s.documents),
    credited: new Map(s.credited),
    journal: [...s.journal],
    payments: new Map(s.payments),
    notices: new Map(s.notices),
    rates: new Map(s.rates),
    outbox: [...s.outbox],
    sequences: new Map(s.sequences),
    next: { ...s.next },
    touched: new Map(s.touched),
  };
}

/** The contract's error as the report names it: its case, the fields, and the message. */
/** A refusal in English, worded as the Rust host words it (`runtime::refusal_text`), so the
 * two hosts' reports agree. */
function refusalText(r) {
  const v = r.val;
  return {
    'not-an-invoice': () => 'only an invoice can be credited',
    'fully-credited': () => `invoice ${v} is already fully credited`,
    'issued-meanwhile': () => `issued meanwhile as number ${v}, by another request with the same key`,
    'channel-not-enabled': () => `${v} is not enabled in the settings`,
    'channel-cannot-take': () => `${v.channel} cannot take it: ${v.reason}`,
    'series-paused': () => 'the series is paused',
    'series-ended': () => 'the series has ended: make a new one',
    'not-next-occurrence': () => `not the next occurrence due (next: ${v ?? 'none due'})`,
    'no-channel': () => `no channel can take this document: ${v.join('; ')}`,
  }[r.tag]();
}

function componentError(e) {
  const fields = e.tag === 'invalid' || e.tag === 'missing-settings' ? e.val.map((f) => f.field) : [];
  const list = () => e.val.map((f) => `${f.field}: ${f.message}`).join('; ');
  const message = {
    invalid: () => `invalid: ${list()}`,
    'missing-settings': () => `missing settings: ${list()}`,
    'not-active': () => 'the module is not active for this client',
    'not-found': () => `not found: ${e.val}`,
    conflict: () => `conflict: the draft is now at version ${e.val}`,
    'not-allowed': () => `not allowed: ${refusalText(e.val)}`,
    host: () => `host: ${e.val}`,
  }[e.tag]();
  return { kind: e.tag, message, fields };
}
