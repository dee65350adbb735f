import {EventEmitter} from 'node:events';
import {assertNever, type DistributiveOmit} from '../protocol/exhaustive.js';
import type {Intent} from './commands.js';
import {step} from './session.js';
import {initialState, type ClientOptions, type ClientState, type Effect, type FeedItem, type Input} from './state.js';
import type {Transport} from './transport.js';

export interface ClientEvents {
	/** The state changed (the TUI re-renders from it). */
	change: [state: ClientState];
	/** An item was appended to a view's feed (line mode prints it). */
	show: [view: string, item: FeedItem];
	bell: [];
	/** The session is over: exit with this code. */
	exit: [code: number, message: string | undefined];
}

/** Where /set keeps settings: the settings file, given by the cli (the client does no I/O of its own). */
export interface SettingsStore {
	/**
	 * Save a setting as typed ("bell", "off"). Resolves with where it was saved; rejects with
	 * an Error whose message says what is wrong (an unknown name, a bad value, an unwritable file).
	 */
	save(name: string, value: string): Promise<string>;
}

/** How the session ended: the exit code and why. */
export interface ClientExit {
	readonly code: number;
	readonly message: string | undefined;
}

/**
 * The client at run time: the session reducer, a transport and a clock. It feeds what the
 * transport receives and what the user does into `step`, carries out the effects, and tells
 * the view. All decisions are in the reducer; this only wires.
 */
export class Client extends EventEmitter<ClientEvents> {
	state: ClientState;
	/** Where /set saves; without one, /set says settings cannot be saved. */
	settings: SettingsStore | undefined;
	private timer: NodeJS.Timeout | undefined;
	private exited = false;
	private ending: ClientExit | undefined;
	private resolveEnded!: (end: ClientExit) => void;
	/**
	 * Resolves once the session is over and the sockets are closed, however early that
	 * happened: a view that starts listening late (the TUI loads Ink after the connection
	 * started) still learns of a refusal that came first.
	 */
	readonly ended: Promise<ClientExit> = new Promise(resolve => (this.resolveEnded = resolve));

	constructor(
		private readonly transport: Transport,
		options: ClientOptions,
		private readonly clock: () => number = Date.now,
	) {
		super();
		this.state = initialState(options, clock());
	}

	start(tickMs = 250): void {
		this.transport.start({
			reply: reply => this.dispatch({type: 'reply', reply}),
			feed: events => this.dispatch({type: 'feed', events}),
			problem: (code, message) => this.dispatch({type: 'fatal', code, message}),
		});
		this.dispatch({type: 'start'});
		this.timer = setInterval(() => this.dispatch({type: 'tick'}), tickMs);
	}

	/** A line the user typed (text or a /command). */
	line(text: string): void {
		this.dispatch({type: 'line', text});
	}

	intent(intent: Intent): void {
		this.dispatch({type: 'intent', intent});
	}

	activate(view: string): void {
		this.dispatch({type: 'activate', view});
	}

	older(view: string): void {
		this.dispatch({type: 'older', view});
	}

	/** Leave once every line is delivered; called twice, leave at once. */
	leave(reason?: string): void {
		this.dispatch(reason === undefined ? {type: 'leave'} : {type: 'leave', reason});
	}

	dispatch(input: DistributiveOmit<Input, 'now'>): void {
		if (this.exited) return;
		const result = step(this.state, {...input, now: this.clock()} as Input);
		this.state = result.state;
		for (const effect of result.effects) this.perform(effect);
		this.emit('change', this.state);
	}

	private perform(effect: Effect): void {
		switch (effect.type) {
			case 'send':
				return this.transport.send(effect.command);
			case 'subscribe':
				return this.transport.subscribe(effect.room);
			case 'unsubscribe':
				return this.transport.unsubscribe(effect.room);
			case 'show':
				this.emit('show', effect.view, effect.item);
				return;
			case 'bell':
				this.emit('bell');
				return;
			case 'reconnect':
				this.transport.reconnect?.();
				return;
			case 'save':
				return this.save(effect.name, effect.value);
			case 'exit':
				this.exited = true;
				if (this.timer) clearInterval(this.timer);
				void this.transport.close().then(() => {
					this.ending = {code: effect.code, message: effect.message};
					this.resolveEnded(this.ending);
					this.emit('exit', effect.code, effect.message);
				});
				return;
			default:
				assertNever(effect, 'effect');
		}
	}

	/** Save a /set through the store, and tell the reducer how it went (always later, never inside this step). */
	private save(name: string, value: string): void {
		const saving = this.settings ? this.settings.save(name, value) : Promise.reject(new Error('settings cannot be saved in this zchat'));
		saving.then(
			where => this.dispatch({type: 'saved', name, value, where}),
			(err: unknown) => this.dispatch({type: 'saved', name, value, error: err instanceof Error ? err.message : String(err)}),
		);
	}

	/** How the session ended, once it has (see `ended`). */
	get endedWith(): ClientExit | undefined {
		return this.ending;
	}

	/** Stop without ceremony (tests, fatal errors). */
	async close(): Promise<void> {
		this.exited = true;
		if (this.timer) clearInterval(this.timer);
		await this.transport.close(0);
	}
}
