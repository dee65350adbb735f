/**
 * Durations for people, both ways: "30s", "10m", "2h" typed in, "3m" or "1.5 s" shown.
 * The hub, the client, the ui and the cli all use these; they live in the lowest layer.
 */
import {MAX_DURATION_MS} from './limits.js';

/** "30s", "10m", "2h", "7d", "1w", or plain seconds: milliseconds, or undefined when it is not a duration. */
export function parseDuration(text: string): number | undefined {
	const m = /^(\d+(?:\.\d+)?)(s|sec|m|min|h|d|w)?$/i.exec(text.trim());
	if (!m) return undefined;
	const unit = (m[2] ?? 's').toLowerCase();
	const scale = unit === 'w' ? 604_800_000 : unit === 'd' ? 86_400_000 : unit === 'h' ? 3_600_000 : unit === 'm' || unit === 'min' ? 60_000 : 1000;
	const ms = Math.round(Number(m[1]) * scale);
	return ms >= 1 && ms <= MAX_DURATION_MS ? ms : undefined;
}

/** A short, whole-unit duration: "42s", "5m", "3h 20m", "2d" (idle times, uptimes). */
export function formatDuration(ms: number): string {
	const s = Math.max(0, Math.floor(ms / 1000));
	if (s < 60) return `${s}s`;
	const m = Math.floor(s / 60);
	if (m < 60) return `${m}m`;
	const h = Math.floor(m / 60);
	if (h < 48) return `${h}h${m % 60 ? ` ${m % 60}m` : ''}`;
	return `${Math.floor(h / 24)}d`;
}

/** "1.5 s", "5 min", "3 h", "2 d": a rounded duration for sentences (waits, bans, mutes). */
export function formatSeconds(ms: number): string {
	if (ms < 60_000) {
		const s = ms / 1000;
		return `${s < 10 ? Math.round(s * 10) / 10 : Math.round(s)} s`;
	}
	if (ms < 3_600_000) return `${Math.round(ms / 60_000)} min`;
	if (ms < 172_800_000) return `${Math.round(ms / 3_600_000)} h`;
	return `${Math.round(ms / 86_400_000)} d`;
}
