/**
 * Mermaid's own parser (the `mermaid` package's parse(), the code a renderer runs before drawing),
 * in Node on a jsdom window: mermaid loads DOMPurify, which needs one. Parsing only: nothing is
 * rendered to SVG (that needs a browser's layout engine, which this machine does not run).
 */
import { JSDOM } from 'jsdom';

type Mermaid = { initialize(config: object): void; parse(text: string): Promise<unknown> };
let loaded: Promise<Mermaid> | undefined;

async function load(): Promise<Mermaid> {
  const dom = new JSDOM('<!doctype html><html><body></body></html>');
  const g = globalThis as Record<string, unknown>;
  g.window ??= dom.window;
  g.document ??= dom.window.document;
  const { default: mermaid } = (await import('mermaid')) as { default: Mermaid };
  mermaid.initialize({ startOnLoad: false });
  return mermaid;
}

/** undefined when Mermaid parses `text`, else its error's first line. */
export async function mermaidProblem(text: string): Promise<string | undefined> {
  loaded ??= load();
  const mermaid = await loaded;
  try {
    await mermaid.parse(text);
    return undefined;
  } catch (error) {
    return (error instanceof Error ? error.message : String(error)).split('\n').slice(0, 4).join(' ');
  }
}

/** The ```mermaid blocks of a Markdown text. */
export function mermaidBlocks(markdown: string): string[] {
  return [...markdown.matchAll(/^```mermaid\n([\s\S]*?)^```$/gm)].map((m) => m[1] ?? '');
}
