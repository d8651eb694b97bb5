"""Write a bank file of incoming payments with independent tools, for the tests: an OCR giro
file through netsgiro's own record classes (and parsed back by netsgiro, so it is one netsgiro
accepts), or an ISO 20022 camt.054 notification (.001.02 or .001.08) built with lxml and
checked against the message definition (iso20022_check.py: pyiso20022's bindings of the XSDs).

    python write_bank_file.py SPEC.json OUT

SPEC: {"format": "ocr" | "camt02" | "camt08", "account": "86011117947", "currency": "NOK",
       "payments": [{"ref": "...", "kid": "..." | null, "amount": "1250.00", "date": "2026-11-28",
                     "payer": "...", "text": "...", "reversal": false,
                     "rf": true,
                     "structured": [{"type": "CINV" | "CREN", "kid": "...", "number": "...",
                                     "amount": "1000.00"}]}],
       "noise": true}
camt only: `rf` writes the KID as an ISO 11649 creditor reference (check digits by
python-stdnum); `structured` writes a "sumpost" (entry code 240): one `Strd` per invoice
(`CINV`, `RmtdAmt`) or deducted credit note (`CREN`, `CdtNoteAmt`).
`noise` adds what a real file also holds and must not be registered: a pending entry and an
outgoing payment (camt), an AvtaleGiro claim assignment (OCR is left without).
netsgiro does not apply the OCR sign (receivables.md §2.1): reversals are written with its
records' `sign` field and the reversal transaction type 18 (KID) or 20 (text).
"""
import datetime as dt
import json
import sys
from decimal import Decimal

from lxml import etree


def ore(amount):
    return int((Decimal(amount) * 100).to_integral_value())


def ocr(spec):
    import netsgiro
    from netsgiro import records as r

    payments = spec["payments"]
    day = lambda s: dt.date.fromisoformat(s)
    lines = [r.TransmissionStart(service_code=0, data_transmitter="00008080",
                                 transmission_number="1000081", data_recipient="00012345").to_ocr(),
             r.AssignmentStart(service_code=9, assignment_type=0, agreement_id="001008566",
                               assignment_number="4000086", assignment_account=spec["account"]).to_ocr()]
    records = 2  # the assignment's start and end
    total = 0
    for i, p in enumerate(payments, start=1):
        cents = ore(p["amount"])
        reversal = p.get("reversal", False)
        has_kid = bool(p.get("kid"))
        kind = (18 if has_kid else 20) if reversal else (10 if has_kid else 21)
        total += -abs(cents) if reversal else cents
        item1 = r.TransactionAmountItem1(
            service_code=9, transaction_type=kind, transaction_number=i,
            nets_date=day(p["date"]), centre_id="92", day_code=day(p["date"]).day,
            partial_settlement_number=1, partial_settlement_serial_number="01234",
            sign="-" if reversal else "0", amount=abs(cents), kid=p.get("kid") or "0").to_ocr()
        if not has_kid:
            # netsgiro cannot write a transaction without a KID (it formats None); the field
            # is then blank, as the format has it (and netsgiro reads it back so).
            item1 = item1[:49] + " " * 25 + item1[74:]
        lines.append(item1)
        lines.append(r.TransactionAmountItem2(
            service_code=9, transaction_type=kind, transaction_number=i, form_number="9636827194",
            reference=p["ref"], bank_date=day(p["date"]), debit_account="99990000001").to_ocr())
        records += 2
        if kind in (20, 21):
            lines.append(r.TransactionAmountItem3(
                service_code=9, transaction_type=kind, transaction_number=i,
                text=(p.get("text") or "")[:40]).to_ocr())
            records += 1
    first = min(day(p["date"]) for p in payments)
    last = max(day(p["date"]) for p in payments)
    lines.append(r.AssignmentEnd(service_code=9, assignment_type=0, num_transactions=len(payments),
                                 num_records=records, total_amount=total, nets_date_1=last,
                                 nets_date_2=first, nets_date_3=last).to_ocr())
    lines.append(r.TransmissionEnd(service_code=0, num_transactions=len(payments),
                                   num_records=records + 2, total_amount=total, nets_date=last).to_ocr())
    text = "\n".join(lines) + "\n"
    # netsgiro must read back what its records wrote: the file is one it accepts.
    parsed = netsgiro.parse(text)
    assert sum(len(a.transactions) for a in parsed.assignments) == len(payments)
    return text.encode("iso-8859-1")


