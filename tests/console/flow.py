"""The console in a real browser (Chromium from Debian, driven by Playwright): the whole flow a
person at a small company clicks through, as tests/it/console.rs starts it.

    python flow.py BASE_URL AXE_JS [SCREENSHOT_DIR]

Fails (exit 1) on any dialog (the customer's name is a script), on any serious or critical
accessibility violation axe-core reports, and on anything the flow does not show.
"""

import re
import sys

from playwright.sync_api import expect, sync_playwright

BASE, AXE = sys.argv[1], sys.argv[2]
SHOTS = sys.argv[3] if len(sys.argv) > 3 else None
CLIENT = f"{BASE}/c/halvferdig"
LOGO = __file__.rsplit("/", 3)[0] + "/fixtures/fjord-logo.jpg"
NAME = '<script>alert(1)</script> & "Ærlig" Sønn'
dialogs = []


def accessible(page, what):
    """axe-core on the page as it is: no serious or critical violation."""
    found = page.evaluate(
        """async () => (await axe.run(document, {resultTypes: ['violations']})).violations
              .map(v => ({id: v.id, impact: v.impact, help: v.help,
                          nodes: v.nodes.slice(0, 3).map(n => n.html)}))"""
    )
    bad = [v for v in found if v["impact"] in ("serious", "critical")]
    assert not bad, f"{what}: {bad}"


def shot(page, name):
    if SHOTS:
        page.screenshot(path=f"{SHOTS}/{name}.png", full_page=True)


def settled(page):
    """htmx has swapped and settled (what it swapped in listens to input from then on).
    Polled from here: Playwright's wait_for_function polls with eval in the page, which the
    console's CSP (rightly) refuses."""
    busy = "!!document.querySelector('.htmx-request, .htmx-swapping, .htmx-settling, .htmx-added')"
    for _ in range(300):
        if not page.evaluate(busy):
            return
        page.wait_for_timeout(50)
    raise AssertionError("htmx did not settle in 15 s")


def saved(page):
    expect(page.locator("#save-state")).to_contain_text(re.compile("Lagret|Saved"))


def activation_refused_then_accepted(page):
    page.goto(f"{CLIENT}/")
    accessible(page, "information page")
    page.get_by_role("button", name="Aktiver").click()
    problems = page.locator(".problems li a")
    expect(problems.first).to_be_visible()
    fields = problems.all_inner_texts()
    # Each named as the settings form names it.
    for f in ["Organisasjonsnummer", "Gateadresse", "Kontonummer",
              "Kanaler, i den rekkefølgen de skal prøves", "MVA-registrert"]:
        assert f in fields, fields
    # Each problem links to its field in Innstillinger.
    page.get_by_role("link", name="Organisasjonsnummer").click()
    expect(page).to_have_url(re.compile(r"/innstillinger#field-organisation-number$"))
    expect(page.locator("#field-organisation-number-error")).to_be_visible()
    accessible(page, "settings")
    page.fill("#field-organisation-number", "974761106")
    page.fill("#field-address-street", "Kirkegata 2")
    page.fill("#field-address-postcode", "0153")
    page.fill("#field-address-city", "Oslo")
    page.fill("#field-address-country", "NO")
    page.fill("#field-bank-account", "86011117947")
    page.fill("#field-bic", "DNBANOKK")
    page.select_option("#field-vat-registered", "true")
    page.select_option("#field-foretaksregisteret", "true")
    page.check("input[name=template][value=modern]")
    page.select_option("#channel-0", "email")
    page.select_option("#channel-1", "print")
    page.fill("#field-invoice-start-number", "5001")
    page.fill("#field-payment-terms-days", "14")
    page.fill("#field-kid-length", "8")
    page.select_option("#field-kid-algorithm", "mod10")
    page.fill("#field-kid-customer-digits", "3")
    page.select_option("#field-language", "nb")
    page.set_input_files("#field-logo", LOGO)
    page.get_by_role("button", name="Lagre").click()
    expect(page.locator(".saved")).to_be_visible()
    assert page.locator(".field-error").count() == 0, page.locator(".field-error").all_inner_texts()
    # The way on is on the page: Aktiver, from the settings themselves.
    page.get_by_role("button", name="Aktiver").click()
    expect(page).to_have_url(re.compile(r"/oversikt"))


def settings_that_would_stop_invoicing_are_refused_while_active(page):
    page.goto(f"{CLIENT}/innstillinger")
    page.fill("#field-bank-account", "1234")
    page.get_by_role("button", name="Lagre").click()
    expect(page.get_by_role("alert")).to_contain_text("Ikke lagret")
    expect(page.locator("#field-bank-account-error")).to_be_visible()
    page.goto(f"{CLIENT}/innstillinger")
    expect(page.locator("#field-bank-account")).to_have_value("86011117947")


