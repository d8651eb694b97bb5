"""The API's whole flow, as a program around the accounts would drive it: with httpx and
nothing of ours. Usage: flow.py BASE_URL KEY OUT_DIR. Prints "api flow: ok" and writes the
PDFs and EHFs it downloaded to OUT_DIR (the test validates the EHFs)."""
import pathlib
import sys
import uuid

import httpx

base, key, out = sys.argv[1], sys.argv[2], pathlib.Path(sys.argv[3])
out.mkdir(parents=True, exist_ok=True)
api = httpx.Client(base_url=base + "/api/v1", headers={"Authorization": f"Bearer {key}"}, timeout=60)


def post(path, body, key=None, **headers):
    h = {"Idempotency-Key": key or str(uuid.uuid4()), **headers}
    return api.post(path, json=body, headers=h)


def problem(r, status, error):
    assert r.status_code == status, (r.status_code, r.text)
    assert r.headers["content-type"] == "application/problem+json", r.headers
    p = r.json()
    assert p["status"] == status and p["error"] == error, p
    return p


# A customer, added to the register.
number = 7000 + uuid.uuid4().int % 1000
r = post("/customers", {"name": "API Kunde AS", "number": number, "organisation_number": "974 760 673",
                        "address": {"street": "Storgata 1", "postcode": "0155", "city": "Oslo", "country": "NO"},
                        "email": "faktura@api-kunde.no"})
assert r.status_code == 201, r.text
customer = r.json()
assert customer["organisation_number"] == "974760673", customer
assert r.headers["location"] == f"/api/v1/customers/{customer['id']}"
problem(post("/customers", {"name": "Feil", "number": number, "organisation_number": "123"}), 422, "invalid")

# A draft, and the same POST again with its key: the same draft, not a second.
k = str(uuid.uuid4())
r = post("/drafts", {"customer_id": customer["id"]}, key=k)
assert r.status_code == 201, r.text
draft = r.json()
again = post("/drafts", {"customer_id": customer["id"]}, key=k)
assert again.status_code == 201 and again.json() == draft, again.text
assert again.headers["idempotent-replayed"] == "true"
assert again.headers["location"] == r.headers["location"] == f"/api/v1/drafts/{draft['id']}"
# The same key with another body is refused, typed.
problem(post("/drafts", {"customer_id": "c-bygg"}, key=k), 422, "idempotency_key_reused")

# Lines, with the draft's ETag; without it 428, with an old one 412.
etag = r.headers["etag"]
assert etag == f'"{draft["version"]}"'
lines = {"changes": [
    {"op": "add_lines", "lines": [
        {"description": "Rådgivning", "quantity": "7.5", "unit": "hour", "unit_price": "1250.00", "vat_code": "standard"},
        {"description": "Lunsj", "quantity": "3", "unit": "piece", "unit_price": "189.90", "vat_code": "medium"}]},
    {"op": "set_references", "references": {"buyer_reference": "PO-4711"}},
    {"op": "set_note", "note": "Takk for oppdraget"}]}
problem(post(f"/drafts/{draft['id']}/changes", lines), 428, "precondition_required")
r = post(f"/drafts/{draft['id']}/changes", lines, **{"If-Match": etag})
assert r.status_code == 200, r.text
changed = r.json()
assert changed["totals"]["payable"] == "12373.91", changed["totals"]
assert len(changed["vat_groups"]) == 2, changed["vat_groups"]  # 25 % and 15 %
assert r.headers["etag"] == f'"{changed["version"]}"'
p = problem(post(f"/drafts/{draft['id']}/changes", {"changes": [{"op": "set_note", "note": "x"}]}, **{"If-Match": etag}),
            412, "precondition_failed")
assert p["current_version"] == changed["version"], p
# A wrong line names its field, and nothing of the request is kept.
p = problem(post(f"/drafts/{draft['id']}/changes",
                 {"changes": [{"op": "set_note", "note": "kept?"},
                              {"op": "add_lines", "lines": [{"description": "x", "quantity": "abc", "unit_price": "1"}]}]},
                 **{"If-Match": r.headers["etag"]}), 422, "invalid")
