// Bundler project (TypeScript `moduleResolution: bundler`, no Node types: a browser app), bundled by esbuild.
import { smoke } from './smoke.js';

smoke().then(
  (passed) => passed.forEach((name) => console.log(`ok ${name}`)),
  (error: unknown) => {
    console.error(error);
    throw error;
  },
);