def registers(page):
    page.goto(f"{CLIENT}/kunder/ny")
    accessible(page, "customer form")
    # Consent to eFaktura is looked up or stated, never assumed.
    expect(page.locator("#c-efaktura")).to_have_value("not-found")
    page.fill("#c-id", "xss")
    page.fill("#c-number", "77")
    page.fill("#c-name", NAME)
    # As people type it: stored as its 9 digits, and every EHF to the customer is valid.
    page.fill("#c-orgnr", "914 778 271")
    page.fill("#c-street", "Gata 1")
    page.fill("#c-postcode", "0150")
    page.fill("#c-city", "Oslo")
    page.fill("#c-email", "kunde@example.no")
    page.get_by_role("button", name="Lagre").click()
    expect(page.get_by_role("cell", name=NAME, exact=True)).to_be_visible()
    # The customer number is part of every KID: a second customer cannot take it, and a name
    # on two lines or an organisation number that is none are named and kept for correcting.
    page.goto(f"{CLIENT}/kunder/ny")
    page.fill("#c-id", "kopi")
    page.fill("#c-number", "77")
    page.fill("#c-name", "Kopi AS")
    page.fill("#c-orgnr", "123")
    page.get_by_role("button", name="Lagre").click()
    # In the user's language, never the code's (the field by its label, the problem in words).
    expect(page.locator(".problems")).to_contain_text("Nummer: er alt brukt av")
    expect(page.locator(".problems")).to_contain_text("ikke et gyldig organisasjonsnummer")
    expect(page.locator("#c-name")).to_have_value("Kopi AS")
    assert "_csrf" not in page.url and "token" not in page.url, page.url
    # Post/redirect/get: the refusal is a page of its own, and a reload posts nothing again.
    assert "vist=" in page.url, page.url
    page.reload()
    expect(page.locator("body")).to_contain_text("er alt brukt av")
    page.goto(f"{CLIENT}/kunder")
    expect(page.get_by_role("cell", name="Kopi AS", exact=True)).to_have_count(0)
    page.goto(f"{CLIENT}/produkter/ny")
    page.fill("#p-id", "konsulent")
    page.fill("#p-name", "Konsulenttime")
    # Units and VAT codes are offered by name; the contract's codes are what is sent.
    expect(page.locator("#p-unit option[value=HUR]")).to_have_text("Timer")
    expect(page.locator("#p-vat option:checked")).to_have_text("25 % (høy sats)")
    page.select_option("#p-unit", "HUR")
    page.fill("#p-price", "1 200")
    page.get_by_role("button", name="Lagre").click()
    row = page.get_by_role("row").filter(has=page.get_by_role("cell", name="Konsulenttime", exact=True))
    expect(row).to_contain_text("Timer")
    expect(row).to_contain_text(re.compile("1\u00a0200(,00)?"))
    expect(row).to_contain_text("25 % (høy sats)")
    # A new product refused for its price stays a new product: corrected, it is saved (the
    # form never posts to a product that does not exist); left without an id, it gets one
    # from its name.
    page.goto(f"{CLIENT}/produkter/ny")
    page.fill("#p-name", "Kurs på kveld")
    page.fill("#p-price", "mye")
    page.get_by_role("button", name="Lagre").click()
    expect(page.locator(".problems")).to_contain_text("må være et tall")
    expect(page.locator("#p-name")).to_have_value("Kurs på kveld")
    page.fill("#p-price", "1 500")
    page.get_by_role("button", name="Lagre").click()
    expect(page.get_by_role("cell", name="Kurs på kveld", exact=True)).to_be_visible()
    expect(page.locator("a[href$='/produkter/kurs-pa-kveld']")).to_have_count(1)
    # A new customer is offered the next free number, and an id from its name.
    page.goto(f"{CLIENT}/kunder/ny")
    assert int(page.input_value("#c-number")) > 77
    page.fill("#c-name", "Nordlys Bakeri")
    page.fill("#c-street", "Gata 2")
    page.fill("#c-postcode", "0150")
    page.fill("#c-city", "Oslo")
    page.fill("#c-email", "bakeri@example.no")
    page.get_by_role("button", name="Lagre").click()
    expect(page.get_by_role("cell", name="Nordlys Bakeri", exact=True)).to_be_visible()
    expect(page.locator("a[href$='/kunder/nordlys-bakeri']")).to_have_count(1)
    # Kunder: search with a count of hits, and columns that sort both ways.
    total = page.locator("#list tbody tr").count()
    expect(page.locator("#hits")).to_have_text(f"{total} i alt")
    page.fill("#list-q", "bakeri oslo")
    page.get_by_role("button", name="Søk", exact=True).click()
    expect(page.locator("#list tbody tr")).to_have_count(1)
    expect(page.locator("#hits")).to_have_text(f"1 treff av {total}")
    page.fill("#list-q", "")
    page.get_by_role("button", name="Søk", exact=True).click()
    page.get_by_role("link", name="Navn", exact=True).click()
    expect(page.locator("th[aria-sort=ascending]")).to_contain_text("Navn")
    names = page.locator("#list tbody tr td:nth-child(2)").all_inner_texts()
    assert names == sorted(names, key=str.lower), names
    page.get_by_role("link", name=re.compile("^Navn")).click()
    expect(page.locator("th[aria-sort=descending]")).to_contain_text("Navn")
    assert page.locator("#list tbody tr td:nth-child(2)").all_inner_texts() == names[::-1]
    accessible(page, "customers")


