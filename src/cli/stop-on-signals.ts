/** How a long-running zchat process (a hub, a relay) stops on SIGINT and SIGTERM. */

/**
 * Stop on the first SIGINT or SIGTERM (logged), and exit at once on a second one; resolves
 * once `stop` has finished. Call it before the banner: whoever reads the banner may signal at
 * once, and a signal with no handler yet would kill the process instead of stopping it.
 */
export function stopOnSignals(stop: () => Promise<void>, log: (line: string) => void): Promise<void> {
	return new Promise<void>(resolve => {
		let stopping = false;
		const on = (signal: string) => {
			if (stopping) process.exit(130);
			stopping = true;
			log(`${signal}: shutting down`);
			void stop().then(resolve);
		};
		process.on('SIGINT', () => on('SIGINT'));
		process.on('SIGTERM', () => on('SIGTERM'));
	});
}
