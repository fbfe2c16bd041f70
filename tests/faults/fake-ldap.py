#!/usr/bin/env python3
"""A fake LDAP server on 127.0.0.1 for the behaviours slapd cannot be made
to show on demand.  It speaks just enough BER for syncready's crawler over
plain LDAP (anonymous, no StartTLS): the RootDSE, a base search of the base
DN, and a paged subtree search.

    fake-ldap.py --mode MODE --port-file F [--base DN] [--entries N]

MODE:
  cookie-rejected  the first page (N entries) comes with a cookie; the
                   request for the second page is refused as Active
                   Directory refuses a cookie it no longer knows:
                   unwillingToPerform, "00002024: ... problem 5003
                   (WILL_NOT_PERFORM)" (an expired or foreign cookie).
  silent           accepts the TCP connection and never sends a byte.

Writes the port it listens on to F (via a rename, so the file is whole
when it appears).  Serves connections until killed.
"""
import argparse
import os
import socket
import sys
import threading

PAGED_OID = b"1.2.840.113556.1.4.319"


# ---- BER ------------------------------------------------------------------
def tlv(tag, value):
    n = len(value)
    if n < 0x80:
        length = bytes([n])
    else:
        b = n.to_bytes((n.bit_length() + 7) // 8, "big")
        length = bytes([0x80 | len(b)]) + b
    return bytes([tag]) + length + value


def integer(v, tag=0x02):
    b = v.to_bytes(max(1, (v.bit_length() + 8) // 8), "big", signed=True)
    return tlv(tag, b)


def octets(v, tag=0x04):
    return tlv(tag, v if isinstance(v, bytes) else v.encode())


def seq(*items, tag=0x30):
    return tlv(tag, b"".join(items))


def parse(buf, pos=0):
    """(tag, value, next position) of the TLV at pos."""
    tag = buf[pos]
    n = buf[pos + 1]
    pos += 2
    if n & 0x80:
        k = n & 0x7F
        n = int.from_bytes(buf[pos:pos + k], "big")
        pos += k
    return tag, buf[pos:pos + n], pos + n


def children(value):
    out, pos = [], 0
    while pos < len(value):
        tag, v, pos = parse(value, pos)
        out.append((tag, v))
    return out


def read_message(sock, buf):
    """One whole LDAPMessage from the socket, or None at EOF."""
    while True:
        if len(buf) >= 2:
            n = buf[1]
            hdr = 2
            if n & 0x80:
                k = n & 0x7F
                if len(buf) >= 2 + k:
                    n = int.from_bytes(buf[2:2 + k], "big")
                    hdr = 2 + k
                else:
                    n = None
            if n is not None and len(buf) >= hdr + n:
                msg = bytes(buf[:hdr + n])
                del buf[:hdr + n]
                return msg
        data = sock.recv(65536)
        if not data:
            return None
        buf.extend(data)


# ---- LDAP -----------------------------------------------------------------
def result(op_tag, code=0, diag=b"", matched=b""):
    return seq(integer(code, 0x0A), octets(matched), octets(diag), tag=op_tag)


def message(msgid, op, controls=b""):
    return seq(integer(msgid), op, controls)


def entry(dn, attrs):
    return seq(octets(dn),
               seq(*[seq(octets(a), seq(*[octets(v) for v in vals],
                                           tag=0x31))
                     for a, vals in attrs]),
               tag=0x64)


def paged_response(cookie):
    value = seq(integer(0), octets(cookie))
    return seq(seq(octets(PAGED_OID), octets(value)), tag=0xA0)


def serve(conn, a):
    buf = bytearray()
    try:
        if a.mode == "silent":
            while conn.recv(65536):
                pass
            return
        while True:
            msg = read_message(conn, buf)
            if msg is None:
                return
            _, body, _ = parse(msg)
            parts = children(body)
            msgid = int.from_bytes(parts[0][1], "big")
            op_tag, op = parts[1]
            controls = parts[2][1] if len(parts) > 2 else b""
            if op_tag == 0x42:  # unbind
                return
            if op_tag == 0x60:  # bind: anonymous is fine
                conn.sendall(message(msgid, result(0x61)))
                continue
            if op_tag != 0x63:  # anything else: unwillingToPerform
                conn.sendall(message(msgid, result(0x65, 53, b"fake-ldap: not supported")))
                continue
            fields = children(op)
            base = fields[0][1].decode()
            scope = int.from_bytes(fields[1][1], "big")
            if scope == 0:
                if base == "":
                    conn.sendall(message(msgid, entry(b"", [
                        (b"objectClass", [b"top"]),
                        (b"namingContexts", [a.base.encode()]),
                        (b"defaultNamingContext", [a.base.encode()]),
                        (b"supportedControl", [PAGED_OID]),
                        (b"supportedLDAPVersion", [b"3"]),
                    ])))
                else:
                    conn.sendall(message(msgid, entry(base.encode(), [
                        (b"objectClass", [b"top", b"domain"])])))
                conn.sendall(message(msgid, result(0x65)))
                continue
            cookie = b""
            for _, ctl in children(controls):
                c = children(ctl)
                if c[0][1] == PAGED_OID:
                    val = c[-1][1]
                    _, inner, _ = parse(val)
                    cookie = children(inner)[1][1]
            if cookie == b"":
                for i in range(a.entries):
                    guid = (i + 1).to_bytes(16, "little")
                    conn.sendall(message(msgid, entry(
                        f"CN=User {i},OU=People,{a.base}".encode(), [
                            (b"objectClass", [b"top", b"person", b"user"]),
                            (b"objectCategory", [f"CN=Person,CN=Schema,CN=Configuration,{a.base}".encode()]),
                            (b"cn", [f"User {i}".encode()]),
                            (b"objectGUID", [guid]),
                            (b"userPrincipalName", [f"user {i}@contoso.com".encode()]),
                        ])))
                conn.sendall(message(msgid, result(0x65),
                                     paged_response(b"fake-cookie-1")))
            else:
                conn.sendall(message(msgid, result(
                    0x65, 53,
                    b"00002024: SvcErr: DSID-02100C3A, problem 5003 "
                    b"(WILL_NOT_PERFORM), data 0\n")))
    except OSError:
        return
    finally:
        conn.close()


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--mode", choices=["cookie-rejected", "silent"], required=True)
    ap.add_argument("--port-file", required=True)
    ap.add_argument("--base", default="DC=contoso,DC=com")
    ap.add_argument("--entries", type=int, default=3)
    a = ap.parse_args()
    ls = socket.socket()
    ls.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    ls.bind(("127.0.0.1", 0))
    ls.listen(8)
    with open(a.port_file + ".tmp", "w") as f:
        f.write(str(ls.getsockname()[1]))
    os.rename(a.port_file + ".tmp", a.port_file)
    while True:
        conn, _ = ls.accept()
        threading.Thread(target=serve, args=(conn, a), daemon=True).start()


if __name__ == "__main__":
    sys.exit(main())