def draft_with_three_lines(page, context):
    page.goto(f"{CLIENT}/oversikt")
    page.get_by_role("link", name="Ny faktura").first.click()
    page.fill("#customer-search", "Ærlig")
    page.locator("#customer-hits button").first.click()
    expect(page.locator("h1")).to_contain_text(NAME)
    url = page.url
    # A product the register does not hold is named, and nothing is added.
    page.fill("#new-product", "ingen-slik")
    page.get_by_role("button", name=re.compile("Legg til \\(Fra produktregisteret")).click()
    expect(page.locator("#save-state")).to_contain_text("ingen-slik")
    expect(page.locator("tbody tr[id^=line-]")).to_have_count(0)
    settled(page)
    page.fill("#new-product", "konsulent")
    page.fill("#new-product-quantity", "2")
    page.get_by_role("button", name=re.compile("Legg til \\(Fra produktregisteret")).click()
    expect(page.locator("tbody tr[id^=line-]")).to_have_count(1)
    settled(page)
    page.fill("#new-description", "Reise")
    page.fill("#new-price", "500")
    page.get_by_role("button", name=re.compile("Legg til \\(Fritekst")).click()
    expect(page.locator("tbody tr[id^=line-]")).to_have_count(2)
    # The keyboard stays where the person works: on the next line's first field.
    expect(page.locator("#new-description")).to_be_focused()
    settled(page)
    # A line the component refuses keeps what was typed, for correcting.
    page.fill("#new-description", "Gebyr")
    page.fill("#new-price", "tolv")
    page.get_by_role("button", name=re.compile("Legg til \\(Fritekst")).click()
    # The component's problem as a case, worded by the console: no English reaches the page.
    expect(page.locator("#save-state")).to_contain_text("Linje 3, Pris: «tolv» er ikke et tall")
    expect(page.locator("#new-description")).to_have_value("Gebyr")
    expect(page.locator("#new-price")).to_have_value("tolv")
    expect(page.locator("tbody tr[id^=line-]")).to_have_count(2)
    page.fill("#new-description", "")
    page.fill("#new-price", "")
    # Reloaded mid-way: nothing is lost.
    page.reload()
    expect(page.locator("tbody tr[id^=line-]")).to_have_count(2)
    page.fill("#new-description", "Kaffe")
    page.fill("#new-quantity", "3")
    page.fill("#new-price", "49.90")
    page.select_option("#new-vat", "15")
    page.get_by_role("button", name=re.compile("Legg til \\(Fritekst")).click()
    expect(page.locator("tbody tr[id^=line-]")).to_have_count(3)
    expect(page.locator("#payable")).to_have_text("3 797,16")
    # Reordered: the first line down one place, and back.
    page.get_by_role("button", name="↓ Flytt ned 1").click()
    expect(page.locator("tbody tr[id^=line-] input[id^=description-]").first).to_have_value("Reise")
    page.get_by_role("button", name="↑ Flytt opp 2").click()
    expect(page.locator("tbody tr[id^=line-] input[id^=description-]").first).to_have_value("Konsulenttime")
    settled(page)
    # Totals follow typing: 3 hours instead of 2.
    first = page.locator("tbody tr[id^=line-] input[id^=quantity-]").first
    first.fill("3")
    expect(page.locator("#payable")).to_have_text("5 297,16")
    saved(page)
    accessible(page, "draft")
    shot(page, "console-draft")
    # The same draft in a second tab: its save meets the change made in the first.
    other = context.new_page()
    other.goto(url)
    page.fill("#buyer", "PO-1")
    page.locator("#buyer").blur()
    saved(page)
    other.fill("#buyer", "PO-2")
    other.locator("#buyer").blur()
    expect(other.locator("#save-state")).to_contain_text("endret et annet sted")
    other.get_by_role("link", name="Last inn på nytt").click()
    expect(other.locator("#buyer")).to_have_value("PO-1")
    other.close()
    return url


