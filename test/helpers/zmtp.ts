import {connect, type Socket} from 'node:net';
import {property as zmtpProperty} from '../../src/hub/front-door/wire.js';

/**
 * ZMTP 3 spoken by hand over a raw TCP socket: what a hostile peer can send that a ZeroMQ
 * library would not (a routing id of its choosing, at the moment of its choosing, or a
 * handshake that never ends).
 */

export function greeting(mechanism = 'NULL', major = 3): Buffer {
	const g = Buffer.alloc(64);
	g[0] = 0xff;
	g[9] = 0x7f;
	g[10] = major;
	g[11] = 0;
	g.write(mechanism, 12, 'latin1');
	return g;
}

/** A READY command claiming `identity` as the routing id (an empty one asks the ROUTER to make one). */
export function ready(identity: Buffer, socketType = 'DEALER'): Buffer {
	const body = Buffer.concat([Buffer.from([5]), Buffer.from('READY'), zmtpProperty('Socket-Type', Buffer.from(socketType)), zmtpProperty('Identity', identity)]);
	return Buffer.concat([Buffer.from([0x04, body.length]), body]);
}

/** One message frame (short form). */
export function frame(text: string, more = false): Buffer {
	const b = Buffer.from(text);
	return Buffer.concat([Buffer.from([more ? 0x01 : 0x00, b.length]), b]);
}

/** A raw TCP connection; resolves once connected. `closed` resolves when the other side closes it. */
export function rawConnect(port: number, host = '127.0.0.1', localAddress?: string): Promise<{socket: Socket; closed: Promise<void>; received: () => number}> {
	return new Promise((resolve, reject) => {
		let bytes = 0;
		const socket = connect({port, host, ...(localAddress ? {localAddress} : {})});
		const closed = new Promise<void>(done => socket.on('close', () => done()));
		socket.on('data', d => (bytes += d.length));
		socket.once('error', reject);
		socket.once('connect', () => {
			socket.off('error', reject);
			socket.on('error', () => {});
			resolve({socket, closed, received: () => bytes});
		});
	});
}

/** The first routing id a ROUTER generates in a fresh process: a zero byte, then glibc's first rand() (libzmq never seeds it). */
export const FIRST_GENERATED_ID = 0x6b8b4567;

/** The routing id a ROUTER generates for its n-th nameless peer (counting from 0). */
export function generatedId(n: number, start = FIRST_GENERATED_ID): Buffer {
	const id = Buffer.alloc(5);
	id.writeUInt32BE((start + n) >>> 0, 1);
	return id;
}