# The line is the draft's third; fields are named in the API's snake_case.
assert {f["field"] for f in p["fields"]} == {"lines[2].quantity", "lines[2].vat_code"}, p
assert api.get(f"/drafts/{draft['id']}").json()["note"] == "Takk for oppdraget"

# The preview, exactly as the recipient will see it.
r = api.get(f"/drafts/{draft['id']}/preview.pdf")
assert r.status_code == 200 and r.content.startswith(b"%PDF"), r.status_code

# Issued, once, whatever the retries.
k = str(uuid.uuid4())
r = post(f"/drafts/{draft['id']}/finalize", None, key=k, **{"If-Match": f'"{changed["version"]}"'})
assert r.status_code == 201, r.text
invoice = r.json()
assert invoice["kind"] == "invoice" and invoice["totals"]["payable"] == "12373.91", invoice
again = post(f"/drafts/{draft['id']}/finalize", None, key=k, **{"If-Match": f'"{changed["version"]}"'})
assert again.status_code == 201 and again.json()["number"] == invoice["number"]
assert r.headers["location"] == f"/api/v1/invoices/{invoice['id']}"
assert api.get(f"/drafts/{draft['id']}").status_code == 404

# Listed, with the overview's filters, paged by cursor.
page = api.get("/invoices", params={"customer_id": customer["id"]}).json()
assert [s["id"] for s in page["data"]] == [invoice["id"]], page
assert api.get("/invoices", params={"reference": "PO-4711"}).json()["data"][0]["id"] == invoice["id"]
first = api.get("/invoices", params={"limit": 1}).json()
if first["next_cursor"]:
    second = api.get("/invoices", params={"limit": 1, "cursor": first["next_cursor"]}).json()
    assert second["data"][0]["id"] != first["data"][0]["id"]
problem(api.get("/invoices", params={"limit": 0}), 422, "invalid")

# Its files as they were sent.
got = api.get(f"/invoices/{invoice['id']}")
assert got.json()["number"] == invoice["number"]
pdf = api.get(f"/invoices/{invoice['id']}/pdf")
assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF")
(out / "invoice.pdf").write_bytes(pdf.content)
ehf = api.get(f"/invoices/{invoice['id']}/ehf")
assert ehf.status_code == 200 and b"<Invoice" in ehf.content, ehf.text[:200]
(out / "invoice.xml").write_bytes(ehf.content)

# A partial credit note, then what is left, then the rest: nothing left.
left = api.get(f"/invoices/{invoice['id']}/creditable").json()
line = left["lines"][1]
r = post(f"/invoices/{invoice['id']}/credit-notes", {"reason": "Én lunsj for mye", "lines": [{"line_id": line["line_id"], "quantity": "1"}]})
assert r.status_code == 201, r.text
credit = r.json()
assert credit["kind"] == "credit_note" and credit["totals"]["payable"] == "218.39", credit["totals"]
assert r.headers["location"] == f"/api/v1/credit-notes/{credit['id']}"
left = api.get(f"/invoices/{invoice['id']}/creditable").json()
assert left["payable_left"] == "12155.52", left
r = post(f"/invoices/{invoice['id']}/credit-notes", {"reason": "Kansellert"})
assert r.status_code == 201, r.text
p = problem(post(f"/invoices/{invoice['id']}/credit-notes", {"reason": "En gang til"}), 409, "not_allowed")
assert p["refusal"]["code"] == "fully_credited", p
assert api.get(f"/invoices/{invoice['id']}").json()["status"] == "credited"
cn = api.get(f"/credit-notes/{credit['id']}/ehf")
assert cn.status_code == 200 and b"<CreditNote" in cn.content
(out / "credit-note.xml").write_bytes(cn.content)
assert api.get(f"/credit-notes/{credit['id']}/pdf").content.startswith(b"%PDF")
assert api.get(f"/invoices/{credit['id']}").status_code == 404, "a credit note is not an invoice"
assert len(api.get("/credit-notes", params={"customer_id": customer["id"]}).json()["data"]) == 2

print("api flow: ok")
