import {Box, Text, useCursor} from 'ink';
import {inputView} from '../bars.js';
import type {Editor} from '../line-editor.js';
import {textWidth} from '../text-width.js';

export interface InputLineProps {
	readonly editor: Editor;
	/** Shown before the text ("#lobby› "). */
	readonly prompt: string;
	readonly width: number;
	/** The row the line is drawn on (where the terminal's cursor goes). */
	readonly row: number;
}

/** The line being typed, scrolled sideways to keep the cursor in sight; the terminal's cursor sits on it. */
export function InputLine({editor, prompt, width, row}: InputLineProps) {
	const promptWidth = textWidth(prompt);
	const view = inputView(editor, Math.max(1, width - promptWidth));
	const {setCursorPosition} = useCursor();
	setCursorPosition({x: Math.min(width - 1, promptWidth + view.cursor), y: row});
	return (
		<Box height={1}>
			<Text wrap="truncate">
				<Text bold>{prompt}</Text>
				{view.text}
			</Text>
		</Box>
	);
}
