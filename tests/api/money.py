"""The API's money side and series, as a program around the accounts would drive them (httpx;
the bank file is written by tests/bank/write_bank_file.py, with netsgiro). Usage:
money.py BASE_URL KEY OUT_DIR TODAY. Prints "api money: ok"."""
import json
import pathlib
import subprocess
import sys
import uuid

import httpx

base, key, out, today = sys.argv[1], sys.argv[2], pathlib.Path(sys.argv[3]), sys.argv[4]
out.mkdir(parents=True, exist_ok=True)
api = httpx.Client(base_url=base + "/api/v1", headers={"Authorization": f"Bearer {key}"}, timeout=60)


def post(path, body=None, key=None, **headers):
    h = {"Idempotency-Key": key or str(uuid.uuid4()), **headers}
    return api.post(path, json=body, headers=h)


def problem(r, status, error):
    assert r.status_code == status, (r.status_code, r.text)
    assert r.headers["content-type"] == "application/problem+json", r.headers
    p = r.json()
    assert p["status"] == status and p["error"] == error, p
    return p


def draft(customer, dates=None):
    d = post("/drafts", {"customer_id": customer}).json()
    changes = [{"op": "add_lines", "lines": [
        {"description": "Abonnement", "quantity": "1", "unit_price": "1000.00", "vat_code": "standard"}]}]
    if dates:
        changes.append({"op": "set_dates", "dates": dates})
    r = post(f"/drafts/{d['id']}/changes", {"changes": changes}, **{"If-Match": f'"{d["version"]}"'})
    assert r.status_code == 200, r.text
    return r.json()


customer = api.get("/customers").json()[0]["id"]

# ---- a recurring series, made from a draft and changed with its version ----
d = draft(customer)
schedule = {"interval": {"kind": "monthly"}, "first_date": today, "end_date": None, "count": 12,
            "lead_days": 0, "period_text": True}
problem(post(f"/drafts/{d['id']}/recurring", {"schedule": schedule}, **{"If-Match": '"999"'}),
        412, "precondition_failed")
k = str(uuid.uuid4())
r = post(f"/drafts/{d['id']}/recurring", {"schedule": schedule}, key=k, **{"If-Match": f'"{d["version"]}"'})
assert r.status_code == 201, r.text
series = r.json()
assert series["state"] == "active" and series["schedule"]["count"] == 12, series
assert series["totals"]["payable"] == "1250.00", series["totals"]
assert r.headers["location"] == f"/api/v1/series/{series['id']}"
again = post(f"/drafts/{d['id']}/recurring", {"schedule": schedule}, key=k, **{"If-Match": f'"{d["version"]}"'})
assert again.status_code == 201 and again.json()["id"] == series["id"], again.text
assert len([s for s in api.get("/series").json() if s["id"] == series["id"]]) == 1
got = api.get(f"/series/{series['id']}")
assert got.headers["etag"] == f'"{series["version"]}"'
pause = {"changes": [{"op": "pause"}]}
problem(post(f"/series/{series['id']}/changes", pause), 428, "precondition_required")
r = post(f"/series/{series['id']}/changes",
         {"changes": [{"op": "pause"}, {"op": "edit", "change": {"op": "set_note", "note": "Fast pris"}}]},
         **{"If-Match": got.headers["etag"]})
assert r.status_code == 200, r.text
assert r.json()["state"] == "paused" and r.json()["note"] == "Fast pris", r.json()
problem(post(f"/series/{series['id']}/changes", {"changes": [{"op": "resume"}]}, **{"If-Match": got.headers["etag"]}),
        412, "precondition_failed")
# A schedule the contract refuses names its field, and nothing of the request is kept.
bad = dict(schedule, lead_days=400)
p = problem(post(f"/series/{series['id']}/changes", {"changes": [{"op": "resume"}, {"op": "set_schedule", "schedule": bad}]},
                 **{"If-Match": r.headers["etag"]}), 422, "invalid")
assert any("lead_days" in f["field"] for f in p["fields"]), p
assert api.get(f"/series/{series['id']}").json()["state"] == "paused"

