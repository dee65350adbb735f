import type {Client} from '../client/client.js';

export interface TuiOptions {
	readonly bell: boolean;
	readonly timestamps: boolean;
	readonly hubAddress: string;
}

export async function runTui(client: Client, options: TuiOptions): Promise<number> {
	void client;
	void options;
	throw new Error('the TUI is being built');
}
