/**
 * Templates precompiled at build time. From source (tests) this is empty and render.ts compiles
 * templates/*.hbs on first use; scripts/build.mjs replaces this module in the bundles with every
 * template precompiled, which saves the Handlebars compiler's start-up cost on every run.
 */
export const PRECOMPILED: Readonly<Record<string, TemplateSpecification>> = {};