# ---- an invoice long overdue: what is due, the letter, sending it once ----
# An endpoint for reminders (never reached here): the event is kept with the notice.
r = post("/webhook-endpoints", {"url": "http://127.0.0.1:9/hooks", "events": ["reminder.sent"]})
assert r.status_code == 201, r.text
d = draft(customer, {"issue_date": "2026-10-01", "due_date": "2026-10-15"})
r = post(f"/drafts/{d['id']}/finalize")
assert r.status_code == 201, r.text
invoice = r.json()
due = api.get("/reminders/due", params={"invoice_id": invoice["id"]}).json()
assert len(due) == 1 and due[0]["decision"]["decision"] == "send", due
plan = due[0]["decision"]["plan"]
assert plan["kind"] == "reminder" and plan["step"] == 1 and plan["principal"] == "1250.00", plan
pdf = api.get(f"/invoices/{invoice['id']}/reminder-preview.pdf")
assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF"), pdf.status_code
k = str(uuid.uuid4())
r = post(f"/invoices/{invoice['id']}/reminders", key=k)
assert r.status_code == 201, r.text
sent = r.json()
assert sent["outcome"] == "sent" and sent["notice"]["plan"]["total"] == plan["total"], sent
assert post(f"/invoices/{invoice['id']}/reminders", key=k).json() == sent, "replayed"
# Sent once: asked again (another key), its deadline is running.
r = post(f"/invoices/{invoice['id']}/reminders")
assert r.status_code == 200 and r.json()["outcome"] == "wait", r.text
assert r.json()["why"] == "deadline_running", r.json()
history = api.get(f"/invoices/{invoice['id']}/reminders").json()
assert [n["id"] for n in history] == [sent["notice"]["id"]], history
events = [e for e in api.get("/events").json() if e["type"] == "reminder.sent"]
assert [e["data"]["notice_id"] for e in events] == [sent["notice"]["id"]], events
assert events[0]["data"]["total"] == plan["total"] and events[0]["data"]["invoice_id"] == invoice["id"]

# ---- a bank file pays it by its KID: registered once, however often it is sent ----
owed = sent["notice"]["plan"]["total"]
spec = {"format": "ocr", "account": "86011117947", "currency": "NOK", "payments": [
    {"ref": f"{uuid.uuid4().int % 10**9:09d}", "kid": invoice["kid"], "amount": owed, "date": today,
     "payer": "Kari Nordmann"}]}
(out / "spec.json").write_text(json.dumps(spec))
writer = pathlib.Path(__file__).parent.parent / "bank" / "write_bank_file.py"
subprocess.run([sys.executable, str(writer), str(out / "spec.json"), str(out / "ocr.txt")], check=True)
file = (out / "ocr.txt").read_bytes()
k = str(uuid.uuid4())
headers = {"Idempotency-Key": k, "Content-Type": "application/octet-stream"}
r = api.post("/bank-files", content=file, headers=headers)
assert r.status_code == 200, r.text
imported = r.json()
assert imported["format"] == "ocr-giro" and imported["payments"] == 1, imported
assert imported["outcomes"] == {"paid": 1} and imported["seen_before"] is None, imported
again = api.post("/bank-files", content=file, headers=headers)
assert again.json() == imported and again.headers["idempotent-replayed"] == "true"
# Sent again without the key: seen before, and the payment is a duplicate, not a second.
r = api.post("/bank-files", content=file, headers={"Content-Type": "application/octet-stream"})
assert r.json()["outcomes"] == {"duplicate": 1} and r.json()["seen_before"], r.json()
item = api.get(f"/invoices/{invoice['id']}/open-item").json()
assert item["state"] == "paid", item
problem(api.post("/bank-files", content=b"not a bank file", headers={"Content-Type": "text/plain"}), 422, "invalid")
problem(api.post("/bank-files", content=b"x" + file, headers={"Idempotency-Key": k}), 422, "idempotency_key_reused")

print("api money: ok")
