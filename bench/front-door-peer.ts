/**
 * One zeromq.js DEALER for bench/front-door.ts: 100-byte single-frame commands, `--window` of
 * them in flight, for `--seconds`; prints {"replies":…,"seconds":…}.
 *
 *   node dist/bench/front-door-peer.js --port P [--server-key K] [--seconds 2] [--window 500]
 */
import * as zmq from 'zeromq';

const args = process.argv.slice(2);
const value = (flag: string) => {
	const i = args.indexOf(flag);
	return i >= 0 ? args[i + 1] : undefined;
};
const port = Number(value('--port'));
const serverKey = value('--server-key');
const seconds = Number(value('--seconds') ?? 2);
const window = Number(value('--window') ?? 500);
const mine = zmq.curveKeyPair();
const dealer = new zmq.Dealer({linger: 0, sendHighWaterMark: 100_000, receiveHighWaterMark: 100_000, ...(serverKey ? {curveServerKey: serverKey, curvePublicKey: mine.publicKey, curveSecretKey: mine.secretKey} : {})});
dealer.connect(`tcp://127.0.0.1:${port}`);
const payload = Buffer.from(JSON.stringify({type: 'say', id: 'x'.repeat(20), room: 'bench', text: 'y'.repeat(40)}).padEnd(100, ' '));

// Warm up: one round trip, so the handshake is not in the measurement.
await dealer.send(payload);
await dealer.receive();

let inFlight = 0;
let replies = 0;
let counting = false;
let done = false;
const wake: Array<() => void> = [];
const started = Date.now();
const counted = {from: 0, to: 0};
setTimeout(() => {
	counting = true;
	counted.from = Date.now();
	replies = 0;
}, 300);
setTimeout(() => {
	counted.to = Date.now();
	counting = false;
	done = true;
}, 300 + seconds * 1000);

const receiving = (async () => {
	for await (const [frame] of dealer) {
		if (frame) {
			inFlight--;
			if (counting) replies++;
			wake.shift()?.();
		}
		if (done) break;
	}
})();
while (!done) {
	if (inFlight >= window) {
		await new Promise<void>(resolve => wake.push(resolve));
		continue;
	}
	inFlight++;
	await dealer.send(payload);
}
await Promise.race([receiving, new Promise(resolve => setTimeout(resolve, 200))]);
process.stdout.write(JSON.stringify({replies, seconds: (counted.to - counted.from) / 1000, total: (Date.now() - started) / 1000}) + '\n');
dealer.close();
process.exit(0);
