/**
 * The hub's flood limit mirrored here: a token bucket and a byte budget like the hub's, set
 * from its welcome (what it has left) and spent by every command the hub charges, so lines
 * are paced rather than refused.
 */
import {chargeOf, utf8Bytes} from '../protocol/charges.js';
import type {DistributiveOmit} from '../protocol/exhaustive.js';
import type {Command, WelcomeReply} from '../protocol/types.js';
import type {Draft} from './draft.js';

/** Mirror the hub's flood limit from its welcome (or stop, when it no longer has one). */
export function mirrorRate(d: Draft, w: WelcomeReply): void {
	const rate = w.limits?.rate;
	if (!rate || !(rate.burst >= 1) || !(rate.seconds > 0)) {
		if (d.s.rate) d.unset('rate', 'tokens');
		return;
	}
	const bytesPerMinute = rate.bytesPerMinute !== undefined && rate.bytesPerMinute > 0 ? rate.bytesPerMinute : undefined;
	d.set({rate: {burst: rate.burst, seconds: rate.seconds, ...(bytesPerMinute === undefined ? {} : {bytesPerMinute})}});
	const left = rate.left;
	// The hub says what is left after the hello; a hub that does not, left a token for it.
	const now = current(d);
	const n = typeof left?.tokens === 'number' ? Math.min(rate.burst, left.tokens) : Math.min(now?.n ?? rate.burst, rate.burst) - 1;
	const bytes = bytesPerMinute === undefined ? undefined : typeof left?.bytes === 'number' ? Math.min(bytesPerMinute, left.bytes) : (now?.bytes ?? bytesPerMinute);
	d.set({tokens: {n, at: d.now, ...(bytes === undefined ? {} : {bytes})}});
}

/**
 * Take what a line costs from the mirrored bucket: true when it may go now. A client that
 * paces itself this way is never refused for going too fast.
 */
export function takeForLine(d: Draft, text: string): boolean {
	const t = current(d);
	if (!t) return true;
	const bytes = t.bytes === undefined ? undefined : utf8Bytes(text);
	if (t.n < 1 || (bytes !== undefined && t.bytes! < bytes)) {
		d.set({tokens: t});
		return false;
	}
	d.set({tokens: {...t, n: t.n - 1, ...(bytes === undefined ? {} : {bytes: t.bytes! - bytes})}});
	return true;
}

/** A command other than a line went out: spend what the hub charges for it, even below zero. */
export function spendFor(d: Draft, command: DistributiveOmit<Command, 'id'>): void {
	if (command.type === 'hello' || command.type === 'say' || command.type === 'msg') return;
	const charge = chargeOf(command);
	const t = charge && current(d);
	if (!charge || !t) return;
	d.set({tokens: {...t, n: t.n - charge.tokens, ...(t.bytes === undefined || charge.text === undefined ? {} : {bytes: t.bytes - utf8Bytes(charge.text)})}});
}

/** The hub refused something as too fast: the bucket is empty for now. */
export function emptied(d: Draft): void {
	const t = current(d);
	if (t) d.set({tokens: {...t, n: Math.min(t.n, 0)}});
}

/** The mirrored bucket brought up to date, or undefined when the hub has no limit. */
function current(d: Draft): {n: number; at: number; bytes?: number} | undefined {
	const rate = d.s.rate;
	if (!rate) return undefined;
	const now = d.now;
	const t = d.s.tokens ?? {n: rate.burst, at: now, ...(rate.bytesPerMinute === undefined ? {} : {bytes: rate.bytesPerMinute})};
	const elapsed = Math.max(0, now - t.at);
	const n = Math.min(rate.burst, t.n + (elapsed * rate.burst) / (rate.seconds * 1000));
	const bytes = rate.bytesPerMinute === undefined ? undefined : Math.min(rate.bytesPerMinute, (t.bytes ?? rate.bytesPerMinute) + (elapsed * rate.bytesPerMinute) / 60_000);
	return {n, at: now, ...(bytes === undefined ? {} : {bytes})};
}
