/** The part of jsdom's API test/support/mermaid.ts uses (jsdom ships no types; @types/jsdom would be one more pin for one constructor). */
declare module 'jsdom' {
  export class JSDOM {
    constructor(html: string);
    readonly window: Window & typeof globalThis;
  }
}
