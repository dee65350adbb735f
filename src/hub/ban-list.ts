/**
 * The hub's bans: kept in memory for the checks on every hello and connection, and written
 * through to the store's database (table `bans`) so they outlast a restart.
 */
import type Database from 'better-sqlite3';
import type {BanInfo} from '../protocol/types.js';

type Kind = BanInfo['kind'];

/** A nick ban as kept: with the nickKey it was recorded under. */
type KeptBan = BanInfo & {readonly nickKey?: string};

export class BanList {
	/** By "<kind>:<target>" (nicks by their nickKey). */
	private readonly list = new Map<string, KeptBan>();
	private readonly put: Database.Statement;
	private readonly delete: Database.Statement;

	/** Read the bans of a database, making their table if it has none. */
	constructor(db: Database.Database) {
		db.exec('CREATE TABLE IF NOT EXISTS bans (id TEXT PRIMARY KEY, json TEXT NOT NULL)');
		for (const row of db.prepare('SELECT id, json FROM bans').all() as Array<{id: string; json: string}>) {
			try {
				this.list.set(row.id, JSON.parse(row.json) as KeptBan);
			} catch {
				// A row this version cannot read: leave it alone.
			}
		}
		this.put = db.prepare('INSERT INTO bans (id, json) VALUES (?, ?) ON CONFLICT (id) DO UPDATE SET json = excluded.json');
		this.delete = db.prepare('DELETE FROM bans WHERE id = ?');
	}

	/** The ban in force on a nick (by its nickKey) or a key, if any; an expired one is lifted here. */
	ban(kind: Kind, key: string, now: number): BanInfo | undefined {
		const ban = this.list.get(`${kind}:${key}`);
		if (!ban) return undefined;
		if (ban.until !== undefined && ban.until <= now) {
			this.remove(kind, key);
			return undefined;
		}
		return ban;
	}

	/** Every ban in force, oldest first, lifting the expired ones. */
	bans(now: number): BanInfo[] {
		for (const ban of [...this.list.values()]) this.ban(ban.kind, ban.kind === 'nick' ? (ban.nickKey ?? ban.target.toLowerCase()) : ban.target, now);
		return [...this.list.values()].sort((a, b) => a.since - b.since);
	}

	/** Record a ban, replacing one on the same target. Throws when it cannot be written. */
	add(key: string, ban: BanInfo): void {
		const kept: KeptBan = ban.kind === 'nick' ? {...ban, nickKey: key} : ban;
		this.put.run(`${ban.kind}:${key}`, JSON.stringify(kept));
		this.list.set(`${ban.kind}:${key}`, kept);
	}

	/** Lift a ban; false when there was none. Throws when it cannot be written. */
	remove(kind: Kind, key: string): boolean {
		const id = `${kind}:${key}`;
		if (!this.list.has(id)) return false;
		this.delete.run(id);
		return this.list.delete(id);
	}
}
