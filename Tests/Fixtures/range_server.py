"""A loopback HTTP server for download tests (stdlib only).

Serves DIRECTORY under /<repo>/resolve/main/<path>, honours `Range: bytes=N-`, and cuts the first
response for CUT_FILE after CUT_BYTES bytes (declaring the full length) to simulate a dropped connection.
Prints its port on the first line of stdout, logs each request's path and Range header to stderr.
Usage: range_server.py DIRECTORY [CUT_FILE CUT_BYTES]
"""
import http.server
import os
import sys

ROOT = sys.argv[1]
CUT_FILE = sys.argv[2] if len(sys.argv) > 3 else None
CUT_BYTES = int(sys.argv[3]) if len(sys.argv) > 3 else 0
cut_done = False


class Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def do_GET(self):
        global cut_done
        parts = self.path.split("/resolve/main/", 1)
        path = os.path.join(ROOT, parts[1]) if len(parts) == 2 else ""
        sys.stderr.write(f"GET {self.path} range={self.headers.get('Range')}\n")
        sys.stderr.flush()
        if not path or not os.path.isfile(path):
            self.send_response(404)
            self.send_header("Content-Length", "0")
            self.end_headers()
            return
        data = open(path, "rb").read()
        start = 0
        if self.headers.get("Range", "").startswith("bytes="):
            start = int(self.headers["Range"][6:].split("-")[0])
            if start >= len(data):
                self.send_response(416)
                self.send_header("Content-Range", f"bytes */{len(data)}")
                self.send_header("Content-Length", "0")
                self.end_headers()
                return
            self.send_response(206)
            self.send_header("Content-Range", f"bytes {start}-{len(data) - 1}/{len(data)}")
        else:
            self.send_response(200)
        body = data[start:]
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if CUT_FILE and parts[1] == CUT_FILE and not cut_done:
            cut_done = True
            self.wfile.write(body[:CUT_BYTES])
            self.wfile.flush()
            self.close_connection = True
            self.connection.shutdown(2)
            return
        self.wfile.write(body)

    def log_message(self, *args):
        pass


server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
print(server.server_address[1], flush=True)
server.serve_forever()
