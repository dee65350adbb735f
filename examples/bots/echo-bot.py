#!/usr/bin/env python3
"""A zchat bot in Python, written from docs/PROTOCOL.md alone.

Joins #lobby, catches up in seq order, answers "!echo <text>" and "!time", stays alive with
pings, says hello again after a hub restart and resends what was not acked.

    ZCHAT_HOST=127.0.0.1 ZCHAT_SUB=5555 ZCHAT_PUB=5556 BOT_NICK=echobot python3 echo-bot.py

Needs pyzmq (pip install pyzmq, or Debian's python3-zmq). test/bot.test.ts runs it.
"""
import json, os, secrets, sys, time, zmq

HOST, SUB, PUB = os.environ.get("ZCHAT_HOST", "127.0.0.1"), os.environ.get("ZCHAT_SUB", "5555"), os.environ.get("ZCHAT_PUB", "5556")
NICK, ROOM = os.environ.get("BOT_NICK", "echobot"), "lobby"

ctx = zmq.Context()
feed = ctx.socket(zmq.SUB)
feed.connect(f"tcp://{HOST}:{PUB}")
feed.setsockopt_string(zmq.SUBSCRIBE, f"#{ROOM}:")           # 1. subscribe first
cmd = ctx.socket(zmq.DEALER)
cmd.connect(f"tcp://{HOST}:{SUB}")

session = secrets.token_urlsafe(18)                           # our session secret
next_id, unacked, last_seq, epoch, buffered = 0, {}, None, None, {}

def send(obj):
    cmd.send_string(json.dumps(obj))

def hello():
    send({"type": "hello", "id": "hello", "v": 1, "nick": NICK, "session": session, "rooms": [ROOM], "client": "echo-bot.py/1"})

def say(text):
    global next_id
    next_id += 1
    msg = {"type": "say", "id": f"m{next_id}", "room": ROOM, "text": text}
    unacked[msg["id"]] = [msg, time.time()]
    send(msg)

def on_event(e):                                              # 4. events in seq order
    global last_seq
    if e.get("epoch") != epoch or last_seq is None or e["seq"] <= last_seq:
        return
    if e["seq"] > last_seq + 1:                               # a gap: buffer and repair
        buffered[e["seq"]] = e
        send({"type": "history", "id": "repair", "room": ROOM, "after": last_seq, "limit": 500})
        return
    last_seq = e["seq"]
    if e["type"] == "message" and e["from"] != NICK:
        text = e["text"]
        if text.startswith("!echo "):
            say(text[len("!echo "):])
        elif text == "!time":
            say(time.strftime("%H:%M:%S"))
    if last_seq + 1 in buffered:
        on_event(buffered.pop(last_seq + 1))

def on_reply(r):
    global epoch, last_seq
    t = r["type"]
    if t == "welcome":                                        # 2. the room's seq
        if epoch is not None and r["epoch"] != epoch:
            last_seq = None                                   # new epoch: start over
        epoch = r["epoch"]
        room = next(x for x in r["rooms"] if x["room"] == ROOM)
        if last_seq is None:
            last_seq = room["seq"]                            # 3. no history wanted: start here
        elif room["seq"] > last_seq:
            send({"type": "history", "id": "repair", "room": ROOM, "after": last_seq, "limit": 500})
        for msg, _ in unacked.values():                       # resend what is not acked
            send(msg)
    elif t == "ack":
        unacked.pop(r["re"], None)
    elif t == "history":
        for e in r["events"]:
            on_event(e)
    elif t == "pong":
        if not r["session"]:
            hello()
        elif last_seq is not None and r["heads"].get(ROOM, 0) > last_seq:
            send({"type": "history", "id": "repair", "room": ROOM, "after": last_seq, "limit": 500})
    elif t == "error":
        if r["code"] == "no_session":
            hello()
        elif r["code"] == "nick_taken" and epoch is None:
            sys.exit(f"nick taken: {r['message']}")
        elif r.get("re") in unacked and r["code"] not in ("storage_failed", "rate_limited"):
            unacked.pop(r["re"])                              # refused for good (else: resent)
        print("error:", r["message"], file=sys.stderr)

hello()
poller = zmq.Poller()
poller.register(cmd, zmq.POLLIN)
poller.register(feed, zmq.POLLIN)
last_ping = time.time()
while True:
    for sock, _ in poller.poll(500):
        frames = sock.recv_multipart()
        if sock is cmd:
            for f in frames:
                on_reply(json.loads(f))
        else:
            for f in frames[1:]:                              # frames[0] is the topic
                on_event(json.loads(f))
    now = time.time()
    if now - last_ping > 2.5:                                 # stay alive
        send({"type": "ping"})
        last_ping = now
    for entry in unacked.values():                            # resend late ones, same id
        if now - entry[1] > 3:
            send(entry[0])
            entry[1] = now
