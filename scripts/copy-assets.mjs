// tsc compiles code only; the stylesheet travels beside the compiled views.
import { cpSync } from 'node:fs';
cpSync('src/web/assets', 'dist/web/assets', { recursive: true });
