/** Reading secret input: from a pipe when there is one, else a prompt that does not echo. */
import { createInterface } from 'node:readline';
import { Writable } from 'node:stream';

/** Reads all of stdin (piped), or prompts without echo on a TTY; strips one trailing newline. */
export async function readSecretInput(prompt: string): Promise<string> {
  if (!process.stdin.isTTY) {
    const chunks: Buffer[] = [];
    for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
    return Buffer.concat(chunks)
      .toString('utf8')
      .replace(/\r?\n$/, '');
  }
  const muted = new Writable({ write: (_chunk, _encoding, done) => done() });
  process.stderr.write(prompt);
  const rl = createInterface({ input: process.stdin, output: muted, terminal: true });
  const answer = await new Promise<string>((resolve) => rl.question('', resolve));
  rl.close();
  process.stderr.write('\n');
  return answer;
}