def two_tabs_never_lose_an_edit(browser, url):
    """One draft open in two browsers (two contexts, as two people or two windows would have
    it). A conflict stays a conflict until the tab reloads, and no save writes a field its
    user did not change in it: B's stale quantity never overwrites A's."""
    tabs = []
    for _ in range(2):
        ctx = browser.new_context(locale="nb-NO")
        tab = ctx.new_page()
        tab.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
        tab.goto(url)
        tabs.append(tab)
    a, b = tabs

    def idle(tab):
        # No request in flight, nothing swapping (a locator, not an evaluated string: these
        # contexts run under the console's CSP, which allows no eval).
        expect(tab.locator(".htmx-request, .htmx-swapping, .htmx-settling")).to_have_count(0)

    third = lambda tab, field: tab.locator(f"tbody tr[id^=line-] input[id^={field}-]").nth(2)
    second = lambda tab, field: tab.locator(f"tbody tr[id^=line-] input[id^={field}-]").nth(1)
    before = third(a, "quantity").input_value()
    third(a, "quantity").fill("4")
    third(a, "quantity").blur()
    saved(a)
    idle(a)
    second(b, "price").fill("600")
    second(b, "price").blur()
    expect(b.locator("#save-state")).to_contain_text("endret et annet sted")
    idle(b)
    # B goes on typing in the page it has: still a conflict, nothing written.
    third(b, "description").fill("Kaffe og kaker")
    third(b, "description").blur()
    expect(b.locator("#save-state")).to_contain_text("endret et annet sted")
    idle(b)
    a.reload()
    expect(third(a, "quantity")).to_have_value("4")
    expect(third(a, "description")).to_have_value("Kaffe")
    expect(second(a, "price")).not_to_have_value("600")
    # Reloaded, B sees A's quantity, and its own edit of another field leaves it alone.
    b.get_by_role("link", name="Last inn på nytt").click()
    expect(third(b, "quantity")).to_have_value("4")
    third(b, "description").fill("Kaffe og kaker")
    third(b, "description").blur()
    saved(b)
    a.reload()
    expect(third(a, "quantity")).to_have_value("4")
    expect(third(a, "description")).to_have_value("Kaffe og kaker")
    # Back as it was, for the rest of the flow.
    third(a, "quantity").fill(before)
    third(a, "quantity").blur()
    saved(a)
    third(a, "description").fill("Kaffe")
    third(a, "description").blur()
    saved(a)
    for tab in tabs:
        tab.context.close()


def preview_and_send(page, url):
    page.goto(url)
    page.get_by_role("link", name="Forhåndsvis faktura").click()
    expect(page.locator("iframe.pdf")).to_be_visible()
    pdf = page.request.get(f"{url}/pdf")
    assert pdf.headers["content-type"] == "application/pdf"
    assert pdf.body().startswith(b"%PDF")
    if SHOTS:
        # Headless Chromium has no PDF viewer: for the picture, the viewer's place shows the
        # same PDF's first page, rasterised by pdftoppm.
        import base64, subprocess, tempfile
        with tempfile.TemporaryDirectory() as d:
            open(f"{d}/p.pdf", "wb").write(pdf.body())
            subprocess.run(["pdftoppm", "-png", "-r", "80", "-f", "1", "-l", "1", f"{d}/p.pdf", f"{d}/p"], check=True)
            png = base64.b64encode(open(f"{d}/p-1.png", "rb").read()).decode()
        # A context of its own, without our CSP, which would refuse the data: image.
        pictured = page.context.browser.new_context(bypass_csp=True, viewport={"width": 1280, "height": 900})
        view = pictured.new_page()
        view.goto(page.url)
        view.evaluate(
            """png => { const f = document.querySelector('iframe.pdf'); const i = document.createElement('img');
                       i.src = 'data:image/png;base64,' + png; i.alt = ''; i.style.border = '1px solid #d0d4d9';
                       i.style.maxWidth = '100%'; f.replaceWith(i); }""",
            png,
        )
        view.wait_for_timeout(300)
        shot(view, "console-preview")
        pictured.close()
    page.get_by_role("link", name="Fakturer og send").first.click()
    # The confirmation says what will happen: the number, the due date, the amount, and the
    # channel with why; and the way back goes to the draft.
    expect(page.locator("#plan-number")).to_have_text("5001")
    expect(page.locator("#plan-due")).to_have_text(re.compile(r"^\d\d\.\d\d\.\d{4}$"))
    expect(page.locator("#plan-payable")).to_have_text("5\u00a0297,16 kr")
    expect(page.locator("#plan-channel")).to_contain_text("E-post")
    expect(page.get_by_role("link", name="Tilbake til utkastet")).to_have_attribute("href", re.compile(r"/utkast/"))
    accessible(page, "confirmation")
    page.get_by_role("button", name="Bekreft: fakturer og send").click()
    expect(page.locator("#doc-number")).to_have_text("5001")
    expect(page.locator("#doc-kid")).to_be_visible()
    expect(page.locator("#deliveries")).to_contain_text("E-post")
    expect(page.locator("#doc-voucher")).to_have_text("5001")
    ehf = page.request.get(f"{page.url}/ehf")
    assert ehf.status == 200 and ehf.headers["content-type"].startswith("application/xml"), ehf.status
    assert b"<cbc:ID>5001</cbc:ID>" in ehf.body()
    expect(page.locator("#deliveries")).to_contain_text("Levert", timeout=15000)
    accessible(page, "invoice")
    return page.url


