# A real web server for lvs-check's tests: Python's http.server serving a
# directory, with a few extra paths that show what the check sent. Run as
#   web_server.py DIR BIND_ADDR PORT [CERT KEY]
# With CERT and KEY it speaks TLS (and records the SNI the client sent).
import http.server, socket, ssl, sys, time

directory, bind, port = sys.argv[1], sys.argv[2], int(sys.argv[3])
tls = None
if len(sys.argv) > 5:
    tls = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    tls.load_cert_chain(sys.argv[4], sys.argv[5])
    def remember_sni(sock, name, _ctx):
        sock.sni = name
    tls.sni_callback = remember_sni


class Handler(http.server.SimpleHTTPRequestHandler):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, directory=directory, **kwargs)

    def log_message(self, *args):
        pass

    def reply(self, body, extra=()):
        body = body.encode()
        self.send_response(200)
        for name, value in extra:
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)
        self.wfile.flush()

    def do_GET(self):
        if self.path == "/whoami":
            sni = getattr(self.request, "sni", None)
            self.reply(f"{self.command} {self.request_version} host={self.headers['Host']} sni={sni}\n")
        elif self.path == "/to-whoami":
            self.send_response(302)
            self.send_header("Location", "/whoami")
            self.send_header("Content-Length", "0")
            self.end_headers()
        elif self.path == "/loop":
            self.send_response(302)
            self.send_header("Location", "/loop")
            self.send_header("Content-Length", "0")
            self.end_headers()
        elif self.path == "/linger":
            # A complete response on a connection the server keeps open:
            # the check must stop at Content-Length, not wait for the close.
            self.reply("linger test\n")
            time.sleep(5)
        elif self.path == "/chunked":
            self.protocol_version = "HTTP/1.1"
            self.send_response(200)
            self.send_header("Transfer-Encoding", "chunked")
            self.send_header("Connection", "close")
            self.end_headers()
            for part in (b"chun", b"ked te", b"st\n"):
                self.wfile.write(b"%x\r\n%s\r\n" % (len(part), part))
            self.wfile.write(b"0\r\n\r\n")
        elif self.command == "HEAD":
            super().do_HEAD()
        else:
            super().do_GET()

    do_HEAD = do_GET


class Server(http.server.ThreadingHTTPServer):
    address_family = socket.AF_INET6 if ":" in bind else socket.AF_INET

    def finish_request(self, request, client_address):
        # The handshake runs here, in the connection's thread, so a client
        # that never completes it cannot stall the accept loop.
        if tls is not None:
            try:
                request = tls.wrap_socket(request, server_side=True)
            except (ssl.SSLError, OSError):
                return
        self.RequestHandlerClass(request, client_address, self)


Server((bind, port), Handler).serve_forever()
