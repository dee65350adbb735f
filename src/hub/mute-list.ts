/**
 * The hub's mutes as kept in its database (table `mutes`), so that a mute outlasts a restart:
 * each by what it binds ("nick:<nickKey>", "key:<public key>", "addr:<address>").
 */
import type Database from 'better-sqlite3';

/** A mute as kept: who gave it, until when (none: until lifted), why. */
export interface KeptMute {
	readonly until?: number;
	readonly by: string;
	readonly reason?: string;
}

export class MuteList {
	private readonly select: Database.Statement;
	private readonly upsert: Database.Statement;
	private readonly remove: Database.Statement;

	/** Make the table if the database has none. */
	constructor(db: Database.Database) {
		db.exec('CREATE TABLE IF NOT EXISTS mutes (id TEXT PRIMARY KEY, json TEXT NOT NULL)');
		this.select = db.prepare('SELECT id, json FROM mutes');
		this.upsert = db.prepare('INSERT INTO mutes (id, json) VALUES (?, ?) ON CONFLICT (id) DO UPDATE SET json = excluded.json');
		this.remove = db.prepare('DELETE FROM mutes WHERE id = ?');
	}

	/** Every mute kept (expired ones too: the hub lifts those as it meets them). */
	all(): Array<[string, KeptMute]> {
		const out: Array<[string, KeptMute]> = [];
		for (const row of this.select.all() as Array<{id: string; json: string}>) {
			try {
				out.push([row.id, JSON.parse(row.json) as KeptMute]);
			} catch {
				// A row this version cannot read: leave it alone.
			}
		}
		return out;
	}

	/** Keep a mute, replacing one on the same id. Throws when it cannot be written. */
	put(id: string, mute: KeptMute): void {
		this.upsert.run(id, JSON.stringify(mute));
	}

	delete(id: string): void {
		this.remove.run(id);
	}
}
