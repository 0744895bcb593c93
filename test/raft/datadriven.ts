/*
 * The file format of the golden transcripts (etcd's datadriven, reduced): each
 * case is a command line, a `----` line, and the expected output up to the next
 * blank line. Lines starting with `#` and blank lines before a command are kept
 * as they are (comments). Output never contains a blank line; no output is `ok`.
 */

export interface TranscriptCase {
  /** Comment and blank lines before the command, kept verbatim. */
  readonly preamble: readonly string[];
  readonly command: string;
  /** 1-based line of the command, for messages. */
  readonly line: number;
  readonly expected: readonly string[];
}

export interface Transcript {
  readonly cases: readonly TranscriptCase[];
  /** Comment and blank lines after the last case. */
  readonly trailer: readonly string[];
}

export function parseTranscript(text: string, name: string): Transcript {
  const lines = text.split("\n");
  const cases: TranscriptCase[] = [];
  let preamble: string[] = [];
  let i = 0;
  while (i < lines.length) {
    const line = lines[i]!;
    if (line.trim() === "" || line.startsWith("#")) {
      preamble.push(line);
      i++;
      continue;
    }
    if (lines[i + 1] !== "----") throw new Error(`${name}:${i + 1}: expected '----' after the command '${line}'`);
    const expected: string[] = [];
    let j = i + 2;
    while (j < lines.length && lines[j]!.trim() !== "") expected.push(lines[j++]!);
    cases.push({ preamble, command: line, line: i + 1, expected });
    preamble = [];
    // The blank line that ends the output belongs to the case.
    i = j + 1;
  }
  return { cases, trailer: preamble };
}

/** The transcript with `outputs[i]` as the output of case i: the inverse of {@link parseTranscript}. */
export function renderTranscript(t: Transcript, outputs: readonly (readonly string[])[]): string {
  const lines: string[] = [];
  t.cases.forEach((c, i) => {
    const out = outputs[i]!;
    lines.push(...c.preamble, c.command, "----", ...(out.length > 0 ? out : ["ok"]), "");
  });
  lines.push(...t.trailer);
  return `${lines.join("\n").trimEnd()}\n`;
}
