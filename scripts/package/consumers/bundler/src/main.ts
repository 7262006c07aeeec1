// Bundler project (TypeScript `moduleResolution: bundler`), bundled by esbuild: a bundled service with Node types;
// src/browser.ts is checked separately with no Node types (a browser app).
import { smoke } from './smoke.js';

smoke().then(
  (passed) => passed.forEach((name) => console.log(`ok ${name}`)),
  (error: unknown) => {
    console.error(error);
    throw error;
  },
);
