"""A webhook receiver as a customer's system would run one: it checks every signature
(HMAC-SHA256 over "<t>.<body>" with the endpoint's secret, Stripe's scheme) and logs each
delivery. Usage: receiver.py SECRET LOG [DELAY_MS [CERT KEY]]: over HTTPS with CERT and KEY.
Prints its port, then serves until killed.
Each log line: "<ok|bad> <event id> <type>"."""
import hashlib
import hmac
import json
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

secret, log = sys.argv[1].encode(), open(sys.argv[2], "a", buffering=1)
delay = int(sys.argv[3]) / 1000 if len(sys.argv) > 3 else 0
lock = threading.Lock()


class Hook(BaseHTTPRequestHandler):
    def do_POST(self):
        body = self.rfile.read(int(self.headers["content-length"]))
        parts = dict(p.split("=", 1) for p in self.headers.get("invoicing-signature", "").split(","))
        want = hmac.new(secret, parts.get("t", "").encode() + b"." + body, hashlib.sha256).hexdigest()
        event = json.loads(body)
        ok = (hmac.compare_digest(want, parts.get("v1", ""))
              and abs(time.time() - int(parts.get("t", "0"))) < 300
              and self.headers.get("invoicing-event-id") == event["id"])
        time.sleep(delay)
        with lock:
            log.write(f"{'ok' if ok else 'bad'} {event['id']} {event['type']}\n")
        self.send_response(200 if ok else 400)
        self.send_header("content-length", "0")
        self.end_headers()

    def log_message(self, *args):
        pass


server = ThreadingHTTPServer(("127.0.0.1", 0), Hook)
if len(sys.argv) > 5:
    import ssl
    tls = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    tls.load_cert_chain(sys.argv[4], sys.argv[5])
    server.socket = tls.wrap_socket(server.socket, server_side=True)
print(server.server_address[1], flush=True)
server.serve_forever()