def payments_screen(page, invoice_url, files):
    """Innbetalinger: the bank's camt.054 (written by lxml, tests/bank/write_bank_file.py)
    pays half of the invoice by its KID and brings a payment with an unknown KID; a person
    gives that one to the invoice, which turns "Betalt"."""
    sys.path.insert(0, __file__.rsplit("/", 2)[0] + "/bank")
    import write_bank_file

    page.goto(invoice_url)
    kid = page.locator("#doc-kid").inner_text()
    payable = page.locator("#doc-payable").inner_text().replace("\u00a0", "").replace(" ", "").replace(",", ".")
    half = f"{float(payable) / 2:.2f}"
    rest = f"{float(payable) - float(half):.2f}"
    # A valid KID of this client's (8 digits, MOD10) that no invoice carries.
    base = "9999999"
    total = sum(sum(divmod(int(d) * (2 if i % 2 == 0 else 1), 10)) for i, d in enumerate(reversed(base)))
    unknown = base + str((10 - total % 10) % 10)
    spec = {"account": "86011117947", "payments": [
        {"ref": "B-1", "kid": kid, "amount": half, "date": "2026-11-28", "payer": "Ærlig Sønn"},
        {"ref": "B-2", "kid": unknown, "amount": rest, "date": "2026-11-28", "payer": "Ukjent betaler"},
    ]}
    path = f"{files}/camt054.xml"
    open(path, "wb").write(write_bank_file.camt(spec, "02"))
    page.get_by_role("link", name="Innbetalinger").click()
    accessible(page, "payments")
    page.set_input_files("#bankfil", path)
    page.get_by_role("button", name="Les inn").click()
    expect(page.locator("[role=status]")).to_contain_text("2 –")
    rows = page.locator("#payments tbody tr")
    expect(rows).to_have_count(2)
    expect(page.locator("#payments")).to_contain_text("Delvis betalt")
    expect(page.locator("#payments")).to_contain_text("Ukjent KID")
    # The same file again: nothing registered twice.
    page.set_input_files("#bankfil", path)
    page.get_by_role("button", name="Les inn").click()
    expect(page.locator("[role=status]")).to_contain_text("allerede registrert")
    expect(rows).to_have_count(2)
    shot(page, "console-payments")
    waiting = page.locator("select[id^=fordel-]")
    expect(waiting).to_have_count(1)
    waiting.select_option(index=1)
    page.get_by_role("button", name="Fordel").click()
    expect(page.locator("select[id^=fordel-]")).to_have_count(0)
    expect(page.locator("#payments")).to_contain_text("Betalt")
    page.goto(invoice_url)
    expect(page.locator("#doc-money")).to_have_text("Betalt")
    expect(page.locator("#doc-open")).to_have_text("0,00")
    expect(page.locator("#doc-payments tbody tr")).to_have_count(2)
    page.goto(f"{CLIENT}/oversikt?betaling=betalt")
    expect(page.locator("#rows tbody tr")).to_have_count(1)
    accessible(page, "overview by payment")
    page.goto(f"{CLIENT}/kunder/xss/saldo")
    expect(page.locator("#balance")).to_have_text("0,00")
    expect(page.locator("#open-items")).to_contain_text("Ingen åpne poster")
    accessible(page, "customer balance")


