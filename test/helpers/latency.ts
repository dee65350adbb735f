import type {TestClient} from './client.js';
import {waitFor} from './wait.js';

/** Line-to-screen latency between two real clients, n samples each way, sorted. */
export async function lineLatency(a: TestClient, b: TestClient, label: string, n: number): Promise<number[]> {
	const samples: number[] = [];
	for (let i = 0; i < 2 * n; i++) {
		const [sender, receiver] = i % 2 === 0 ? [a, b] : [b, a];
		const text = `${label} ${i}`;
		const shown = new Promise<void>(resolve => {
			const on = (_view: string, item: {kind: string; event?: {type: string; text?: string}}) => {
				if (item.kind === 'event' && item.event?.type === 'message' && item.event.text === text) {
					receiver.client.off('show', on);
					resolve();
				}
			};
			receiver.client.on('show', on);
		});
		const t0 = process.hrtime.bigint();
		sender.client.line(text);
		await Promise.race([shown, waitFor(`"${text}" to arrive`, () => false, 10_000)]);
		samples.push(Number(process.hrtime.bigint() - t0) / 1e6);
	}
	return samples.sort((x, y) => x - y);
}
