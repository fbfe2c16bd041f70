#!/usr/bin/env python3
"""A TCP relay on 127.0.0.1 that lets a connection through until the server
has sent a number of bytes, then holds it: nothing more reaches the client.
The test then kills the server; when the relay sees the server's side close
it resets the client's connection.  So "the server dies mid-scan" happens at
the same point of every run, whatever the machine's speed.

    tcp-cut.py --target PORT --cut-after BYTES --port-file F --held-file H

Writes the port it listens on to F once it listens, and creates H when it
starts holding.  Relays one client connection, then exits.  The bytes are
TLS records after StartTLS: the relay does not need to understand them.
"""
import argparse
import os
import selectors
import socket
import struct
import sys
import time


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--target", type=int, required=True)
    ap.add_argument("--cut-after", type=int, required=True)
    ap.add_argument("--port-file", required=True)
    ap.add_argument("--held-file", required=True)
    ap.add_argument("--timeout", type=float, default=120)
    a = ap.parse_args()

    ls = socket.socket()
    ls.bind(("127.0.0.1", 0))
    ls.listen(1)
    tmp = a.port_file + ".tmp"
    with open(tmp, "w") as f:
        f.write(str(ls.getsockname()[1]))
    os.rename(tmp, a.port_file)
    ls.settimeout(a.timeout)
    client, _ = ls.accept()
    server = socket.create_connection(("127.0.0.1", a.target))
    sel = selectors.DefaultSelector()
    sel.register(client, selectors.EVENT_READ, "client")
    sel.register(server, selectors.EVENT_READ, "server")
    sent = 0
    held = False
    deadline = time.monotonic() + a.timeout
    while time.monotonic() < deadline:
        for key, _ in sel.select(timeout=1):
            sock = key.fileobj
            try:
                data = sock.recv(65536)
            except OSError:
                data = b""
            if key.data == "server":
                if not data:
                    # The server is gone: reset the client's connection.
                    client.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER,
                                      struct.pack("ii", 1, 0))
                    client.close()
                    return 0
                if held:
                    continue
                room = a.cut_after - sent
                client.sendall(data[:room])
                sent += min(len(data), room)
                if sent >= a.cut_after:
                    held = True
                    open(a.held_file, "w").close()
            else:
                if not data:
                    server.close()
                    client.close()
                    return 0
                server.sendall(data)
    print("tcp-cut: timed out", file=sys.stderr)
    return 1


if __name__ == "__main__":
    sys.exit(main())