def overview_filtered(page):
    page.goto(f"{CLIENT}/oversikt")
    page.select_option("#f-kunde", "xss")
    page.fill("#f-ref", "PO-1")
    page.get_by_role("button", name="Filtrer").click()
    rows = page.locator("#rows tbody tr")
    expect(rows).to_have_count(1)
    expect(rows.first).to_contain_text("5001")
    expect(rows.first).to_contain_text(NAME)
    accessible(page, "overview")
    # Searched as the page reads (the amount as it is shown), counted, sorted either way.
    page.goto(f"{CLIENT}/oversikt")
    page.fill("#f-q", "5 297,16")
    page.get_by_role("button", name="Filtrer").click()
    expect(page.locator("#hits")).to_have_text("1 treff")
    expect(rows.first).to_contain_text("5001")
    page.goto(f"{CLIENT}/oversikt")
    page.get_by_role("link", name="Nummer").click()
    expect(page.locator("th[aria-sort=ascending]")).to_have_text(re.compile("Nummer"))
    numbers = [t for t in page.locator("#rows tbody td:nth-child(2)").all_inner_texts() if t]
    assert numbers == sorted(numbers, key=int), numbers
    page.get_by_role("link", name=re.compile("Nummer")).click()
    expect(page.locator("th[aria-sort=descending]")).to_have_text(re.compile("Nummer"))
    down = [t for t in page.locator("#rows tbody td:nth-child(2)").all_inner_texts() if t]
    assert down == sorted(numbers, key=int, reverse=True), down
    accessible(page, "overview sorted")


def credit_partly_then_fully(page, invoice_url):
    page.goto(invoice_url)
    page.locator("summary", has_text="Handlinger").click()
    page.get_by_role("link", name="Krediter faktura").click()
    accessible(page, "credit form")
    page.locator("input[id^=qty-]").first.fill("1")
    page.fill("#reason-lines", "Én time for mye")
    page.get_by_role("button", name="Krediter linjer").click()
    expect(page.locator("h1")).to_contain_text("Kreditnota")
    expect(page.locator("#doc-payable")).to_have_text("1 500,00")
    page.goto(invoice_url)
    expect(page.locator("dl.facts")).to_contain_text("Delvis kreditert")
    # What is left, as the component says it, by the invoice's own lines: one hour off line 1.
    page.goto(f"{invoice_url}/krediter")
    left = page.locator("tbody tr[id^=left-] .left")
    expect(left).to_have_text(["2 Timer · 2 400,00", "1 Stk · 500,00", "3 Stk · 149,70"])
    # Line 2 by amount, then by quantity: the rest goes by amount, and the note reads true.
    page.locator("input[id^=amount-]").nth(1).fill("100")
    page.fill("#reason-lines", "Avslag på reisen")
    page.get_by_role("button", name="Krediter linjer").click()
    expect(page.locator("#doc-payable")).to_have_text("125,00")
    page.goto(f"{invoice_url}/krediter")
    expect(left).to_have_text(["2 Timer · 2 400,00", "1 Stk · 400,00", "3 Stk · 149,70"])
    expect(page.locator("tbody tr[id^=left-]").nth(1)).to_contain_text("resten krediteres som beløp")
    page.locator("input[id^=qty-]").nth(1).fill("1")
    page.fill("#reason-lines", "Reisen ble avlyst")
    page.get_by_role("button", name="Krediter linjer").click()
    expect(page.locator("#doc-payable")).to_have_text("500,00")
    expect(page.locator("body")).to_contain_text("Kreditering: Reise")
    page.goto(f"{invoice_url}/krediter")
    expect(left).to_have_text(["2 Timer · 2 400,00", "1 Stk · 0,00", "3 Stk · 149,70"])
    page.fill("#reason-all", "Feil kunde")
    page.get_by_role("button", name="Krediter hele fakturaen").click()
    expect(page.locator("h1")).to_contain_text("Kreditnota")
    page.goto(invoice_url)
    expect(page.locator("dl.facts")).to_contain_text("Kreditert")