def camt(spec, version):
    ns = f"urn:iso:std:iso:20022:tech:xsd:camt.054.001.{version}"
    E = lambda tag, *children, **attrs: _el(ns, tag, children, attrs)
    doc = etree.Element(f"{{{ns}}}Document", nsmap={None: ns})
    ntf = E("BkToCstmrDbtCdtNtfctn")
    doc.append(ntf)
    ntf.append(E("GrpHdr", E("MsgId", "MSG-" + spec.get("message", "1")),
                 E("CreDtTm", "2026-11-28T06:00:00")))
    n = E("Ntfctn", E("Id", "NTF-1"), E("CreDtTm", "2026-11-28T06:00:00"))
    if spec.get("copy"):
        n.append(E("CpyDplctInd", "COPY"))
    n.append(E("Acct", E("Id", E("Othr", E("Id", spec["account"]), E("SchmeNm", E("Cd", "BBAN")))),
               E("Ccy", spec.get("currency", "NOK"))))
    ntf.append(n)
    ccy = spec.get("currency", "NOK")

    def status(code):
        return E("Sts", code) if version == "02" else E("Sts", E("Cd", code))

    def debtor(name):
        return E("Dbtr", E("Nm", name)) if version == "02" else E("Dbtr", E("Pty", E("Nm", name)))

    def entry(ref, payments, credit, reversal=False, booked=True):
        amount = sum(Decimal(p["amount"]) for p in payments)
        e = E("Ntry", E("NtryRef", ref), E("Amt", f"{amount:.2f}", Ccy=ccy),
              E("CdtDbtInd", "CRDT" if credit else "DBIT"))
        if reversal:
            e.append(E("RvslInd", "true"))
        e.append(status("BOOK" if booked else "PDNG"))
        e.append(E("BookgDt", E("Dt", payments[0]["date"])))
        e.append(E("ValDt", E("Dt", payments[0]["date"])))
        e.append(E("BkTxCd", E("Prtry", E("Cd", "230"), E("Issr", "NETS"))))
        details = E("NtryDtls", E("Btch", E("NbOfTxs", str(len(payments)))))
        for p in payments:
            tx = E("TxDtls", E("Refs", E("AcctSvcrRef", p["ref"])))
            if version == "08":
                tx.append(E("Amt", f"{Decimal(p['amount']):.2f}", Ccy=ccy))
                tx.append(E("CdtDbtInd", "CRDT" if credit else "DBIT"))
            tx.append(E("AmtDtls", E("TxAmt", E("Amt", f"{Decimal(p['amount']):.2f}", Ccy=ccy))))
            tx.append(E("RltdPties", debtor(p.get("payer") or "Ukjent")))
            if p.get("structured"):
                rmt = E("RmtInf")
                for s in p["structured"]:
                    kind = s.get("type", "CINV")
                    doc = E("RfrdDocInf", E("Tp", E("CdOrPrtry", E("Cd", kind))))
                    if s.get("number"):
                        doc.append(E("Nb", s["number"]))
                    amount = E("CdtNoteAmt" if kind == "CREN" else "RmtdAmt",
                               f"{Decimal(s['amount']):.2f}", Ccy=ccy)
                    strd = E("Strd", doc, E("RfrdDocAmt", amount))
                    if s.get("kid"):
                        strd.append(E("CdtrRefInf", E("Tp", E("CdOrPrtry", E("Cd", "SCOR"))),
                                      E("Ref", s["kid"])))
                    rmt.append(strd)
                tx.append(rmt)
            elif p.get("kid") and p.get("rf"):
                from stdnum import iso11649
                from stdnum.iso7064 import mod_97_10
                rf = "RF" + mod_97_10.calc_check_digits(p["kid"] + "RF") + p["kid"]
                assert iso11649.is_valid(rf), rf
                tx.append(E("RmtInf", E("Strd", E("CdtrRefInf",
                                                  E("Tp", E("CdOrPrtry", E("Cd", "SCOR")),
                                                    E("Issr", "ISO")),
                                                  E("Ref", rf)))))
            elif p.get("kid"):
                tx.append(E("RmtInf", E("Strd", E("CdtrRefInf",
                                                  E("Tp", E("CdOrPrtry", E("Cd", "SCOR"))),
                                                  E("Ref", p["kid"])))))
            elif p.get("text"):
                tx.append(E("RmtInf", E("Ustrd", p["text"])))
            details.append(tx)
        e.append(details)
        return e

    credits = [p for p in spec["payments"] if not p.get("reversal")]
    reversals = [p for p in spec["payments"] if p.get("reversal")]
    if credits:
        n.append(entry("E1", credits, True))
    for i, p in enumerate(reversals):
        n.append(entry(f"R{i + 1}", [p], False, reversal=True))
    if spec.get("noise"):
        # Not booked yet, and the account's own payment out: neither is registered.
        n.append(entry("P1", [{"ref": "PENDING-1", "kid": None, "amount": "999.00",
                               "date": "2026-11-28", "payer": "Venter"}], True, booked=False))
        n.append(entry("D1", [{"ref": "OUT-1", "kid": None, "amount": "5000.00",
                               "date": "2026-11-28", "payer": "Leverandør AS"}], False))
    return etree.tostring(doc, xml_declaration=True, encoding="UTF-8", pretty_print=True)


def _el(ns, tag, children, attrs):
    e = etree.Element(f"{{{ns}}}{tag}", **attrs)
    for c in children:
        if isinstance(c, str):
            e.text = c
        else:
            e.append(c)
    return e


def main():
    spec = json.load(open(sys.argv[1], encoding="utf-8"))
    fmt = spec["format"]
    if fmt == "ocr":
        data = ocr(spec)
    else:
        version = {"camt02": "02", "camt08": "08"}[fmt]
        data = camt(spec, version)
        # Every camt file a test reads conforms to the ISO 20022 definition (iso20022_check).
        import iso20022_check
        found = iso20022_check.problems(data, version)
        assert not found, "not a valid camt.054.001.%s: %s" % (version, "; ".join(found))
    with open(sys.argv[2], "wb") as f:
        f.write(data)


if __name__ == "__main__":
    main()
