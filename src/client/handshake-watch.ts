/**
 * Handshake failures made into one clear sentence, for every socket a client opens to a hub
 * (the DEALER and SUB of a session, the REQ of `zchat who`): a refused key, encryption on one
 * side only, a wrong hub key. libzmq alone would reconnect silently for ever.
 */
import type * as zmq from 'zeromq';
import type {ClientCurve} from './transport.js';

/** Connections dropped before any handshake completed, in a row, before an encrypted client concludes the hub key is wrong. */
const HANDSHAKE_FAILURES = 3;
/** How long to wait, after that, for libzmq's clearer "mechanism mismatch" (it gives it on some attempts but not all). */
const WRONG_KEY_GRACE_MS = 300;

/**
 * Watch one socket's handshakes and call `report` with exit code 2 and a sentence saying what
 * to change, when retrying cannot help. `report` may be called more than once (several
 * sockets, several attempts): the caller keeps the first.
 */
export function watchHandshakes(socket: {readonly events: zmq.Observer}, address: string, curve: ClientCurve | undefined, report: (code: 2, message: string) => void): void {
	const events = socket.events;
	let handshaken = false;
	let failures = 0;
	let wrongKeyTimer: NodeJS.Timeout | undefined;
	events.on('connect', () => {
		handshaken = false;
	});
	events.on('handshake', () => {
		handshaken = true;
		failures = 0;
	});
	events.on('handshake:error:auth', () => {
		clearTimeout(wrongKeyTimer);
		report(
			2,
			`the hub at ${address} refused our key ${curve?.publicKey ?? ''}${curve?.keySource ? ` (${curve.keySource})` : ''}: it is not on the hub's list of members, or it is banned. Send your public key to the hub's operator`,
		);
	});
	events.on('handshake:error:protocol', e => {
		if (e.error.code !== 'ERR_ZMTP_MECHANISM_MISMATCH') return;
		clearTimeout(wrongKeyTimer);
		report(
			2,
			curve
				? `the hub at ${address} does not use encryption (it runs without --key): leave out --server-key and --key`
				: `the hub at ${address} requires encryption: pass --server-key with its public key (and --key with yours)`,
		);
	});
	if (!curve) return;
	// A wrong hub key shows only as connections the hub drops before any handshake completes
	// (the hub cannot even read our first message).
	events.on('disconnect', () => {
		if (handshaken || ++failures < HANDSHAKE_FAILURES || wrongKeyTimer) return;
		wrongKeyTimer = setTimeout(
			() =>
				report(
					2,
					`the hub at ${address} does not accept our encrypted handshake: --server-key is not that hub's public key (the hub prints its key when it starts), or it is not a zchat hub`,
				),
			WRONG_KEY_GRACE_MS,
		);
		wrongKeyTimer.unref();
	});
}