def deactivate_and_back(page, invoice_url):
    page.goto(f"{CLIENT}/oversikt")
    page.get_by_role("link", name="Deaktiver enkel fakturering").click()
    page.get_by_label("Hva er årsaken til at du deaktiverer?").fill("Vi prøver noe annet")
    page.get_by_role("button", name="Deaktiver enkel fakturering").click()
    expect(page.get_by_role("button", name="Aktiver")).to_be_visible()
    # Issued documents are records: readable, PDF and all, while the module is off.
    page.goto(invoice_url)
    expect(page.locator("#doc-number")).to_have_text("5001")
    pdf = page.request.get(f"{invoice_url}/pdf")
    assert pdf.status == 200 and pdf.body().startswith(b"%PDF"), pdf.status
    page.goto(f"{CLIENT}/")
    page.get_by_role("button", name="Aktiver").click()
    expect(page.locator("#rows tbody tr")).to_have_count(5)
    shot(page, "console-overview")


def english(page, invoice_url):
    """Under the English switch, English words and formats: 5,297.16, Hours, the standard rate."""
    page.goto(f"{CLIENT}/oversikt")
    page.get_by_role("link", name="English").click()
    expect(page.locator("h1")).to_have_text("Overview")
    expect(page.locator("html")).to_have_attribute("lang", "en")
    expect(page.locator("#rows")).to_contain_text("5,297.16")
    page.goto(invoice_url)
    expect(page.locator("#doc-payable")).to_have_text("5,297.16")
    expect(page.locator("#doc-lines")).to_contain_text("Hours")
    expect(page.locator("#doc-lines")).to_contain_text("25 % (standard rate)")
    expect(page.locator("#doc-lines")).to_contain_text("15 % (reduced rate)")
    expect(page.locator("#deliveries")).to_contain_text("E-mail")
    page.goto(f"{CLIENT}/produkter")
    expect(page.locator("#list")).to_contain_text(re.compile(r"1,200(\.00)?"))
    expect(page.locator("#hits")).to_contain_text("in all")
    page.goto(f"{CLIENT}/oversikt")
    page.get_by_role("link", name="Bokmål").click()
    expect(page.locator("h1")).to_have_text("Oversikt")


def by_keyboard(page):
    """A draft made, a line added and the invoice sent with the keyboard alone."""
    page.goto(f"{CLIENT}/ny")

    def tab_to(selector, limit=60):
        for _ in range(limit):
            page.keyboard.press("Tab")
            if page.evaluate(f"document.activeElement.matches({selector!r})"):
                return
        raise AssertionError(f"Tab never reached {selector}")

    tab_to("#customer-search")
    page.keyboard.type("Ærlig")
    expect(page.locator("#customer-hits button")).to_have_count(1)
    tab_to("#customer-hits button")
    page.keyboard.press("Enter")
    expect(page.locator("h1")).to_contain_text(NAME)
    page.wait_for_load_state()
    tab_to("#new-description")
    page.keyboard.type("Kurs")
    tab_to("#new-price")
    # As Norwegians type a price: a space between thousands, a decimal comma.
    page.keyboard.type("1 234,50")
    tab_to("button[value=add-free]")
    page.keyboard.press("Enter")
    expect(page.locator("tbody tr[id^=line-]")).to_have_count(1)
    tab_to("a.button.primary")
    page.keyboard.press("Enter")
    expect(page.get_by_role("button", name="Bekreft: fakturer og send")).to_be_visible()
    tab_to("button.primary")
    page.keyboard.press("Enter")
    expect(page.locator("#doc-number")).to_have_text("5006")
    expect(page.locator("#doc-payable")).to_have_text("1 543,13")


def copy_then_delete(page, invoice_url):
    """"Kopier faktura" makes a new draft with the invoice's customer, references and lines.
    "Slett utkast" asks, says what is lost, and can be cancelled; then the draft is gone.
    Pages are never cached (a form's token is this tab's), and the tab has its icon."""
    page.goto(invoice_url)
    page.locator("details.menu summary").click()
    page.get_by_role("button", name="Kopier faktura").click()
    expect(page).to_have_url(re.compile(r"/utkast/"))
    expect(page.locator("h1")).to_contain_text(NAME)
    expect(page.locator("tbody tr[id^=line-]")).to_have_count(3)
    expect(page.locator("tbody tr[id^=line-] input[id^=description-]").first).to_have_value("Konsulenttime")
    expect(page.locator("#buyer")).to_have_value("PO-1")
    draft = page.url
    page.get_by_role("link", name="Slett utkast").click()
    expect(page.locator("h1")).to_have_text("Slett utkast?")
    expect(page.locator("main")).to_contain_text("slettes for godt")
    accessible(page, "delete confirmation")
    page.get_by_role("link", name="Avbryt").click()
    expect(page).to_have_url(draft)
    page.get_by_role("link", name="Slett utkast").click()
    page.get_by_role("button", name="Slett utkast").click()
    expect(page).to_have_url(re.compile(r"/oversikt"))
    assert page.request.get(draft).status == 404
    r = page.request.get(f"{CLIENT}/oversikt")
    assert r.headers.get("cache-control") == "no-store", r.headers
    icon = page.request.get(f"{BASE}/favicon.ico")
    assert icon.status == 200 and icon.headers["content-type"] == "image/svg+xml"
    expect(page).to_have_title(re.compile(r"^Oversikt – Fakturering – "))


def on_a_phone(browser, invoice_url):
    """At 390 px, no page of the flow scrolls sideways (a wide table scrolls inside itself),
    and the menu is still there."""
    phone = browser.new_context(locale="nb-NO", viewport={"width": 390, "height": 844})
    page = phone.new_page()
    page.goto(f"{CLIENT}/ny")
    page.fill("#customer-search", "Ærlig")
    page.locator("#customer-hits button").first.click()
    expect(page.locator("h1")).to_contain_text(NAME)
    draft = page.url
    page.fill("#new-description", "Kurs")
    page.fill("#new-price", "1 234,50")
    page.get_by_role("button", name=re.compile("Legg til \\(Fritekst")).click()
    expect(page.locator("tbody tr[id^=line-]")).to_have_count(1)
    urls = [f"{CLIENT}{p}" for p in ["/oversikt", "/ny", "/kunder", "/kunder/ny", "/produkter",
                                     "/produkter/ny", "/innstillinger", "/innbetalinger",
                                     "/deaktiver"]]
    urls += [draft, f"{draft}/fakturer", f"{draft}/slett", f"{draft}/forhandsvis", invoice_url,
             f"{invoice_url}/krediter"]
    for url in urls:
        page.goto(url)
        wide = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
        culprits = page.evaluate(
            """() => [...document.querySelectorAll('body *')]
                 .filter(e => e.getBoundingClientRect().right > window.innerWidth + 1)
                 .filter(e => !e.parentElement.closest('table, .scroll'))
                 .slice(0, 4).map(e => e.tagName + '.' + e.className + '#' + e.id + ' '
                                     + Math.round(e.getBoundingClientRect().right))""")
        assert wide <= 0, f"{url}: the page scrolls sideways by {wide} px at 390 px: {culprits}"
        expect(page.get_by_role("link", name="Oversikt").first).to_be_visible()
    page.goto(draft)
    shot(page, "console-phone")
    page.get_by_role("link", name="Slett utkast").click()
    page.get_by_role("button", name="Slett utkast").click()
    phone.close()


def isolated(page, invoice_url):
    doc = invoice_url.rsplit("/", 1)[1]
    for other in ["fjord", "nordlys"]:
        page.goto(f"{BASE}/c/{other}/")
        page.get_by_role("button", name="Aktiver").click()
        expect(page).to_have_url(re.compile(r"/oversikt"))
        r = page.request.get(f"{BASE}/c/{other}/dokument/{doc}")
        assert r.status == 404, (other, r.status)
        r = page.request.get(f"{BASE}/c/{other}/dokument/{doc}/pdf")
        assert r.status == 404, (other, r.status)
    r = page.request.post(f"{CLIENT}/aktiver")
    assert r.status == 403, f"a POST without the CSRF token: {r.status}"
    r = page.request.post(f"{CLIENT}/aktiver", headers={"Origin": "http://evil.example"})
    assert r.status == 403, f"a POST from another origin: {r.status}"


with sync_playwright() as p:
    browser = p.chromium.launch(executable_path="/usr/bin/chromium", args=["--no-sandbox"])
    context = browser.new_context(locale="nb-NO", viewport={"width": 1280, "height": 900})
    context.add_init_script(path=AXE)
    page = context.new_page()
    page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
    activation_refused_then_accepted(page)
    settings_that_would_stop_invoicing_are_refused_while_active(page)
    registers(page)
    url = draft_with_three_lines(page, context)
    two_tabs_never_lose_an_edit(browser, url)
    invoice = preview_and_send(page, url)
    import tempfile
    with tempfile.TemporaryDirectory() as files:
        payments_screen(page, invoice, files)
    overview_filtered(page)
    credit_partly_then_fully(page, invoice)
    deactivate_and_back(page, invoice)
    english(page, invoice)
    by_keyboard(page)
    copy_then_delete(page, invoice)
    on_a_phone(browser, invoice)
    isolated(page, invoice)
    assert not dialogs, f"a dialog opened: {dialogs}"
    browser.close()
print("console flow: ok")
